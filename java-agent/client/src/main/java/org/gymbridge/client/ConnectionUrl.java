package org.gymbridge.client;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.gymbridge.env.AutoresetMode;

/**
 * A parsed connection URL: where the server is and which env to make with which options.
 * <pre>
 *   grpc://host:port/EnvId?num_envs=8&amp;seed=1&amp;...   a running server over TCP (port default 50051)
 *   unix:/path/to/server.sock/EnvId?...               a running server on a unix socket
 *   unix:/path/to/socket?env=EnvId&amp;...                 (the same, for socket names not ending in .sock)
 *   local:EnvId?...                                   a private server process started for this env
 * </pre>
 * Query keys num_envs, seed, autoreset, render_mode, max_episode_steps, vectorization, num_workers, placement and wrappers
 * set {@link MakeOptions}; every other key is an env kwarg typed like JSON (true/false, integers,
 * decimals, null; anything else, or a "quoted" value, is a string). Env ids may contain '/'.
 * {@code wrappers=TimeLimit(max_episode_steps=200),NormalizeObservation,ResizeObservation(shape=(32,32))}
 * lists server-side Gymnasium wrappers, innermost first, their arguments typed the same way
 * ({@code (a,b)} or {@code [a,b]} is a list). The connection keys ({@link ConnectionSettings}: token, ca,
 * timeouts, on_crash, and the {@code grpcs://} scheme) configure the client instead and never reach the
 * server; they come out of the same single pass over the query, as {@link #clientOptions()}.
 */
record ConnectionUrl(Scheme scheme, String host, int port, String socketPath, String envId, MakeOptions options,
                     ClientOptions clientOptions) {

    enum Scheme { GRPC, UNIX, LOCAL }

    static final int DEFAULT_PORT = 50051;

    private static final String FORMS = "expected grpc://host:port/EnvId?key=value&..., "
            + "unix:/path/to/server.sock/EnvId?..., or local:EnvId?... (e.g. local:CartPole-v1?num_envs=8&seed=1)";
    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.\\d*|\\.\\d+|\\d+(\\.\\d*)?[eE][-+]?\\d+|inf|nan)",
            Pattern.CASE_INSENSITIVE);

    /** The gRPC target string for this URL's server (not for LOCAL, whose address is known only once it runs). */
    String grpcTarget() {
        return switch (scheme) {
            case GRPC -> host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
            case UNIX -> "unix:" + socketPath;
            case LOCAL -> "local";
        };
    }

    /** Parses {@code url} with default client options; see {@link #parse(String, ClientOptions)}. */
    static ConnectionUrl parse(String url) {
        return parse(url, ClientOptions.defaults());
    }

    /**
     * Parses {@code url}; its connection keys change {@code base} into {@link #clientOptions()}. An
     * IllegalArgumentException naming the expected form (never showing a token) if it is malformed.
     */
    static ConnectionUrl parse(String url, ClientOptions base) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("empty gymbridge URL; " + FORMS);
        }
        String s = url.trim();
        ClientOptions client = base;
        if (s.startsWith("grpcs://")) {
            s = "grpc://" + s.substring("grpcs://".length());
            client = client.withTls(true);
        }
        String query = "";
        int q = s.indexOf('?');
        if (q >= 0) {
            query = s.substring(q + 1);
            s = s.substring(0, q);
        }
        Map<String, String> params = new LinkedHashMap<>();
        client = parseQuery(query, url, params, client);
        String envParam = params.remove("env");
        ConnectionUrl u = parse(s, url, params, envParam, client);
        if (u.scheme() == Scheme.LOCAL && client.tls()) {
            throw ConnectionSettings.bad(url, "a local: server is plaintext on loopback; drop ca= / grpcs:// (TLS is for "
                    + "remote servers)");
        }
        return u;
    }

    /** The URL without its query: the scheme, server and env id. */
    private static ConnectionUrl parse(String s, String url, Map<String, String> params, String envParam,
                                       ClientOptions client) {

        if (s.startsWith("grpc://")) {
            String rest = s.substring("grpc://".length());
            int slash = rest.indexOf('/');
            String authority = slash >= 0 ? rest.substring(0, slash) : rest;
            String envId = slash >= 0 ? decode(rest.substring(slash + 1)) : "";
            String host;
            int port = DEFAULT_PORT;
            if (authority.startsWith("[")) {
                int close = authority.indexOf(']');
                if (close < 0) {
                    throw bad(url, "unterminated IPv6 address");
                }
                host = authority.substring(1, close);
                String after = authority.substring(close + 1);
                if (after.startsWith(":")) {
                    port = parsePort(after.substring(1), url);
                } else if (!after.isEmpty()) {
                    throw bad(url, "unexpected '" + after + "' after the host");
                }
            } else {
                int colon = authority.lastIndexOf(':');
                host = colon >= 0 ? authority.substring(0, colon) : authority;
                if (colon >= 0) {
                    port = parsePort(authority.substring(colon + 1), url);
                }
            }
            if (host.isEmpty()) {
                throw bad(url, "no host");
            }
            return new ConnectionUrl(Scheme.GRPC, host, port, null, pick(envId, envParam, url), options(params, url), client);
        }
        if (s.startsWith("unix:")) {
            String path = s.substring("unix:".length());
            if (path.startsWith("//")) {
                path = path.substring(2); // unix:///abs/path -> /abs/path
            }
            path = decode(path);
            if (path.isEmpty()) {
                throw bad(url, "no socket path");
            }
            String socket;
            String envId;
            if (envParam != null) {
                socket = path;
                envId = "";
            } else {
                int split = splitSocketPath(path);
                if (split < 0) {
                    throw bad(url, "cannot tell the socket path from the env id; name the socket *.sock "
                            + "(unix:/tmp/gym.sock/CartPole-v1) or pass the env as a query (unix:/tmp/gym?env=CartPole-v1)");
                }
                socket = path.substring(0, split);
                envId = split < path.length() ? path.substring(split + 1) : "";
            }
            return new ConnectionUrl(Scheme.UNIX, null, 0, socket, pick(envId, envParam, url), options(params, url), client);
        }
        if (s.startsWith("local:")) {
            String envId = decode(s.substring("local:".length()));
            if (envId.startsWith("//")) {
                envId = envId.substring(2);
            }
            return new ConnectionUrl(Scheme.LOCAL, null, 0, null, pick(envId, envParam, url), options(params, url), client);
        }
        throw bad(url, "unknown scheme");
    }

    /**
     * Index of the '/' ending the socket path: the first prefix that is an existing non-directory file,
     * else the first segment ending in ".sock"; the whole path if it is such a file; -1 if unknown.
     */
    private static int splitSocketPath(String path) {
        for (int i = path.indexOf('/', 1); i >= 0; i = path.indexOf('/', i + 1)) {
            Path p = Path.of(path.substring(0, i));
            if (Files.exists(p) && !Files.isDirectory(p)) {
                return i;
            }
        }
        Path whole = Path.of(path);
        if (Files.exists(whole) && !Files.isDirectory(whole)) {
            return path.length();
        }
        for (int i = path.indexOf('/', 1); i >= 0; i = path.indexOf('/', i + 1)) {
            if (path.substring(0, i).endsWith(".sock")) {
                return i;
            }
        }
        return path.endsWith(".sock") ? path.length() : -1;
    }

    private static String pick(String pathEnv, String queryEnv, String url) {
        if (queryEnv != null && !pathEnv.isEmpty() && !queryEnv.equals(pathEnv)) {
            throw bad(url, "env id given twice ('" + pathEnv + "' and env=" + queryEnv + ")");
        }
        String id = queryEnv != null ? queryEnv : pathEnv;
        if (id.endsWith("/")) {
            id = id.substring(0, id.length() - 1);
        }
        return id;
    }

    private static int parsePort(String p, String url) {
        try {
            int port = Integer.parseInt(p);
            if (port < 1 || port > 65535) {
                throw bad(url, "port " + p + " is outside 1..65535");
            }
            return port;
        } catch (NumberFormatException e) {
            throw bad(url, "port '" + p + "' is not a number");
        }
    }

    /**
     * The one pass over the query: connection keys change {@code client} (the returned options; a key given
     * twice: the last wins), every other key goes to {@code params} (each at most once).
     */
    private static ClientOptions parseQuery(String query, String url, Map<String, String> params, ClientOptions client) {
        if (query.isEmpty()) {
            return client;
        }
        for (String part : query.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw bad(url, "query part '" + part + "' is not key=value");
            }
            String key = decode(part.substring(0, eq));
            String value = decode(part.substring(eq + 1));
            if (ConnectionSettings.KEYS.contains(key)) {
                client = ConnectionSettings.apply(key, value, client, url);
            } else if (params.put(key, value) != null) {
                throw bad(url, "query key '" + key + "' given twice");
            }
        }
        return client;
    }

    private static MakeOptions options(Map<String, String> params, String url) {
        MakeOptions.Builder b = MakeOptions.builder();
        for (Map.Entry<String, String> e : params.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            try {
                switch (k) {
                    case "num_envs" -> b.numEnvs(Integer.parseInt(v));
                    case "seed" -> b.seed(Long.parseLong(v));
                    case "autoreset", "autoreset_mode" -> b.autoreset(AutoresetMode.fromUrlName(v));
                    case "render_mode" -> b.renderMode(v);
                    case "max_episode_steps" -> b.maxEpisodeSteps(Integer.parseInt(v));
                    case "vectorization" -> b.vectorization(v);
                    case "num_workers" -> b.numWorkers(Integer.parseInt(v));
                    case "placement" -> b.placement(v);
                    case "wrappers" -> parseWrappers(v, url).forEach(w -> b.wrapper(w.name(), w.kwargs()));
                    default -> {
                        requireNoTypo(k);
                        b.kwarg(k, typed(v));
                    }
                }
            } catch (NumberFormatException ex) {
                throw bad(url, k + "=" + v + " is not an integer");
            } catch (IllegalArgumentException ex) {
                throw bad(url, ex.getMessage());
            }
        }
        return b.build();
    }

    /** The query keys that are options of the URL rather than env kwargs. */
    static final java.util.List<String> OPTION_KEYS = java.util.List.of("num_envs", "seed", "autoreset",
            "autoreset_mode", "render_mode", "max_episode_steps", "vectorization", "num_workers", "wrappers", "env",
            "token", "ca", "timeout", "reset_timeout", "make_timeout", "on_crash");

    /**
     * Rejects an env kwarg that is a near miss of an option key ({@code num_env}, {@code n_envs}, {@code render-mode}):
     * sent to the server it would fail as an unknown env argument, which hides the typo. Options of 6-7 letters
     * allow one edit, longer ones two; shorter ones (seed, env, ca, token) none, so that real env arguments such as
     * {@code speed} pass.
     */
    private static void requireNoTypo(String key) {
        String k = key.toLowerCase(Locale.ROOT).replace('-', '_');
        for (String option : OPTION_KEYS) {
            int allowed = option.length() >= 8 ? 2 : option.length() >= 6 ? 1 : 0;
            if (allowed > 0 && distance(k, option) <= allowed) {
                throw new IllegalArgumentException("'" + key + "' is not a URL option: did you mean " + option + "? (an env argument this"
                        + " close to an option name is taken for a typo)");
            }
        }
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * {@code Name(k=v, ...),Name2,...} as wrapper specs, innermost first; values typed like query values,
     * {@code (a,b)} / {@code [a,b]} as lists.
     */
    static java.util.List<MakeOptions.Wrapper> parseWrappers(String spec, String url) {
        java.util.List<MakeOptions.Wrapper> out = new java.util.ArrayList<>();
        for (String item : splitTopLevel(spec, url)) {
            String w = item.strip();
            if (w.isEmpty()) {
                throw bad(url, "empty wrapper in wrappers=" + spec + "; write wrappers=Name(arg=value),Name2");
            }
            int open = w.indexOf('(');
            String name = (open < 0 ? w : w.substring(0, open)).strip();
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw bad(url, "wrapper name '" + name + "' in wrappers=" + spec + " is not a class name; "
                        + "write wrappers=TimeLimit(max_episode_steps=200),NormalizeObservation");
            }
            Map<String, Object> kwargs = new LinkedHashMap<>();
            if (open >= 0) {
                if (!w.endsWith(")")) {
                    throw bad(url, "wrapper '" + w + "' lacks its closing ')'");
                }
                String args = w.substring(open + 1, w.length() - 1);
                for (String arg : splitTopLevel(args, url)) {
                    String a = arg.strip();
                    if (a.isEmpty()) {
                        continue;
                    }
                    int eq = a.indexOf('=');
                    if (eq <= 0) {
                        throw bad(url, "wrapper argument '" + a + "' of " + name + " is not name=value "
                                + "(wrappers take keyword arguments, e.g. TimeLimit(max_episode_steps=200))");
                    }
                    kwargs.put(a.substring(0, eq).strip(), typedValue(a.substring(eq + 1).strip(), url));
                }
            }
            out.add(new MakeOptions.Wrapper(name, kwargs));
        }
        return out;
    }

    private static Object typedValue(String v, String url) {
        if (v.length() >= 2 && (v.startsWith("(") && v.endsWith(")") || v.startsWith("[") && v.endsWith("]"))) {
            java.util.List<Object> items = new java.util.ArrayList<>();
            for (String x : splitTopLevel(v.substring(1, v.length() - 1), url)) {
                if (!x.isBlank()) {
                    items.add(typedValue(x.strip(), url));
                }
            }
            return items;
        }
        return typed(v);
    }

    /** Splits on commas outside parentheses, brackets and double quotes. */
    private static java.util.List<String> splitTopLevel(String s, String url) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '(' || c == '[')) {
                depth++;
            } else if (!quoted && (c == ')' || c == ']')) {
                if (--depth < 0) {
                    throw bad(url, "unbalanced '" + c + "' in '" + s + "'");
                }
            } else if (!quoted && depth == 0 && c == ',') {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0 || quoted) {
            throw bad(url, "unbalanced brackets or quotes in '" + s + "'");
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** A query value typed like JSON: true/false, null, integers, decimals; otherwise (or "quoted") a string. */
    static Object typed(String v) {
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            return v.substring(1, v.length() - 1);
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true":
                return Boolean.TRUE;
            case "false":
                return Boolean.FALSE;
            case "null":
            case "none":
                return null;
            default:
                break;
        }
        if (INTEGER.matcher(v).matches()) {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                return v; // beyond int64: keep the digits as a string rather than losing them
            }
        }
        if (DECIMAL.matcher(v).matches()) {
            return Double.parseDouble(v.replaceAll("(?i)^([-+]?)inf$", "$1Infinity").replaceAll("(?i)^[-+]?nan$", "NaN"));
        }
        return v;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException bad(String url, String problem) {
        return new IllegalArgumentException("malformed gymbridge URL '" + ConnectionSettings.shown(url) + "': " + problem
                + "; " + FORMS);
    }
}
