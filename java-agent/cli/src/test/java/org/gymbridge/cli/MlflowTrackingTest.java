package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.gymbridge.agents.train.Configs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gymbridge train --mlflow} against a real {@code mlflow server} that the test starts on loopback (sqlite
 * backend and proxied artifacts in a temp dir). Needs MLflow (PyPI {@code mlflow}, ~860 MB installed): run with
 * {@code mvn -B -ntp -Pmlflow -pl java-agent/cli -am -Dpytest.skip=true verify -Dgymbridge.mlflow=/path/to/bin/mlflow}
 * (or {@code $GYMBRIDGE_MLFLOW}, or {@code mlflow} on the PATH). Tagged {@code mlflow}, which the default build
 * leaves out; with the profile on and no MLflow it fails, naming what to install.
 */
@Tag("mlflow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MlflowTrackingTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path tmp;

    private Process server;
    private String base;

    @BeforeAll
    void startMlflowServer() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        server = new ProcessBuilder(mlflow(), "server", "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--backend-store-uri", "sqlite:///" + tmp.resolve("mlflow.db").toAbsolutePath(),
                "--artifacts-destination", tmp.resolve("artifacts").toAbsolutePath().toString(), "--workers", "1")
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("server.log").toFile())
                .start();
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                fail("mlflow server exited: " + Files.readString(tmp.resolve("server.log")));
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(500);
        }
        fail("mlflow server did not answer within 4 minutes: " + Files.readString(tmp.resolve("server.log")));
    }

    @AfterAll
    void stopMlflowServer() throws Exception {
        if (server != null) {
            server.descendants().forEach(ProcessHandle::destroy);
            server.destroy();
            server.waitFor();
        }
    }

    @Test
    void aTrainingRunAppearsWithItsParamsLiveMetricsAndArtifacts() throws Exception {
        Path dir = tmp.resolve("lake");
        CliRun r = CliRun.of("train", "--env", "local:FrozenLake-v1?is_slippery=false&num_envs=4", "--algo",
                "q-learning", "--steps", "4000", "--out", dir.toString(), "--mlflow", base, "--mlflow-experiment", "cli-test");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("MLflow: run "), r.out());

        Map<String, Object> experiment = map(get("experiments/get-by-name?experiment_name=cli-test").get("experiment"));
        Map<String, Object> search = post("runs/search", Map.of("experiment_ids", List.of(experiment.get("experiment_id"))));
        List<?> runs = (List<?>) search.get("runs");
        assertEquals(1, runs.size(), search.toString());
        Map<String, Object> run = map(runs.get(0));
        Map<String, Object> info = map(run.get("info"));
        assertEquals("FINISHED", info.get("status"));
        String runId = (String) info.get("run_id");

        Map<String, String> params = pairs(map(run.get("data")).get("params"));
        assertEquals("q-learning", params.get("algo"));
        assertEquals("local:FrozenLake-v1?is_slippery=false&num_envs=4", params.get("env"));
        assertEquals("1", params.get("seed"));
        assertEquals("4000", params.get("steps"));
        assertEquals("0.99", params.get("config.gamma"));
        assertEquals("1.0", params.get("config.epsilon.start"));
        assertEquals("10000", params.get("trainer.log_every"));

        Map<String, String> metrics = pairs(map(run.get("data")).get("metrics"));
        Map<String, Object> eval = Configs.readFile(dir.resolve("eval.json"));
        assertEquals(((Number) eval.get("mean_return")).doubleValue(), Double.parseDouble(metrics.get("final_eval/mean_return")));
        assertTrue(metrics.containsKey("train/epsilon") && metrics.containsKey("train/return_mean"), metrics.toString());

        // Every train row of metrics.jsonl is in the history, at its step.
        List<?> history = (List<?>) get("metrics/get-history?run_id=" + runId + "&metric_key="
                + URLEncoder.encode("train/epsilon", StandardCharsets.UTF_8)).get("metrics");
        Set<Long> steps = history.stream().map(m -> ((Number) map(m).get("step")).longValue()).collect(Collectors.toSet());
        assertEquals(Set.of(4000L), steps, "log_every 10000: one train row, at the end");

        Set<String> artifacts = list(runId, "");
        assertTrue(artifacts.containsAll(Set.of("run.yaml", "config.yaml", "learning-curve.png", "eval.json")), artifacts.toString());
        assertTrue(list(runId, "checkpoint").contains("checkpoint/agent.bin"));
        byte[] png = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow-artifacts/artifacts/"
                + experiment.get("experiment_id") + "/" + runId + "/artifacts/learning-curve.png")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        assertEquals(Files.size(dir.resolve("learning-curve.png")), png.length);
    }

    @Test
    void metricsArriveWhileTheRunTrains() throws Exception {
        Path config = tmp.resolve("live.yaml");
        // (in the default experiment, 'gymbridge': the other test uses its own)
        Files.writeString(config, "env: local:FrozenLake-v1?is_slippery=false&num_envs=4\nalgo: q-learning\nsteps: 6000\n"
                + "trainer: {log_every: 400, final_eval_episodes: 4}\n");
        System.setProperty("gymbridge.mlflow.interval.ms", "1000");
        CliRun r;
        try {
            r = CliRun.of("train", "--config", config.toString(), "--out", tmp.resolve("live").toString(),
                    "--mlflow", base);
        } finally {
            System.clearProperty("gymbridge.mlflow.interval.ms");
        }
        assertEquals(0, r.code(), r.all());
        Map<String, Object> experiment = map(get("experiments/get-by-name?experiment_name=gymbridge").get("experiment"));
        Map<String, Object> run = map(((List<?>) post("runs/search", Map.of("experiment_ids",
                List.of(experiment.get("experiment_id")))).get("runs")).get(0));
        Map<String, Object> info = map(run.get("info"));
        List<?> history = (List<?>) get("metrics/get-history?run_id=" + info.get("run_id") + "&metric_key="
                + URLEncoder.encode("train/return_mean", StandardCharsets.UTF_8)).get("metrics");
        assertEquals(15, history.size(), "a train row every 400 steps");
        Set<Long> sentAt = history.stream().map(m -> ((Number) map(m).get("timestamp")).longValue())
                .collect(Collectors.toSet());
        assertTrue(sentAt.size() >= 3, "sent in several batches during the run, not all at the end: " + sentAt);
    }

    private static String mlflow() {
        String configured = System.getProperty("gymbridge.mlflow", System.getenv("GYMBRIDGE_MLFLOW"));
        if (configured != null && Files.isExecutable(Path.of(configured))) {
            return configured;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "mlflow"))) {
                return Path.of(dir, "mlflow").toString();
            }
        }
        throw new IllegalStateException("the mlflow tests need MLflow's server: python3 -m venv /tmp/mlflow &&"
                + " /tmp/mlflow/bin/pip install mlflow, then -Dgymbridge.mlflow=/tmp/mlflow/bin/mlflow"
                + (configured != null ? " (" + configured + " is not executable)" : ""));
    }

    private Set<String> list(String runId, String path) throws Exception {
        Map<String, Object> answer = get("artifacts/list?run_id=" + runId + (path.isEmpty() ? "" : "&path=" + path));
        return ((List<?>) answer.getOrDefault("files", List.of())).stream().map(f -> (String) map(f).get("path"))
                .collect(Collectors.toSet());
    }

    private Map<String, Object> get(String endpoint) throws Exception {
        return answer(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/" + endpoint)).build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    private Map<String, Object> post(String endpoint, Map<String, ?> body) throws Exception {
        return answer(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/" + endpoint))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Configs.toJson(body))).build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static Map<String, Object> answer(HttpResponse<String> response) throws IOException {
        assertEquals(200, response.statusCode(), response.body());
        return map(Configs.parseJson(response.body()));
    }

    private static Map<String, String> pairs(Object list) {
        return ((List<?>) list).stream().map(MlflowTrackingTest::map)
                .collect(Collectors.toMap(m -> (String) m.get("key"), m -> String.valueOf(m.get("value"))));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}
