package org.gymbridge.agents.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Mirrors a {@link TrainingRun}'s folder into an MLflow tracking server through MLflow's REST API
 * ({@code /api/2.0/mlflow/...}, plain {@link HttpClient}, no MLflow client library): one MLflow run per training
 * run, with the run's settings and the algorithm's resolved config as parameters, the {@code train} and
 * {@code eval} rows of metrics.jsonl as metrics while the run trains (read as the trainer flushes them, sent in
 * batches), eval.json's figures as {@code final_eval/...} metrics, and at the end the config files, the learning curve, eval.json and the checkpoint as artifacts and
 * the run's status.
 *
 * <pre>{@code
 * try (MlflowTracking mlflow = MlflowTracking.start(URI.create("http://127.0.0.1:5000"), "gymbridge", run, System.out)) {
 *     TrainingRun.Result result = run.train(System.out);
 *     mlflow.finish(result.finished() ? MlflowTracking.Status.FINISHED : MlflowTracking.Status.KILLED);
 * }
 * }</pre>
 *
 * <p>Tracking never stops training: when the server cannot be reached, or fails later, one line says that
 * tracking is off and why, and the run goes on. Artifacts are uploaded through the server's artifact proxy
 * ({@code /api/2.0/mlflow-artifacts/artifacts/...}, what {@code mlflow server} serves by default since MLflow 2.0);
 * for a run whose artifact URI is not proxied ({@code --no-serve-artifacts}) one line says where they are instead.
 * Metric names: {@code train/<column>} and {@code eval/<column>}; non-finite values are not sent.
 */
public final class MlflowTracking implements AutoCloseable {

    /** How the MLflow run ends. */
    public enum Status { FINISHED, FAILED, KILLED }

    /** MLflow's documented limits of one log-batch call. */
    static final int MAX_METRICS_PER_BATCH = 1000;
    static final int MAX_PARAMS_PER_BATCH = 100;
    /** Longer parameter values are cut (MLflow accepts 6000 characters since 2.8, 500 before: the safe choice). */
    static final int MAX_PARAM_LENGTH = 500;

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final URI server;
    private final TrainingRun run;
    private final PrintStream out;
    private final HttpClient http;
    private final ScheduledExecutorService poller;
    private final Map<String, Long> lastStep = new HashMap<>();
    private volatile boolean off;
    private String runId;
    private String experimentId;
    private String artifactUri;
    private long offset;
    private boolean finished;

    private MlflowTracking(URI server, TrainingRun run, PrintStream out) {
        this.server = server;
        this.run = run;
        this.out = out;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gymbridge-mlflow");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Creates the MLflow run (in {@code experiment}, made if missing), logs the parameters and starts sending
     * metrics every {@code 5 s}. Never throws for the server's sake: if it cannot be reached the returned
     * tracking is off and has said so on {@code out}.
     */
    public static MlflowTracking start(URI server, String experiment, TrainingRun run, PrintStream out) {
        return start(server, experiment, run, out, Duration.ofSeconds(5));
    }

    /** {@link #start(URI, String, TrainingRun, PrintStream)} sending metrics every {@code every}. */
    public static MlflowTracking start(URI server, String experiment, TrainingRun run, PrintStream out,
                                       Duration every) {
        String base = server.toString().replaceAll("/+$", "");
        MlflowTracking t = new MlflowTracking(URI.create(base), run, out);
        try {
            t.open(experiment);
        } catch (IOException | RuntimeException e) {
            t.turnOff("cannot reach the MLflow server at " + base + " (" + message(e) + ")");
            return t;
        }
        out.printf("MLflow: run %s in experiment '%s' at %s%n", t.runId, experiment, base);
        t.poller.scheduleWithFixedDelay(t::sendMetricsQuietly, every.toMillis(), every.toMillis(),
                TimeUnit.MILLISECONDS);
        return t;
    }

    /** The MLflow run id, or null when tracking is off. */
    public String runId() {
        return off ? null : runId;
    }

    /** Whether tracking is on (the server was reached and has not failed since). */
    public boolean on() {
        return !off;
    }

    /**
     * Sends the metrics written since the last call, uploads the artifacts and ends the MLflow run with
     * {@code status}. Idempotent; a no-op when tracking is off.
     */
    public synchronized void finish(Status status) {
        if (finished) {
            return;
        }
        finished = true;
        poller.shutdownNow();
        if (off) {
            return;
        }
        try {
            sendMetrics();
            sendFinalEvaluation();
            uploadArtifacts();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("run_id", runId);
            body.put("status", status.name());
            body.put("end_time", System.currentTimeMillis());
            post("runs/update", body);
        } catch (IOException | RuntimeException e) {
            turnOff("the MLflow server failed (" + message(e) + ")");
        }
    }

    /** Ends the run as FAILED if {@link #finish} was not called (an exception left the training). */
    @Override
    public void close() {
        finish(Status.FAILED);
    }

    // ---- Run and parameters --------------------------------------------------------------------------------

    private void open(String experiment) throws IOException {
        Map<String, Object> got = get("experiments/get-by-name?experiment_name="
                + URLEncoder.encode(experiment, StandardCharsets.UTF_8), true);
        if (got == null) {
            experimentId = String.valueOf(post("experiments/create", Map.of("name", experiment)).get("experiment_id"));
        } else {
            experimentId = String.valueOf(map(got.get("experiment")).get("experiment_id"));
        }
        TrainingRun.Spec spec = run.spec();
        Map<String, Object> create = new LinkedHashMap<>();
        create.put("experiment_id", experimentId);
        create.put("start_time", System.currentTimeMillis());
        create.put("run_name", run.dir().getFileName().toString());
        create.put("tags", List.of(tag("gymbridge.run_folder", run.dir().toAbsolutePath().toString()),
                tag("gymbridge.algo", spec.algorithm()), tag("gymbridge.env", spec.envUrl())));
        Map<String, Object> info = map(map(post("runs/create", create).get("run")).get("info"));
        runId = String.valueOf(info.get("run_id"));
        artifactUri = String.valueOf(info.get("artifact_uri"));

        Map<String, String> params = new LinkedHashMap<>();
        params.put("algo", spec.algorithm());
        params.put("env", spec.envUrl());
        params.put("steps", Long.toString(spec.steps()));
        params.put("seed", Long.toString(spec.seed()));
        flatten("trainer.", Configs.toMap(spec.trainer()), params);
        flatten("config.", Configs.toMap(run.config()), params);
        List<Map<String, Object>> list = new ArrayList<>();
        params.forEach((k, v) -> list.add(Map.of("key", k, "value",
                v.length() > MAX_PARAM_LENGTH ? v.substring(0, MAX_PARAM_LENGTH) : v)));
        for (int i = 0; i < list.size(); i += MAX_PARAMS_PER_BATCH) {
            post("runs/log-batch", Map.of("run_id", runId, "params",
                    list.subList(i, Math.min(list.size(), i + MAX_PARAMS_PER_BATCH))));
        }
    }

    /** Nested maps become dotted keys ({@code config.epsilon.start}); lists and scalars their JSON text. */
    private static void flatten(String prefix, Map<String, Object> map, Map<String, String> into) {
        map.forEach((k, v) -> {
            if (v instanceof Map<?, ?> m) {
                flatten(prefix + k + ".", map(m), into);
            } else {
                into.put(prefix + k, v instanceof String s ? s : Configs.toJson(v));
            }
        });
    }

    private static Map<String, Object> tag(String key, String value) {
        return Map.of("key", key, "value", value);
    }

    // ---- Metrics -------------------------------------------------------------------------------------------

    private void sendMetricsQuietly() {
        synchronized (this) {
            if (off || finished) {
                return;
            }
            try {
                sendMetrics();
            } catch (IOException | RuntimeException e) {
                turnOff("the MLflow server failed (" + message(e) + ")");
            }
        }
    }

    /**
     * Sends the train and eval rows that metrics.jsonl gained since the last call (whole lines only). A file
     * that shrank (a resumed run cuts it back to its checkpoint) is read again from the start; rows at steps
     * already sent are skipped, so a resumed run's MLflow run holds every row once.
     */
    private void sendMetrics() throws IOException {
        Path file = run.dir().resolve(TrainingRun.METRICS_FILE);
        if (!Files.isRegularFile(file)) {
            return;
        }
        byte[] bytes;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() < offset) {
                offset = 0;
            }
            bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, f.length() - offset)];
            f.seek(offset);
            f.readFully(bytes);
        }
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        offset += end;
        List<Map<String, Object>> metrics = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> row = map(Configs.parseJson(line));
            String kind = String.valueOf(row.get("kind"));
            if (!kind.equals("train") && !kind.equals("eval") || !(row.get("step") instanceof Number n)) {
                continue;
            }
            long step = n.longValue();
            if (step <= lastStep.getOrDefault(kind, -1L)) {
                continue;
            }
            lastStep.put(kind, step);
            row.forEach((k, v) -> {
                if (!k.equals("kind") && !k.equals("step") && v instanceof Number x && Double.isFinite(x.doubleValue())) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("key", kind + "/" + k);
                    m.put("value", x.doubleValue());
                    m.put("timestamp", now);
                    m.put("step", step);
                    metrics.add(m);
                }
            });
        }
        for (int i = 0; i < metrics.size(); i += MAX_METRICS_PER_BATCH) {
            post("runs/log-batch", Map.of("run_id", runId, "metrics",
                    metrics.subList(i, Math.min(metrics.size(), i + MAX_METRICS_PER_BATCH))));
        }
    }

    /** eval.json's figures as {@code final_eval/mean_return} ... at the run's last step. */
    private void sendFinalEvaluation() throws IOException {
        Path file = run.dir().resolve(TrainingRun.EVAL_FILE);
        if (!Files.isRegularFile(file)) {
            return;
        }
        Map<String, Object> eval = map(Configs.parseJson(Files.readString(file)));
        long step = eval.get("steps") instanceof Number n ? n.longValue() : run.spec().steps();
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (String key : List.of("mean_return", "std_return", "min_return", "max_return", "episodes")) {
            if (eval.get(key) instanceof Number x && Double.isFinite(x.doubleValue())) {
                metrics.add(Map.of("key", "final_eval/" + key, "value", x.doubleValue(),
                        "timestamp", System.currentTimeMillis(), "step", step));
            }
        }
        if (!metrics.isEmpty()) {
            post("runs/log-batch", Map.of("run_id", runId, "metrics", metrics));
        }
    }

    // ---- Artifacts -----------------------------------------------------------------------------------------

    private void uploadArtifacts() throws IOException {
        String prefix = "mlflow-artifacts:/";
        if (!artifactUri.startsWith(prefix)) {
            out.printf("MLflow: the server stores artifacts at %s, which it does not proxy (start it with"
                    + " --serve-artifacts): the run's files stay in %s%n", artifactUri, run.dir());
            return;
        }
        String root = artifactUri.substring(prefix.length()).replaceAll("^/+", "");
        List<String> files = List.of(TrainingRun.RUN_FILE, TrainingRun.CONFIG_FILE, TrainingRun.CURVE_FILE,
                TrainingRun.EVAL_FILE, TrainingRun.CHECKPOINT_DIR + "/agent.bin",
                TrainingRun.CHECKPOINT_DIR + "/best-agent.bin");
        for (String name : files) {
            Path file = run.dir().resolve(name);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            URI uri = URI.create(server + "/api/2.0/mlflow-artifacts/artifacts/" + encodePath(root + "/" + name));
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2))
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofFile(file)).build();
            HttpResponse<String> response = send(request);
            if (response.statusCode() / 100 != 2) {
                throw new IOException("uploading " + name + ": HTTP " + response.statusCode() + " " + brief(response.body()));
            }
        }
    }

    private static String encodePath(String path) {
        StringBuilder b = new StringBuilder();
        for (String segment : path.split("/")) {
            if (!b.isEmpty()) {
                b.append('/');
            }
            b.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return b.toString();
    }

    // ---- HTTP ----------------------------------------------------------------------------------------------

    private Map<String, Object> post(String endpoint, Map<String, ?> body) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server + "/api/2.0/mlflow/" + endpoint))
                .timeout(TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Configs.toJson(body))).build();
        return parse(endpoint, send(request), false);
    }

    /** GET; with {@code missingIsNull} a RESOURCE_DOES_NOT_EXIST answer is null instead of an error. */
    private Map<String, Object> get(String endpoint, boolean missingIsNull) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server + "/api/2.0/mlflow/" + endpoint))
                .timeout(TIMEOUT).GET().build();
        return parse(endpoint, send(request), missingIsNull);
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static Map<String, Object> parse(String endpoint, HttpResponse<String> response, boolean missingIsNull)
            throws IOException {
        String body = response.body();
        if (response.statusCode() / 100 == 2) {
            return body.isBlank() ? Map.of() : map(Configs.parseJson(body));
        }
        if (missingIsNull && body.contains("RESOURCE_DOES_NOT_EXIST")) {
            return null;
        }
        throw new IOException(endpoint + ": HTTP " + response.statusCode() + " " + brief(body));
    }

    private static String brief(String body) {
        String b = body.replaceAll("\\s+", " ").strip();
        return b.length() > 200 ? b.substring(0, 200) + "..." : b;
    }

    private void turnOff(String why) {
        if (!off) {
            off = true;
            out.println("MLflow tracking is off: " + why + "; the run goes on, its files are in " + run.dir());
            out.flush();
        }
        poller.shutdownNow();
    }

    private static String message(Throwable e) {
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return "no answer within " + TIMEOUT.toSeconds() + " s";
        }
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        if (!(o instanceof Map<?, ?>)) {
            throw new IllegalStateException("unexpected answer from the MLflow server: " + o);
        }
        return (Map<String, Object>) o;
    }
}
