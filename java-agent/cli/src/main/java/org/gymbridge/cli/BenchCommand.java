package org.gymbridge.cli;

import static org.gymbridge.cli.BenchProcesses.deleteTree;
import static org.gymbridge.cli.BenchProcesses.javaCpuNanos;
import static org.gymbridge.cli.BenchProcesses.loadAverage;
import static org.gymbridge.cli.BenchProcesses.readyAddress;
import static org.gymbridge.cli.BenchProcesses.repoRoot;
import static org.gymbridge.cli.BenchProcesses.startServer;
import static org.gymbridge.cli.BenchProcesses.stop;
import static org.gymbridge.cli.BenchProcesses.treeCpuNanos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gymbridge.client.ClientOptions;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.MakeOptions;
import org.gymbridge.client.PipelinedEnvPool;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gymbridge bench}: how much the bridge costs next to the environment itself, measured in one run
 * on this machine. In-process Gymnasium SyncVectorEnv (a Python subprocess, scripts/bench_python.py) and
 * the Java client through the bridge step the same envs with the same seeds and the same random actions
 * (sampled once by Python, replayed by both), and the bridge's reward checksum must equal the in-process
 * one bit for bit. Also measured: the round trip of one batched no-op step and the raw socket ping-pong
 * floor (a plain Java-to-Python socket echo of messages of the same sizes). Prints a table and writes
 * every figure, with the ratios, to a JSON file.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the bridge against in-process Gymnasium SyncVectorEnv in one run.",
                "Rows: CartPole-v1 x1/8/64/256, HalfCheetah-v5 and Ant-v5 x1/16/64 in-process vs Java over gRPC "
                        + "TCP loopback, gRPC unix socket and the same-host fast lane; the no-op round trip; the "
                        + "raw socket floor. Takes a few minutes (--quick: seconds, for smoke tests)."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "a few steps per row (a smoke test of the benchmark, not a measurement)")
    boolean quick;

    @Option(names = "--out", paramLabel = "FILE", description = "JSON results file (default: runs/bench-<time>.json)")
    Path out;

    @Option(names = "--budget", paramLabel = "SECONDS", defaultValue = "0.6",
            description = "target duration of one timed pass per row through the bridge (default ${DEFAULT-VALUE})")
    double budgetSeconds;

    @Option(names = "--repeats", defaultValue = "3",
            description = "timed passes per row; the best is reported (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--python", paramLabel = "PATH",
            description = "python with gymbridge-server installed (default: python-env-server/.venv/bin/python)")
    Path python;

    @Option(names = "--only", paramLabel = "ENV", description = "only rows of this env id (e.g. CartPole-v1); "
            + "Crafter-v1 runs the optional Crafter x8 case (one process and 2 worker processes); with --learners: "
            + "only rows whose name contains this (e.g. sac)")
    String only;

    @Option(names = "--learners", description = "benchmark one learner update of each agent (SAC, TD3, DQN, PPO, the "
            + "Nature CNN) instead of the bridge; with --torch-python, next to the same updates in PyTorch")
    boolean learners;

    @Option(names = "--torch-python", paramLabel = "PATH",
            description = "with --learners: a python with torch installed (benchmark-only; see docs/performance.md)")
    Path torchPython;

    @Option(names = "--threads", defaultValue = "1",
            description = "with --learners: native threads of ND4J and of torch (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--scale", description = "also the rows beyond one machine, for CartPole-v1 x64 and Crafter-v1 x16 "
            + "(when crafter is installed): shard2 (two servers behind one sharded URL, gRPC over TCP: compare with "
            + "the tcp column) and ray (vectorization=ray on a private Ray started in a loopback-only network "
            + "namespace, reached over a unix socket and its fast lane: compare with the fast / workers columns); "
            + "adds ~1 minute (Ray's start)")
    boolean scale;

    @Option(names = "--ray-vs-workers", paramLabel = "ROUNDS", defaultValue = "0",
            description = "only Crafter-v1 x16 with vectorization=workers (2 processes) and =ray (2 actors on a private "
                    + "Ray, as in --scale), measured in ROUNDS alternating rounds (workers first, then ray first, ...); "
                    + "reports each round and the median of the rounds' ray/workers ratios, by wall time and by CPU "
                    + "(client + every server process, Ray's daemons included). Needs crafter. ~1 minute per round")
    int rayRounds;

    @Option(names = "--agent-steps", defaultValue = "32768",
            description = "env steps of the demo PPO agent (CartPole-v1 x8) whose act/learn cost is measured; 0 skips "
                    + "(default ${DEFAULT-VALUE}; --quick: 0)")
    long agentSteps;

    /** One env-stepping case: the same env, batch size, seed and actions in-process and through the bridge. */
    record Case(String name, String env, int numEnvs, long seed) {
    }

    /** A case as measured in-process by Python, with the action file both sides replay. */
    record InProcess(Case c, int steps, String dtype, long[] shape, double bestSeconds, double checksum, long dones,
                     double cpuSeconds) {
        double envStepsPerSecond() {
            return (double) steps * c.numEnvs() / bestSeconds;
        }
    }

    private final BenchResults results = new BenchResults();
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final Map<String, Process> servers = new LinkedHashMap<>();

    /** Stops what a run started (servers, in-process envs), last started first, then deletes its temp folder. */
    private void cleanUp(Path tmp) {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception e) {
                System.err.println("bench: cleanup: " + e);
            }
        }
        cleanup.clear();
        deleteTree(tmp);
    }

    static final String CRAFTER = "Crafter-v1";

    static List<Case> cases(String only) {
        return cases(only, false);
    }

    /** The cases; {@code crafterX16}: the Crafter x16 case of the --scale rows too. */
    static List<Case> cases(String only, boolean crafterX16) {
        List<Case> out = new ArrayList<>();
        for (int n : new int[] {1, 8, 64, 256}) {
            out.add(new Case("CartPole-v1_x" + n, "CartPole-v1", n, 1));
        }
        for (String env : new String[] {"HalfCheetah-v5", "Ant-v5"}) {
            for (int n : new int[] {1, 16, 64}) {
                out.add(new Case(env + "_x" + n, env, n, 1));
            }
        }
        out.add(new Case("NoOp_x1", "gymbridge/NoOp-v0", 1, 1));
        out.add(new Case("NoOp_x64", "gymbridge/NoOp-v0", 64, 1));
        if (CRAFTER.equals(only)) {
            // Optional (only with --only Crafter-v1): 64x64x3 images, nested infos; one process vs 2 workers.
            out.add(new Case("Crafter-v1_x8", CRAFTER, 8, 1));
        }
        if (crafterX16) {
            out.add(new Case("Crafter-v1_x16", CRAFTER, 16, 1));
        }
        if (only != null) {
            out.removeIf(c -> !c.env().equals(only) && !c.env().startsWith("gymbridge/"));
        }
        return out;
    }

    @Override
    public Integer call() throws Exception {
        if (learners) {
            return LearnerBench.run(new LearnerBench.Options(threads, quick ? Math.min(repeats, 2) : repeats, quick,
                    torchPython, out, only));
        }
        Path root = repoRoot();
        Path py = python != null ? python : root.resolve("python-env-server/.venv/bin/python");
        Path server = py.resolveSibling("gymbridge-server");
        Path script = root.resolve("python-env-server/scripts/bench_python.py");
        for (Path p : List.of(py, server, script)) {
            if (!Files.exists(p)) {
                System.err.println("bench: " + p + " not found; build the server first (mvn -B -ntp -pl python-env-server "
                        + "generate-resources) or pass --python");
                return 2;
            }
        }
        if (quick) {
            budgetSeconds = Math.min(budgetSeconds, 0.05);
            repeats = 1;
        }
        if (rayRounds > 0) {
            return rayVsWorkers(py, server, script);
        }
        Path tmp = Files.createTempDirectory("gymbridge-bench");
        String loadBefore = loadAverage();
        Instant started = Instant.now();
        try {
            List<Case> cases = cases(only, scale && (only == null || only.equals(CRAFTER)) && installed(py, "crafter"));
            InProcessRunner inproc = new InProcessRunner(py, script, tmp);
            cleanup.add(inproc);

            // gRPC rows talk to servers without a fast lane; the "fast" row to one with it (over its unix socket).
            Process tcpServer = startServer(server, tmp, List.of("--port", "0", "--no-fast-lane"), cleanup);
            Process unixServer = startServer(server, tmp, List.of("--unix", tmp.resolve("gb.sock").toString(), "--no-fast-lane"), cleanup);
            Process fastServer = startServer(server, tmp, List.of("--unix", tmp.resolve("fast.sock").toString()), cleanup);
            // Between machines: the fast lane's framing over TCP (--fast-lane-port), taken by the client with gymbridge.fastLane=tcp.
            Process tcpLaneServer = startServer(server, tmp, List.of("--port", "0", "--fast-lane-port", "0"), cleanup);
            servers.put("tcp", tcpServer);
            servers.put("unix", unixServer);
            servers.put("fast", fastServer);
            servers.put("tcplane", tcpLaneServer);
            Map<String, String> transports = new LinkedHashMap<>();
            transports.put("tcp", "grpc://" + readyAddress(tcpServer, tmp, "tcp"));
            transports.put("unix", readyAddress(unixServer, tmp, "unix"));
            transports.put("fast", readyAddress(fastServer, tmp, "fast-lane"));
            transports.put("tcplane", "grpc://" + readyAddress(tcpLaneServer, tmp, "tcp-lane"));
            Map<String, String> scaleTransports = new LinkedHashMap<>();
            if (scale) {
                // Two plain gRPC servers behind one sharded URL (as two hosts would be reached).
                Process shardA = startServer(server, tmp, List.of("--port", "0", "--no-fast-lane"), cleanup);
                Process shardB = startServer(server, tmp, List.of("--port", "0", "--no-fast-lane"), cleanup);
                scaleTransports.put("shard2", "grpc://" + readyAddress(shardA, tmp, "shard A") + ","
                        + readyAddress(shardB, tmp, "shard B"));
                servers.put("shard2", shardA);
                servers.put("shard2b", shardB);
                // Ray binds the machine's interface address: its own loopback-only network namespace, as the
                // tests run it; the unix socket (and the fast lane's) reach across namespaces.
                Process rayServer = BenchProcesses.startServer(BenchProcesses.NETWORK_NAMESPACE, server, tmp,
                        List.of("--unix", tmp.resolve("ray.sock").toString(), "--ray-address", "local"), cleanup);
                scaleTransports.put("ray", readyAddress(rayServer, tmp, "ray"));
                servers.put("ray", rayServer);
            }

            warmUp(transports);
            for (Case c : cases) {
                // In-process right before and right after the bridge rows of this case (the best of both
                // counts): on a shared machine the load drifts, and both sides should see the same.
                InProcess ip = inproc.measure(c, 0);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("env", c.env());
                row.put("num_envs", c.numEnvs());
                row.put("steps", ip.steps());
                Map<String, Measured> measured = new LinkedHashMap<>();
                for (Map.Entry<String, String> t : transports.entrySet()) {
                    measured.put(t.getKey(), measure(t.getKey(), t.getValue(), c, ip, tmp, null));
                }
                if (c.numEnvs() > 1 && (c.env().startsWith("HalfCheetah") || c.env().startsWith("Ant") || c.env().equals(CRAFTER))) {
                    // Worker processes (one per core), on the fast lane: compare with its one-process row.
                    measured.put("workers", measure("fast", transports.get("fast"), c, ip, tmp, "workers"));
                }
                if (scaleCase(c)) {
                    for (Map.Entry<String, String> t : scaleTransports.entrySet()) {
                        measured.put(t.getKey(), measure(t.getKey(), t.getValue(), c, ip, tmp,
                                t.getKey().equals("ray") ? "ray" : null));
                    }
                }
                InProcess after = inproc.measure(c, ip.steps());
                if (Double.doubleToLongBits(after.checksum()) != Double.doubleToLongBits(ip.checksum())) {
                    throw new IllegalStateException("in-process checksums differ between two passes of " + c);
                }
                row.put("inprocess_before_env_steps_per_s", ip.envStepsPerSecond());
                row.put("inprocess_after_env_steps_per_s", after.envStepsPerSecond());
                if (after.bestSeconds() < ip.bestSeconds()) {
                    ip = after;
                }
                row.put("inprocess_env_steps_per_s", ip.envStepsPerSecond());
                row.put("inprocess_us_per_step", 1e6 * ip.bestSeconds() / ip.steps());
                row.put("inprocess_cpu_us_per_step", 1e6 * ip.cpuSeconds() / ip.steps());
                for (Map.Entry<String, Measured> t : measured.entrySet()) {
                    Measured m = t.getValue();
                    row.put(t.getKey() + "_env_steps_per_s", m.envStepsPerSecond(ip));
                    row.put(t.getKey() + "_us_per_step", m.usPerStep(ip));
                    row.put(t.getKey() + "_p50_us", m.p50Us());
                    row.put(t.getKey() + "_ratio", m.envStepsPerSecond(ip) / ip.envStepsPerSecond());
                    row.put(t.getKey() + "_checksum_match", m.checksumMatches(ip));
                    // CPU seconds (client JVM + server process tree) per step: unlike wall time, barely moved by
                    // other load on the machine. cpu_ratio = in-process CPU / bridge CPU (1 = the bridge costs nothing).
                    row.put(t.getKey() + "_cpu_us_per_step", 1e6 * m.cpuSeconds() / ip.steps());
                    row.put(t.getKey() + "_server_cpu_us_per_step", 1e6 * m.serverCpuSeconds() / ip.steps());
                    row.put(t.getKey() + "_cpu_ratio", ip.cpuSeconds() / Math.max(m.cpuSeconds(), 1e-9));
                    System.err.printf(Locale.ROOT, "bench: %-18s x%-3d %-7s %9.0f env-steps/s (in-process %9.0f) ratio %.2f%s%n",
                            c.env(), c.numEnvs(), t.getKey(), m.envStepsPerSecond(ip), ip.envStepsPerSecond(),
                            m.envStepsPerSecond(ip) / ip.envStepsPerSecond(), m.checksumMatches(ip) ? "" : "  CHECKSUM MISMATCH");
                }
                if (measured.containsKey("shard2")) {
                    row.put("shard2_vs_tcp", measured.get("shard2").envStepsPerSecond(ip) / measured.get("tcp").envStepsPerSecond(ip));
                    row.put("shard2_vs_tcp_cpu", measured.get("tcp").cpuSeconds() / measured.get("shard2").cpuSeconds());
                }
                if (measured.containsKey("ray")) {
                    Measured base = measured.getOrDefault("workers", measured.get("fast"));
                    row.put("ray_baseline", measured.containsKey("workers") ? "workers" : "fast");
                    row.put("ray_vs_baseline", measured.get("ray").envStepsPerSecond(ip) / base.envStepsPerSecond(ip));
                    row.put("ray_vs_baseline_cpu", base.cpuSeconds() / measured.get("ray").cpuSeconds());
                }
                if (measured.containsKey("workers")) {
                    row.put("workers_vs_one_process", measured.get("workers").envStepsPerSecond(ip)
                            / measured.get("fast").envStepsPerSecond(ip));
                }
                if (c.env().equals("HalfCheetah-v5") && c.numEnvs() == 16) {
                    measurePipelined(transports.get("fast"), c, ip, tmp);
                }
                (c.env().startsWith("gymbridge/NoOp") ? results.roundTripRows : results.envRows).add(row);
            }
            results.floorRows.addAll(BenchFloor.measure(py, script, tmp, quick, cleanup));
            if (agentSteps > 0 && !quick) {
                results.agentRow.putAll(BenchAgent.measure(transports.get("fast"), agentSteps));
            }
            results.computeTargets();
        } finally {
            cleanUp(tmp);
        }
        Path file = writeResults(started, loadBefore);
        results.printTable(repeats);
        System.out.println("load average before/after: " + loadBefore + " / " + loadAverage());
        System.out.println("results: " + file);
        return 0;
    }

    /** Writes the results file (--out, or runs/bench-TIME.json) and returns its path. */
    private Path writeResults(Instant started, String loadBefore) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("started", started.toString());
        json.put("quick", quick);
        json.put("budget_s", budgetSeconds);
        json.put("repeats", repeats);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("loadavg_before", loadBefore);
        machine.put("loadavg_after", loadAverage());
        machine.put("java", System.getProperty("java.version"));
        json.put("machine", machine);
        results.addTo(json);
        Path file = out != null ? out : repoRoot().resolve("runs").resolve("bench-" + started.toString().replace(':', '-') + ".json");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, BenchJson.write(json) + "\n");
        return file;
    }

    // ---- ray against workers, Crafter x16 -------------------------------------------------------------

    /**
     * {@code --ray-vs-workers}: the one comparison of ray's bar, repeated because a shared machine's load drifts.
     * Both rows use the fast lane over a unix socket; workers on a plain server, ray on a server with a private
     * Ray inside its own loopback-only network namespace (as --scale starts it). Rounds alternate which row goes
     * first, so a drifting load does not favour one of them.
     */
    private int rayVsWorkers(Path py, Path server, Path script) throws Exception {
        if (!installed(py, "crafter")) {
            System.err.println("bench: --ray-vs-workers needs crafter in " + py + " (pip install crafter==1.8.3)");
            return 2;
        }
        Path tmp = Files.createTempDirectory("gymbridge-bench");
        String loadBefore = loadAverage();
        Instant started = Instant.now();
        try {
            InProcessRunner inproc = new InProcessRunner(py, script, tmp);
            cleanup.add(inproc);
            Process fastServer = startServer(server, tmp, List.of("--unix", tmp.resolve("fast.sock").toString()), cleanup);
            Process rayServer = BenchProcesses.startServer(BenchProcesses.NETWORK_NAMESPACE, server, tmp,
                    List.of("--unix", tmp.resolve("ray.sock").toString(), "--ray-address", "local"), cleanup);
            servers.put("fast", fastServer);
            servers.put("ray", rayServer);
            Map<String, String> transports = new LinkedHashMap<>();
            transports.put("fast", readyAddress(fastServer, tmp, "fast-lane"));
            transports.put("ray", readyAddress(rayServer, tmp, "ray"));
            warmUp(transports);
            Case c = new Case("Crafter-v1_x16", CRAFTER, 16, 1);
            InProcess ip = inproc.measure(c, 0);
            for (int round = 0; round < rayRounds; round++) {
                Map<String, Measured> m = new LinkedHashMap<>();
                for (String row : round % 2 == 0 ? List.of("workers", "ray") : List.of("ray", "workers")) {
                    String transport = row.equals("ray") ? "ray" : "fast";
                    m.put(row, measure(transport, transports.get(transport), c, ip, tmp, row));
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("round", round + 1);
                r.put("first", round % 2 == 0 ? "workers" : "ray");
                r.put("loadavg", loadAverage());
                for (Map.Entry<String, Measured> e : m.entrySet()) {
                    if (!e.getValue().checksumMatches(ip)) {
                        throw new IllegalStateException(e.getKey() + " differs from in-process Gymnasium (reward checksum)");
                    }
                    r.put(e.getKey() + "_env_steps_per_s", e.getValue().envStepsPerSecond(ip));
                    r.put(e.getKey() + "_cpu_us_per_step", 1e6 * e.getValue().cpuSeconds() / ip.steps());
                    r.put(e.getKey() + "_server_cpu_us_per_step", 1e6 * e.getValue().serverCpuSeconds() / ip.steps());
                }
                r.put("ray_vs_workers", m.get("ray").envStepsPerSecond(ip) / m.get("workers").envStepsPerSecond(ip));
                r.put("ray_vs_workers_cpu", m.get("workers").cpuSeconds() / m.get("ray").cpuSeconds());
                results.rayPairRows.add(r);
                System.err.printf(Locale.ROOT, "bench: round %d: workers %.0f, ray %.0f env-steps/s (%.2fx); CPU per step "
                                + "workers %.1f ms, ray %.1f ms (%.2fx); load %s%n", round + 1,
                        (double) r.get("workers_env_steps_per_s"), (double) r.get("ray_env_steps_per_s"), (double) r.get("ray_vs_workers"),
                        (double) r.get("workers_cpu_us_per_step") / 1e3, (double) r.get("ray_cpu_us_per_step") / 1e3,
                        (double) r.get("ray_vs_workers_cpu"), r.get("loadavg"));
            }
            results.computeRayPairTargets(ip.envStepsPerSecond());
        } finally {
            cleanUp(tmp);
        }
        Path file = writeResults(started, loadBefore);
        results.printRayPair();
        System.out.println("load average before/after: " + loadBefore + " / " + loadAverage());
        System.out.println("results: " + file);
        return 0;
    }

    // ---- in-process (Python) ---------------------------------------------------------------------

    /** The Python in-process benchmark (scripts/bench_python.py inprocess-serve), one case per request. */
    private final class InProcessRunner implements AutoCloseable {
        private final Process process;
        private final BufferedReader results;
        private final Path tmp;

        InProcessRunner(Path py, Path script, Path tmp) throws IOException {
            this.tmp = tmp;
            this.process = new ProcessBuilder(py.toString(), script.toString(), "inprocess-serve", tmp.toString())
                    .redirectError(tmp.resolve("inprocess.log").toFile()).start();
            this.results = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String ready = results.readLine();
            if (!"INPROCESS_READY".equals(ready)) {
                throw new IllegalStateException("the in-process benchmark did not start: " + ready + "\n" + log());
            }
        }

        /** Measures one case in-process ({@code steps} 0: sized by the budget) and writes its action file. */
        InProcess measure(Case c, int steps) throws IOException {
            String request = String.format(Locale.ROOT,
                    "{\"name\": \"%s\", \"env\": \"%s\", \"num_envs\": %d, \"seed\": %d, \"steps\": %d, \"budget_s\": %s, "
                            + "\"repeats\": %d, \"min_steps\": %d, \"max_steps\": %d}%n",
                    c.name(), c.env(), c.numEnvs(), c.seed(),
                    steps > 0 ? steps : c.env().startsWith("gymbridge/NoOp") ? (quick ? 50 : 3000) : 0,
                    // Crafter (~1 ms per env step) would get only ~20 batched steps from the budget: too few for
                    // the client's first-use costs (JIT of its nested infos) to wash out.
                    budgetSeconds, repeats, quick ? 5 : c.env().equals(CRAFTER) ? 150 : 20, quick ? 50 : 5000);
            process.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
            String line = results.readLine();
            if (line == null) {
                throw new IllegalStateException("the in-process benchmark failed on " + c + ":\n" + log());
            }
            String[] f = line.split("\t", -1);
            long[] shape = Arrays.stream(f[6].split(",")).mapToLong(Long::parseLong).toArray();
            return new InProcess(c, Integer.parseInt(f[4]), f[5], shape, Double.parseDouble(f[7]),
                    Double.parseDouble(f[9]), Long.parseLong(f[10]), Double.parseDouble(f[11]));
        }

        private String log() throws IOException {
            return Files.readString(tmp.resolve("inprocess.log"));
        }

        @Override
        public void close() throws Exception {
            stop(process);
        }
    }

    // ---- through the bridge --------------------------------------------------------------------

    /** Timings of one row through the bridge. */
    record Measured(double bestSeconds, double p50Seconds, double checksum, double cpuSeconds, double serverCpuSeconds) {
        double envStepsPerSecond(InProcess ip) {
            return (double) ip.steps() * ip.c().numEnvs() / bestSeconds;
        }

        double usPerStep(InProcess ip) {
            return 1e6 * bestSeconds / ip.steps();
        }

        double p50Us() {
            return 1e6 * p50Seconds;
        }

        boolean checksumMatches(InProcess ip) {
            return Double.doubleToLongBits(checksum) == Double.doubleToLongBits(ip.checksum());
        }
    }

    private Measured measure(String transport, String url, Case c, InProcess ip, Path tmp, String vectorization)
            throws IOException {
        try {
            return measureOn(transport, url, c, ip, tmp, vectorization);
        } finally {
            System.clearProperty("gymbridge.fastLane"); // set for the tcplane transport only
        }
    }

    private Measured measureOn(String transport, String url, Case c, InProcess ip, Path tmp, String vectorization)
            throws IOException {
        List<Tensor> actions = loadActions(ip, tmp);
        MakeOptions.Builder options = MakeOptions.builder().numEnvs(c.numEnvs());
        if (vectorization != null) {
            options.vectorization(vectorization);
        }
        boolean lane = transport.equals("fast") || transport.equals("tcplane") || transport.equals("ray");
        if (transport.equals("tcplane")) {
            System.setProperty("gymbridge.fastLane", "tcp");
        }
        boolean sharded = transport.equals("shard2");
        try (GymBridgeClient client = GymBridge.connect(sharded ? url.substring(0, url.indexOf(',')) : url, ClientOptions.defaults());
             VectorEnv env = sharded ? GymBridge.makeVec(url + "/" + c.env() + "?num_envs=" + c.numEnvs())
                     : client.makeVec(c.env(), options.build())) {
            if (client.fastLane() != lane) {
                throw new IllegalStateException("transport " + transport + ": the client " + (client.fastLane() ? "uses" : "does not use")
                        + " the fast lane (is it disabled by -Dgymbridge.fastLane=false or GYMBRIDGE_FAST_LANE=0?)");
            }
            // Check pass (also the warm-up): the reward checksum must equal the in-process one bit for bit.
            env.reset(c.seed());
            double checksum = 0;
            for (Tensor a : actions) {
                for (double r : env.step(a).rewards()) {
                    checksum += r;
                }
            }
            double best = Double.MAX_VALUE;
            double bestCpu = Double.MAX_VALUE;
            double bestServerCpu = Double.MAX_VALUE;
            long[] perStep = new long[actions.size()];
            long[] bestPerStep = perStep.clone();
            long serverPid = servers.get(transport).pid();
            long otherPid = sharded ? servers.get("shard2b").pid() : -1; // the second server's CPU counts too
            for (int rep = 0; rep < repeats; rep++) {
                env.reset(c.seed());
                long server0 = treeCpuNanos(serverPid) + (sharded ? treeCpuNanos(otherPid) : 0);
                long java0 = javaCpuNanos();
                long t0 = System.nanoTime();
                long prev = t0;
                for (int i = 0; i < actions.size(); i++) {
                    StepResult r = env.step(actions.get(i));
                    if (r.numEnvs() != c.numEnvs()) {
                        throw new IllegalStateException("wrong batch size " + r.numEnvs());
                    }
                    long now = System.nanoTime();
                    perStep[i] = now - prev;
                    prev = now;
                }
                double s = (prev - t0) / 1e9;
                double serverCpu = (treeCpuNanos(serverPid) + (sharded ? treeCpuNanos(otherPid) : 0) - server0) / 1e9;
                bestServerCpu = Math.min(bestServerCpu, serverCpu);
                bestCpu = Math.min(bestCpu, (javaCpuNanos() - java0) / 1e9 + serverCpu);
                if (s < best) {
                    best = s;
                    System.arraycopy(perStep, 0, bestPerStep, 0, perStep.length);
                }
            }
            Arrays.sort(bestPerStep);
            return new Measured(best, bestPerStep[bestPerStep.length / 2] / 1e9, checksum, bestCpu, bestServerCpu);
        }
    }

    /**
     * Steps a no-op env through every transport before the first measured row, so that the JIT has compiled the
     * client's step path: otherwise the first rows (CartPole) pay for compilation threads that compete with the
     * server for the two cores, a cost no long-running training sees.
     */
    private void warmUp(Map<String, String> transports) {
        try {
            warmUpEach(transports);
        } finally {
            System.clearProperty("gymbridge.fastLane");
        }
    }

    private void warmUpEach(Map<String, String> transports) {
        for (Map.Entry<String, String> t : transports.entrySet()) {
            // The fast lane carries most rows: longest. C2 kept compiling for ~15 s of a run without this (JFR).
            long nanos = quick ? 50_000_000L : t.getKey().equals("fast") ? 4_000_000_000L : 1_500_000_000L;
            System.clearProperty("gymbridge.fastLane");
            if (t.getKey().equals("tcplane")) {
                System.setProperty("gymbridge.fastLane", "tcp");
            }
            try (GymBridgeClient client = GymBridge.connect(t.getValue(), ClientOptions.defaults());
                 VectorEnv small = client.makeVec("gymbridge/NoOp-v0", MakeOptions.builder().numEnvs(1).build());
                 VectorEnv large = client.makeVec("gymbridge/NoOp-v0", MakeOptions.builder().numEnvs(64).build())) {
                small.reset(0);
                large.reset(0);
                Tensor a1 = Tensor.ofLongs(new long[1], 1);
                Tensor a64 = Tensor.ofLongs(new long[64], 64);
                long end = System.nanoTime() + nanos;
                while (System.nanoTime() < end) {
                    for (int i = 0; i < 20; i++) {
                        small.step(a1);
                    }
                    for (int i = 0; i < 5; i++) {
                        large.step(a64);
                    }
                }
            }
        }
    }

    private static List<Tensor> loadActions(InProcess ip, Path tmp) throws IOException {
        byte[] all = Files.readAllBytes(tmp.resolve(ip.c().name() + ".actions"));
        org.gymbridge.tensor.DType dtype = org.gymbridge.tensor.DType.fromNumpyName(ip.dtype());
        int per = all.length / ip.steps();
        List<Tensor> out = new ArrayList<>(ip.steps());
        for (int i = 0; i < ip.steps(); i++) {
            ByteBuffer b = ByteBuffer.wrap(all, i * per, per).slice().order(ByteOrder.LITTLE_ENDIAN);
            out.add(Tensor.of(dtype, ip.shape(), b));
        }
        return out;
    }

    // ---- pipelined send/recv on env groups -------------------------------------------------------

    /**
     * Rollout throughput with a simulated policy whose time per batch equals the env's in-process time per
     * batch: synchronous (policy, then step, for all envs) versus a {@link PipelinedEnvPool} of 2 groups (the
     * policy works on one group while the server steps the other). Same envs, actions and server.
     */
    private void measurePipelined(String url, Case c, InProcess ip, Path tmp) throws IOException {
        List<Tensor> actions = loadActions(ip, tmp);
        long policyNanos = (long) (1e9 * ip.bestSeconds() / ip.steps()); // per full batch
        int groups = 2;
        int steps = actions.size();
        try (GymBridgeClient client = GymBridge.connect(url, ClientOptions.defaults())) {
            double syncSeconds;
            try (VectorEnv env = client.makeVec(c.env(), MakeOptions.builder().numEnvs(c.numEnvs()).build())) {
                env.reset(c.seed());
                syncSeconds = Double.MAX_VALUE;
                for (int rep = 0; rep < repeats; rep++) {
                    long t0 = System.nanoTime();
                    for (Tensor a : actions) {
                        spin(policyNanos);
                        env.step(a);
                    }
                    syncSeconds = Math.min(syncSeconds, (System.nanoTime() - t0) / 1e9);
                }
            }
            double pipelinedSeconds = Double.MAX_VALUE;
            try (PipelinedEnvPool pool = PipelinedEnvPool.make(client, c.env(), MakeOptions.builder().numEnvs(c.numEnvs()).build(), groups)) {
                for (int rep = 0; rep < repeats; rep++) {
                    int[] t = new int[groups];
                    long t0 = System.nanoTime();
                    for (int g = 0; g < groups; g++) {
                        pool.reset(g, c.seed());
                        spin(policyNanos / groups);
                        pool.send(g, groupSlice(actions.get(0), g, groups));
                    }
                    for (int done = 0; done < steps * groups; done++) {
                        PipelinedEnvPool.GroupStep s = pool.recv();
                        int g = s.group();
                        if (++t[g] < steps) {
                            spin(policyNanos / groups);
                            pool.send(g, groupSlice(actions.get(t[g]), g, groups));
                        }
                    }
                    pipelinedSeconds = Math.min(pipelinedSeconds, (System.nanoTime() - t0) / 1e9);
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("env", c.env());
            row.put("num_envs", c.numEnvs());
            row.put("groups", groups);
            row.put("transport", "fast");
            row.put("policy_us_per_batch", policyNanos / 1e3);
            row.put("sync_env_steps_per_s", (double) steps * c.numEnvs() / syncSeconds);
            row.put("async_env_steps_per_s", (double) steps * c.numEnvs() / pipelinedSeconds);
            row.put("async_vs_sync", syncSeconds / pipelinedSeconds);
            results.pipelinedRows.add(row);
            System.err.printf(Locale.ROOT, "bench: pipelined %s x%d, policy %.0f us/batch: sync %.0f, pipelined (2 groups) %.0f env-steps/s, ratio %.2f%n",
                    c.env(), c.numEnvs(), policyNanos / 1e3, (double) row.get("sync_env_steps_per_s"),
                    (double) row.get("async_env_steps_per_s"), syncSeconds / pipelinedSeconds);
        }
    }

    /** Rows g*n/groups .. (g+1)*n/groups-1 of a batched action tensor (a view of its bytes). */
    /** The cases that get the --scale rows: CartPole-v1 x64 and Crafter-v1 x16. */
    private boolean scaleCase(Case c) {
        return scale && (c.env().equals("CartPole-v1") && c.numEnvs() == 64 || c.env().equals(CRAFTER) && c.numEnvs() == 16);
    }

    /** Whether {@code py} can import {@code module}. */
    private static boolean installed(Path py, String module) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(py.toString(), "-c", "import " + module).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor() == 0;
    }

    private static Tensor groupSlice(Tensor batch, int g, int groups) {
        long[] shape = batch.shape();
        long rows = shape[0] / groups;
        int bytes = (int) (batch.data().remaining() / groups);
        ByteBuffer b = batch.data().duplicate().position(g * bytes).limit((g + 1) * bytes).slice().order(ByteOrder.LITTLE_ENDIAN);
        shape[0] = rows;
        return Tensor.of(batch.dtype(), shape, b);
    }

    /** Busy-waits (a stand-in for policy compute that keeps a core busy). */
    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

}
