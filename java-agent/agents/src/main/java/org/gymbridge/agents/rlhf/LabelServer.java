package org.gymbridge.agents.rlhf;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The labeling page of a run, served on the loopback interface only: {@code /} shows two clips side by side
 * and asks which is better; its JSON API is what the page calls (and what tests call):
 * <pre>
 *   GET  /api/next?labeler=L      the next open pair for L: {pair, left, right (segment, clip), answered, total}
 *   POST /api/answer              {"pair": "p-000003", "choice": "left|right|equal|cannot_tell", "labeler": "L"}
 *   POST /api/undo                {"labeler": "L"}: retracts L's latest answer
 *   GET  /api/progress            {answered, total, closed}
 *   GET  /clips/s-000042.png      a clip image (see {@link SegmentStore})
 * </pre>
 * Answers go to the run's {@link LabelLog}. A refused request gets a 4xx status and {@code {"error": "..."}}
 * naming the problem: 400 malformed JSON or fields, 404 unknown pair, 409 pair already answered or nothing to
 * undo, 410 run closed; nothing is written then. A pair handed to one labeler is not offered to another for
 * {@link #LEASE_MILLIS}, so people labeling together see different pairs.
 */
public final class LabelServer implements AutoCloseable {
    /** How long a pair shown to one labeler is held back from the others. */
    public static final long LEASE_MILLIS = 120_000;
    private static final int MAX_BODY = 16 * 1024;
    private static final String PAGE = "/org/gymbridge/agents/rlhf/page/";

    private final Path runDir;
    private final HttpServer http;
    private final ExecutorService executor;
    private final LabelLog log;
    private final SegmentStore segments;
    /** pair -> (labeler, until) */
    private final Map<String, Map.Entry<String, Long>> leases = new ConcurrentHashMap<>();

    private LabelServer(Path runDir, HttpServer http) {
        this.runDir = runDir;
        this.http = http;
        this.log = LabelLog.open(runDir);
        this.segments = SegmentStore.open(runDir);
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "label-server");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::handle);
    }

    /** Serves the run folder {@code runDir} on 127.0.0.1:{@code port} (0: a free port) until {@link #close}. */
    public static LabelServer start(Path runDir, int port) {
        if (!Files.isDirectory(runDir)) {
            throw new IllegalArgumentException("run folder " + runDir + " does not exist");
        }
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
            LabelServer server = new LabelServer(runDir, http);
            http.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
    }

    /** The page's address, {@code http://127.0.0.1:PORT/}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/");
    }

    public int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            try {
                if (path.startsWith("/api/")) {
                    api(ex, method, path.substring(5));
                } else if (path.startsWith("/clips/") && method.equals("GET")) {
                    clip(ex, path.substring(7));
                } else if (method.equals("GET")) {
                    page(ex, path.equals("/") ? "index.html" : path.substring(1));
                } else {
                    error(ex, 405, method + " is not allowed on " + path);
                }
            } catch (LabelException e) {
                error(ex, switch (e.reason()) {
                    case UNKNOWN_PAIR -> 404;
                    case ALREADY_ANSWERED, NOTHING_TO_UNDO -> 409;
                    case RUN_CLOSED -> 410;
                    case INVALID -> 400;
                }, e.getMessage());
            } catch (BadRequest e) {
                error(ex, e.status, e.getMessage());
            } catch (RuntimeException e) {
                error(ex, 500, "internal error: " + e);
            }
        }
    }

    private void api(HttpExchange ex, String method, String name) throws IOException {
        switch (method + " " + name) {
            case "GET next" -> json(ex, 200, next(query(ex, "labeler")));
            case "GET progress" -> json(ex, 200, progress(null));
            case "POST answer" -> {
                JsonNode body = body(ex);
                String pair = field(body, "pair");
                String choice = field(body, "choice");
                String labeler = field(body, "labeler");
                Choice c = Choice.fromWireName(choice);
                if (c == null) {
                    throw new BadRequest(400, "choice '" + choice + "' is not one of left, right, equal, cannot_tell");
                }
                synchronized (log) {
                    log.answer(pair, c, labeler);
                }
                leases.remove(pair);
                json(ex, 200, progress(labeler));
            }
            case "POST undo" -> {
                String labeler = field(body(ex), "labeler");
                Label undone;
                synchronized (log) {
                    undone = log.undo(labeler);
                }
                Map<String, Object> out = progress(labeler);
                out.put("undone", undone.query().pair());
                json(ex, 200, out);
            }
            default -> throw new BadRequest(404, "no API " + method + " /api/" + name
                    + " (there are GET next, GET progress, POST answer, POST undo)");
        }
    }

    private Map<String, Object> next(String labeler) {
        if (labeler == null || labeler.isEmpty()) {
            throw new BadRequest(400, "query parameter labeler is missing");
        }
        long now = System.currentTimeMillis();
        Optional<Query> open;
        synchronized (log) {
            log.refresh();
            open = log.firstOpen(q -> {
                Map.Entry<String, Long> lease = leases.get(q.pair());
                return lease != null && lease.getValue() > now && !lease.getKey().equals(labeler);
            });
        }
        Map<String, Object> out = progress(labeler);
        open.ifPresent(q -> {
            leases.put(q.pair(), Map.entry(labeler, now + LEASE_MILLIS));
            out.put("pair", q.pair());
            out.put("left", side(q.left()));
            out.put("right", side(q.right()));
        });
        return out;
    }

    private Map<String, Object> side(String segmentId) {
        Map<String, Object> side = new LinkedHashMap<>();
        side.put("segment", segmentId);
        segments.load(segmentId).ifPresent(s -> {
            side.put("length", s.segment().length());
            if (s.clip() != null) {
                side.put("clip", Map.of("url", "/clips/" + s.clip().file(), "frames", s.clip().frames(),
                        "frameWidth", s.clip().frameWidth(), "frameHeight", s.clip().frameHeight(),
                        "columns", s.clip().columns(), "fps", s.clip().fps()));
            }
        });
        return side;
    }

    private Map<String, Object> progress(String labeler) {
        Map<String, Object> out = new LinkedHashMap<>();
        synchronized (log) {
            out.put("answered", log.labels().size());
            out.put("total", log.queries().size());
            out.put("closed", log.isClosed());
            if (labeler != null) {
                out.put("mine", log.answeredBy(labeler));
            }
        }
        return out;
    }

    private void clip(HttpExchange ex, String file) throws IOException {
        String id = file.endsWith(".png") ? file.substring(0, file.length() - 4) : "";
        Optional<Path> image = segments.clipImage(id);
        if (image.isEmpty()) {
            throw new BadRequest(404, "no clip " + file + " in run " + runDir.getFileName());
        }
        send(ex, 200, "image/png", Files.readAllBytes(image.get()));
    }

    private void page(HttpExchange ex, String file) throws IOException {
        String type = file.endsWith(".html") ? "text/html; charset=utf-8"
                : file.endsWith(".js") ? "text/javascript; charset=utf-8"
                : file.endsWith(".css") ? "text/css; charset=utf-8" : null;
        try (InputStream in = type == null || file.contains("/") ? null : getClass().getResourceAsStream(PAGE + file)) {
            if (in == null) {
                throw new BadRequest(404, "no page " + file);
            }
            send(ex, 200, type, in.readAllBytes());
        }
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        byte[] bytes = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new BadRequest(413, "request body is larger than " + MAX_BODY + " bytes");
        }
        JsonNode node;
        try {
            node = JsonLines.JSON.readTree(bytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadRequest(400, "malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new BadRequest(400, "malformed JSON: the body must be a JSON object");
        }
        return node;
    }

    private static String field(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || !v.isTextual()) {
            throw new BadRequest(400, "field '" + name + "' is missing or not a string");
        }
        return v.asText();
    }

    private static String query(HttpExchange ex, String name) {
        String q = ex.getRequestURI().getRawQuery();
        if (q != null) {
            for (String part : q.split("&")) {
                int eq = part.indexOf('=');
                if (eq > 0 && part.substring(0, eq).equals(name)) {
                    return URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

    private static void json(HttpExchange ex, int status, Object value) throws IOException {
        send(ex, status, "application/json", JsonLines.JSON.writeValueAsBytes(value));
    }

    private static void error(HttpExchange ex, int status, String message) throws IOException {
        json(ex, status, Map.of("error", message));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static final class BadRequest extends RuntimeException {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }
}
