package org.gymbridge.client;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The connection-level part of a URL: the scheme {@code grpcs://} (TLS) and the query keys that configure
 * the client rather than the env — {@code token}, {@code ca}, {@code timeout}, {@code reset_timeout},
 * {@code make_timeout}, {@code on_crash}. They are taken out of the URL before it is parsed as
 * {@link ConnectionUrl}, so they never reach the server as env kwargs.
 * <pre>
 *   grpcs://envs.example.org:50051/CartPole-v1?ca=/etc/gymbridge/ca.pem&amp;token=...&amp;timeout=30s
 *   grpc://host:50051/MineRLTreechop-v0?reset_timeout=10m&amp;on_crash=recreate
 * </pre>
 * Durations: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or a plain number of seconds.
 */
final class ConnectionSettings {
    static final Set<String> KEYS = Set.of("token", "ca", "timeout", "reset_timeout", "make_timeout", "on_crash");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    /** The URL without the connection keys (grpcs:// turned into grpc://) and the options they set. */
    record Split(String url, ClientOptions options) {
    }

    private ConnectionSettings() {
    }

    static Split apply(String url, ClientOptions base) {
        if (url == null) {
            return new Split(null, base);
        }
        String s = url.trim();
        ClientOptions o = base;
        if (s.startsWith("grpcs://")) {
            s = "grpc://" + s.substring("grpcs://".length());
            o = o.withTls(true);
        }
        int q = s.indexOf('?');
        if (q < 0) {
            return new Split(s, o);
        }
        StringBuilder kept = new StringBuilder();
        for (String part : s.substring(q + 1).split("&")) {
            int eq = part.indexOf('=');
            String key = eq > 0 ? decode(part.substring(0, eq)) : "";
            if (!KEYS.contains(key)) {
                if (!part.isEmpty()) {
                    kept.append(kept.length() == 0 ? "" : "&").append(part);
                }
                continue;
            }
            String v = decode(part.substring(eq + 1));
            o = switch (key) {
                case "token" -> o.withToken(v);
                case "ca" -> {
                    Path p = Path.of(v);
                    if (!Files.isReadable(p)) {
                        throw bad(url, "ca=" + v + " is not a readable file; name a PEM file with the certificate(s) "
                                + "to trust (e.g. the server's --tls-cert)");
                    }
                    yield o.withCaFile(p);
                }
                case "timeout" -> o.withCallTimeout(duration(key, v, url));
                case "reset_timeout" -> o.withResetTimeout(duration(key, v, url));
                case "make_timeout" -> o.withMakeTimeout(duration(key, v, url));
                case "on_crash" -> o.withOnCrash(switch (v.toLowerCase(Locale.ROOT)) {
                    case "fail" -> ClientOptions.CrashPolicy.FAIL;
                    case "recreate" -> ClientOptions.CrashPolicy.RECREATE;
                    default -> throw bad(url, "on_crash=" + v + " is not fail or recreate");
                });
                default -> throw new IllegalStateException(key);
            };
        }
        String rest = s.substring(0, q) + (kept.length() == 0 ? "" : "?" + kept);
        if (rest.startsWith("local:") && o.tls()) {
            throw bad(url, "a local: server is plaintext on loopback; drop ca= / grpcs:// (TLS is for remote servers)");
        }
        return new Split(rest, o);
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or seconds. */
    static Duration duration(String key, String v, String url) {
        Matcher m = DURATION.matcher(v.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw bad(url, key + "=" + v + " is not a duration; write e.g. 500ms, 30s, 5m or 1h");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double ms = switch (unit) {
            case "ms" -> amount;
            case "s" -> amount * 1e3;
            case "m" -> amount * 60e3;
            default -> amount * 3600e3;
        };
        if (ms < 1) {
            throw bad(url, key + "=" + v + " must be at least 1ms");
        }
        return Duration.ofMillis((long) ms);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException bad(String url, String problem) {
        String shown = url.replaceAll("(?i)(token=)[^&]*", "$1***");
        return new IllegalArgumentException("malformed gymbridge URL '" + shown + "': " + problem);
    }
}
