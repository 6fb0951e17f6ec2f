package org.gymbridge.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The connection-level keys of a URL, which configure the client rather than the env: the scheme
 * {@code grpcs://} (TLS) and the query keys {@code token}, {@code ca}, {@code timeout}, {@code reset_timeout},
 * {@code make_timeout}, {@code on_crash}. {@link ConnectionUrl} hands them here as it parses the query, so
 * they never reach the server as env kwargs.
 * <pre>
 *   grpcs://envs.example.org:50051/CartPole-v1?ca=/etc/gymbridge/ca.pem&amp;token=...&amp;timeout=30s
 *   grpc://host:50051/MineRLTreechop-v0?reset_timeout=10m&amp;on_crash=recreate
 * </pre>
 * Durations: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or a plain number of seconds.
 */
final class ConnectionSettings {
    static final Set<String> KEYS = Set.of("token", "ca", "timeout", "reset_timeout", "make_timeout", "on_crash");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    private ConnectionSettings() {
    }

    /** {@code o} with the connection key {@code key} (one of {@link #KEYS}) set to {@code v}. */
    static ClientOptions apply(String key, String v, ClientOptions o, String url) {
        return switch (key) {
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
            default -> throw new IllegalArgumentException("not a connection key: " + key);
        };
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

    /** {@code url} as error messages may show it: a token replaced by ***. */
    static String shown(String url) {
        return url.replaceAll("(?i)(token=)[^&]*", "$1***");
    }

    static IllegalArgumentException bad(String url, String problem) {
        return new IllegalArgumentException("malformed gymbridge URL '" + shown(url) + "': " + problem);
    }
}
