package org.gymbridge.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
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
import java.util.concurrent.TimeUnit;
import org.gymbridge.agents.ppo.Ppo;
import org.gymbridge.agents.ppo.PpoConfig;
import org.gymbridge.agents.train.Trainer;
import org.gymbridge.client.AsyncEnvPool;
import org.gymbridge.client.ClientOptions;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.MakeOptions;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.proto.v1.DType;
import org.gymbridge.proto.v1.DictValue;
import org.gymbridge.proto.v1.SessionRequest;
import org.gymbridge.proto.v1.SessionResponse;
import org.gymbridge.proto.v1.StepRequest;
import org.gymbridge.proto.v1.StepResponse;
import org.gymbridge.proto.v1.Value;
import org.gymbridge.tensor.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
            + "Crafter-v1 runs the optional Crafter x8 case (one process and 2 worker processes)")
    String only;

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

    private final List<Map<String, Object>> envRows = new ArrayList<>();
    private final List<Map<String, Object>> roundTripRows = new ArrayList<>();
    private final List<Map<String, Object>> floorRows = new ArrayList<>();
    private final List<Map<String, Object>> targetRows = new ArrayList<>();
    private final List<Map<String, Object>> asyncRows = new ArrayList<>();
    private final Map<String, Object> agentRow = new LinkedHashMap<>();
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final Map<String, Process> servers = new LinkedHashMap<>();

    static final String CRAFTER = "Crafter-v1";

    static List<Case> cases(String only) {
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
        if (only != null) {
            out.removeIf(c -> !c.env().equals(only) && !c.env().startsWith("gymbridge/"));
        }
        return out;
    }

    @Override
    public Integer call() throws Exception {
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
        Path tmp = Files.createTempDirectory("gymbridge-bench");
        String loadBefore = loadAverage();
        Instant started = Instant.now();
        try {
            List<Case> cases = cases(only);
            InProcessRunner inproc = new InProcessRunner(py, script, tmp);
            cleanup.add(inproc);

            // gRPC rows talk to servers without a fast lane; the "fast" row to one with it (over its unix socket).
            Process tcpServer = startServer(server, tmp, List.of("--port", "0", "--no-fast-lane"));
            Process unixServer = startServer(server, tmp, List.of("--unix", tmp.resolve("gb.sock").toString(), "--no-fast-lane"));
            Process fastServer = startServer(server, tmp, List.of("--unix", tmp.resolve("fast.sock").toString()));
            servers.put("tcp", tcpServer);
            servers.put("unix", unixServer);
            servers.put("fast", fastServer);
            Map<String, String> transports = new LinkedHashMap<>();
            transports.put("tcp", "grpc://" + readyAddress(tcpServer, tmp, "tcp"));
            transports.put("unix", readyAddress(unixServer, tmp, "unix"));
            transports.put("fast", readyAddress(fastServer, tmp, "fast-lane"));

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
                if (measured.containsKey("workers")) {
                    row.put("workers_vs_one_process", measured.get("workers").envStepsPerSecond(ip)
                            / measured.get("fast").envStepsPerSecond(ip));
                }
                if (c.env().equals("HalfCheetah-v5") && c.numEnvs() == 16) {
                    measureAsync(transports.get("fast"), c, ip, tmp);
                }
                (c.env().startsWith("gymbridge/NoOp") ? roundTripRows : envRows).add(row);
            }
            measureFloor(py, script, tmp);
            if (agentSteps > 0 && !quick) {
                measureAgent(transports.get("fast"));
            }
            computeTargets();
        } finally {
            for (int i = cleanup.size() - 1; i >= 0; i--) {
                try {
                    cleanup.get(i).close();
                } catch (Exception e) {
                    System.err.println("bench: cleanup: " + e);
                }
            }
            deleteTree(tmp);
        }
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
        json.put("env_rows", envRows);
        json.put("round_trip_rows", roundTripRows);
        json.put("floor_rows", floorRows);
        json.put("async_rows", asyncRows);
        json.put("agent", agentRow);
        json.put("targets", targetRows);
        Path file = out != null ? out : root.resolve("runs").resolve("bench-" + started.toString().replace(':', '-') + ".json");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, Json.write(json) + "\n");
        printTable();
        System.out.println("load average before/after: " + loadBefore + " / " + machine.get("loadavg_after"));
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
        List<Tensor> actions = loadActions(ip, tmp);
        MakeOptions.Builder options = MakeOptions.builder().numEnvs(c.numEnvs());
        if (vectorization != null) {
            options.vectorization(vectorization);
        }
        try (GymBridgeClient client = GymBridge.connect(url, ClientOptions.defaults());
             VectorEnv env = client.makeVec(c.env(), options.build())) {
            if (client.fastLane() != (transport.equals("fast"))) {
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
            for (int rep = 0; rep < repeats; rep++) {
                env.reset(c.seed());
                long server0 = treeCpuNanos(serverPid);
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
                double serverCpu = (treeCpuNanos(serverPid) - server0) / 1e9;
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
        for (Map.Entry<String, String> t : transports.entrySet()) {
            // The fast lane carries most rows: longest. C2 kept compiling for ~15 s of a run without this (JFR).
            long nanos = quick ? 50_000_000L : t.getKey().equals("fast") ? 4_000_000_000L : 1_500_000_000L;
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

    // ---- async send/recv on env groups ------------------------------------------------------------

    /**
     * Rollout throughput with a simulated policy whose time per batch equals the env's in-process time per
     * batch: synchronous (policy, then step, for all envs) versus an {@link AsyncEnvPool} of 2 groups (the
     * policy works on one group while the server steps the other). Same envs, actions and server.
     */
    private void measureAsync(String url, Case c, InProcess ip, Path tmp) throws IOException {
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
            double asyncSeconds = Double.MAX_VALUE;
            try (AsyncEnvPool pool = AsyncEnvPool.make(client, c.env(), MakeOptions.builder().numEnvs(c.numEnvs()).build(), groups)) {
                for (int rep = 0; rep < repeats; rep++) {
                    int[] t = new int[groups];
                    long t0 = System.nanoTime();
                    for (int g = 0; g < groups; g++) {
                        pool.reset(g, c.seed());
                        spin(policyNanos / groups);
                        pool.send(g, groupSlice(actions.get(0), g, groups));
                    }
                    for (int done = 0; done < steps * groups; done++) {
                        AsyncEnvPool.GroupStep s = pool.recv();
                        int g = s.group();
                        if (++t[g] < steps) {
                            spin(policyNanos / groups);
                            pool.send(g, groupSlice(actions.get(t[g]), g, groups));
                        }
                    }
                    asyncSeconds = Math.min(asyncSeconds, (System.nanoTime() - t0) / 1e9);
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("env", c.env());
            row.put("num_envs", c.numEnvs());
            row.put("groups", groups);
            row.put("transport", "fast");
            row.put("policy_us_per_batch", policyNanos / 1e3);
            row.put("sync_env_steps_per_s", (double) steps * c.numEnvs() / syncSeconds);
            row.put("async_env_steps_per_s", (double) steps * c.numEnvs() / asyncSeconds);
            row.put("async_vs_sync", syncSeconds / asyncSeconds);
            asyncRows.add(row);
            System.err.printf(Locale.ROOT, "bench: async %s x%d, policy %.0f us/batch: sync %.0f, async (2 groups) %.0f env-steps/s, ratio %.2f%n",
                    c.env(), c.numEnvs(), policyNanos / 1e3, (double) row.get("sync_env_steps_per_s"),
                    (double) row.get("async_env_steps_per_s"), syncSeconds / asyncSeconds);
        }
    }

    /** Rows g*n/groups .. (g+1)*n/groups-1 of a batched action tensor (a view of its bytes). */
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

    // ---- agent-side cost ------------------------------------------------------------------------------

    /**
     * The demo agent's own cost (PPO, DL4J, CartPole-v1 x8 as in examples/CartPolePpo): the Trainer's split of
     * wall time into env, act and learn, per vector step and per env step; and the cost of one greedy act on
     * a batch of 8 observations versus 8 acts on one observation each -- action selection is one forward
     * pass per batched step (Ppo.act), so the batch of 8 should cost about as much as one single act.
     */
    private void measureAgent(String url) {
        int n = 8;
        try (GymBridgeClient client = GymBridge.connect(url, ClientOptions.defaults());
             VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(n).seed(1).build())) {
            Ppo agent = Ppo.forEnv(env, PpoConfig.defaults().withTotalSteps(agentSteps), 1);
            Trainer.Summary s = new Trainer(new java.io.PrintStream(OutputStream.nullOutputStream()), Long.MAX_VALUE)
                    .train(agent, env, agentSteps, 1);
            double vectorSteps = (double) s.envSteps() / n;
            INDArray batch = Nd4j.rand(DataType.FLOAT, n, 4);
            INDArray single = Nd4j.rand(DataType.FLOAT, 1, 4);
            int reps = 2000;
            for (int i = 0; i < reps / 4; i++) {
                agent.act(batch, false);
                agent.act(single, false);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                agent.act(batch, false);
            }
            double batchUs = (System.nanoTime() - t0) / 1e3 / reps;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                agent.act(single, false);
            }
            double singleUs = (System.nanoTime() - t0) / 1e3 / reps;
            agentRow.put("agent", "PPO (DL4J), " + PpoConfig.defaults().hidden().length + " hidden layers of "
                    + PpoConfig.defaults().hidden()[0]);
            agentRow.put("env", "CartPole-v1");
            agentRow.put("num_envs", n);
            agentRow.put("env_steps", s.envSteps());
            agentRow.put("seconds", s.seconds());
            agentRow.put("env_us_per_vector_step", 1e6 * s.envSeconds() / vectorSteps);
            agentRow.put("act_us_per_vector_step", 1e6 * s.actSeconds() / vectorSteps);
            agentRow.put("learn_us_per_vector_step", 1e6 * s.learnSeconds() / vectorSteps);
            agentRow.put("act_us_per_env_step", 1e6 * s.actSeconds() / s.envSteps());
            agentRow.put("learn_us_per_env_step", 1e6 * s.learnSeconds() / s.envSteps());
            agentRow.put("env_us_per_env_step", 1e6 * s.envSeconds() / s.envSteps());
            agentRow.put("greedy_act_batch8_us", batchUs);
            agentRow.put("greedy_act_batch1_us", singleUs);
            agentRow.put("batch8_vs_8_single_acts", batchUs / (8 * singleUs));
            agentRow.put("mean_return_last_episodes", s.recentMeanReturn());
            System.err.printf(Locale.ROOT, "bench: agent PPO CartPole-v1 x8, %d steps: per vector step env %.0f us, act %.0f us, "
                            + "learn %.0f us; greedy act batch 8 %.0f us vs batch 1 %.0f us%n", s.envSteps(),
                    agentRow.get("env_us_per_vector_step"), agentRow.get("act_us_per_vector_step"),
                    agentRow.get("learn_us_per_vector_step"), batchUs, singleUs);
        }
    }

    // ---- the raw socket floor ------------------------------------------------------------------

    /** Serialized sizes of the no-op step's request and response (batch n), as the bridge sends them. */
    static int[] noOpMessageSizes(int n) {
        org.gymbridge.proto.v1.Tensor action = org.gymbridge.proto.v1.Tensor.newBuilder().setDtype(DType.DTYPE_INT64)
                .addShape(n).setData(com.google.protobuf.ByteString.copyFrom(new byte[8 * n])).build();
        SessionRequest req = SessionRequest.newBuilder().setSeq(100_000).setStep(StepRequest.newBuilder()
                .setSessionId("0123456789abcdef0123456789abcdef").setActions(Value.newBuilder().setTensor(action))).build();
        StepResponse step = StepResponse.newBuilder()
                .setObservations(Value.newBuilder().setTensor(tensor(DType.DTYPE_FLOAT32, 16 * n, n, 4)))
                .setRewards(tensor(DType.DTYPE_FLOAT64, 8 * n, n))
                .setTerminated(tensor(DType.DTYPE_BOOL, n, n))
                .setTruncated(tensor(DType.DTYPE_BOOL, n, n))
                .setInfos(Value.newBuilder().setDict(DictValue.getDefaultInstance())).build();
        SessionResponse resp = SessionResponse.newBuilder().setSeq(100_000).setStep(step).build();
        return new int[] {req.getSerializedSize(), resp.getSerializedSize()};
    }

    private static org.gymbridge.proto.v1.Tensor tensor(DType dtype, int bytes, long... shape) {
        org.gymbridge.proto.v1.Tensor.Builder b = org.gymbridge.proto.v1.Tensor.newBuilder().setDtype(dtype)
                .setData(com.google.protobuf.ByteString.copyFrom(new byte[bytes]));
        for (long d : shape) {
            b.addShape(d);
        }
        return b.build();
    }

    private void measureFloor(Path py, Path script, Path tmp) throws IOException {
        Path sock = tmp.resolve("echo.sock");
        Process echo = new ProcessBuilder(py.toString(), script.toString(), "echo", "--unix", sock.toString())
                .redirectError(tmp.resolve("echo.log").toFile()).start();
        cleanup.add(() -> stop(echo));
        BufferedReader r = new BufferedReader(new InputStreamReader(echo.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (line == null || !line.startsWith("ECHO_READY ")) {
            throw new IllegalStateException("echo server did not start: " + line + "\n" + Files.readString(tmp.resolve("echo.log")));
        }
        String[] f = line.split(" ");
        int port = Integer.parseInt(f[1]);
        int count = quick ? 200 : 5000;
        for (int n : new int[] {1, 64}) {
            int[] sizes = noOpMessageSizes(n);
            for (String transport : List.of("tcp", "unix")) {
                try (SocketChannel ch = transport.equals("tcp")
                        ? SocketChannel.open(new InetSocketAddress("127.0.0.1", port))
                        : SocketChannel.open(UnixDomainSocketAddress.of(f[2]))) {
                    if (transport.equals("tcp")) {
                        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    }
                    double[] us = pingPong(ch, sizes[0], sizes[1], count);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("transport", transport);
                    row.put("num_envs", n);
                    row.put("request_bytes", sizes[0]);
                    row.put("response_bytes", sizes[1]);
                    row.put("round_trips", count);
                    row.put("mean_us", us[0]);
                    row.put("p50_us", us[1]);
                    floorRows.add(row);
                    System.err.printf(Locale.ROOT, "bench: socket floor %-4s %4d/%4d bytes: mean %.1f us, p50 %.1f us%n",
                            transport, sizes[0], sizes[1], us[0], us[1]);
                }
            }
        }
    }

    /** Mean and median round-trip microseconds of {@code count} request/reply exchanges (after a warm-up). */
    static double[] pingPong(SocketChannel ch, int requestBytes, int replyBytes, int count) throws IOException {
        ByteBuffer req = ByteBuffer.allocateDirect(8 + requestBytes).order(ByteOrder.LITTLE_ENDIAN);
        req.putInt(requestBytes).putInt(replyBytes);
        ByteBuffer reply = ByteBuffer.allocateDirect(8 + replyBytes);
        long[] times = new long[count];
        for (int i = -count / 5; i < count; i++) {
            long t0 = System.nanoTime();
            req.clear();
            while (req.hasRemaining()) {
                ch.write(req);
            }
            reply.clear();
            while (reply.hasRemaining()) {
                if (ch.read(reply) < 0) {
                    throw new IOException("echo server closed the connection");
                }
            }
            if (i >= 0) {
                times[i] = System.nanoTime() - t0;
            }
        }
        double mean = Arrays.stream(times).average().orElse(0) / 1e3;
        Arrays.sort(times);
        return new double[] {mean, times[count / 2] / 1e3};
    }

    // ---- targets and output ----------------------------------------------------------------------

    private void computeTargets() {
        for (Object[] t : new Object[][] {{"CartPole-v1", 64, 0.80}, {"CartPole-v1", 256, 0.90}, {"HalfCheetah-v5", 16, 0.90}}) {
            Map<String, Object> r = row((String) t[0], (int) t[1]);
            String key = bestKey(r);
            if (key != null) {
                target(t[0] + " x" + t[1] + ": bridge (" + key + ") / in-process", (double) r.get(key + "_ratio"), (double) t[2], true);
            }
        }
        Map<String, Object> ant = row("Ant-v5", 16);
        if (ant != null && ant.containsKey("workers_vs_one_process")) {
            target("Ant-v5 x16: worker processes / one process", (double) ant.get("workers_vs_one_process"), 1.6, true);
        }
        for (Map<String, Object> a : asyncRows) {
            target("async send/recv (2 groups) / sync, policy ~ env time", (double) a.get("async_vs_sync"), 1.3, true);
        }
        Map<String, Object> noop = roundTripRows.stream().filter(r -> r.get("num_envs").equals(1)).findFirst().orElse(null);
        for (String t : List.of("tcp", "unix")) {
            Map<String, Object> floor = floorRows.stream()
                    .filter(r -> r.get("transport").equals(t) && r.get("num_envs").equals(1)).findFirst().orElse(null);
            if (noop != null && floor != null) {
                // The bridge over a unix socket is compared with the unix floor, TCP with the TCP floor.
                String key = t.equals("tcp") ? "tcp" : bestUnixKey(noop);
                double bridgeUs = (double) noop.get(key + "_p50_us");
                target("no-op x1 round trip (" + key + ", p50) / " + t + " socket floor (p50)",
                        bridgeUs / (double) floor.get("p50_us"), 2.5, false);
            }
        }
    }

    private static String bestUnixKey(Map<String, Object> row) {
        return row.containsKey("fast_p50_us") ? "fast" : "unix";
    }

    private Map<String, Object> row(String env, int n) {
        return envRows.stream().filter(r -> r.get("env").equals(env) && r.get("num_envs").equals(n)).findFirst().orElse(null);
    }

    /**
     * The transport with the best wall-clock ratio in a row (what a same-host user can get), or null. Only the
     * transports' own {@code <transport>_ratio} keys compete: {@code fast_cpu_ratio} and the like are CPU ratios.
     */
    static String bestKey(Map<String, Object> row) {
        if (row == null) {
            return null;
        }
        String best = null;
        for (String t : List.of("tcp", "unix", "fast", "workers")) {
            Object v = row.get(t + "_ratio");
            if (v != null && (best == null || (double) v > (double) row.get(best + "_ratio"))) {
                best = t;
            }
        }
        return best;
    }

    private void target(String name, double value, double target, boolean atLeast) {
        if (Double.isNaN(value)) {
            return;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("measure", name);
        row.put("value", value);
        row.put("target", (atLeast ? ">= " : "<= ") + target);
        row.put("met", atLeast ? value >= target : value <= target);
        targetRows.add(row);
    }

    private void printTable() {
        List<String> transports = new ArrayList<>();
        for (Map<String, Object> r : envRows.isEmpty() ? roundTripRows : envRows) {
            r.keySet().stream().filter(k -> k.endsWith("_env_steps_per_s") && !k.startsWith("inprocess"))
                    .map(k -> k.substring(0, k.length() - "_env_steps_per_s".length()))
                    .filter(k -> !transports.contains(k)).forEach(transports::add);
        }
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-20s %5s %12s", "env", "batch", "in-process"));
        for (String t : transports) {
            h.append(String.format(Locale.ROOT, " %12s %6s", t, "ratio"));
        }
        System.out.println("env-steps/s (best of " + repeats + " passes; ratio = bridge / in-process)");
        System.out.println(h);
        List<Map<String, Object>> all = new ArrayList<>(envRows);
        all.addAll(roundTripRows);
        for (Map<String, Object> r : all) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-20s %5d %12.0f", r.get("env"), r.get("num_envs"),
                    (double) r.get("inprocess_env_steps_per_s")));
            for (String t : transports) {
                Object v = r.get(t + "_env_steps_per_s");
                sb.append(v == null ? String.format(Locale.ROOT, " %12s %6s", "-", "-")
                        : String.format(Locale.ROOT, " %12.0f %6.2f%s", (double) v, (double) r.get(t + "_ratio"),
                        Boolean.TRUE.equals(r.get(t + "_checksum_match")) ? "" : "!"));
            }
            System.out.println(sb);
        }
        System.out.println();
        System.out.println("CPU efficiency (in-process CPU / bridge CPU incl. the server; load-independent, 1 = free)");
        for (Map<String, Object> r : all) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-20s %5d %12.1f", r.get("env"), r.get("num_envs"),
                    (double) r.get("inprocess_cpu_us_per_step")));
            for (String t : transports) {
                Object v = r.get(t + "_cpu_ratio");
                sb.append(v == null ? String.format(Locale.ROOT, " %12s %6s", "-", "-")
                        : String.format(Locale.ROOT, " %12.1f %6.2f", (double) r.get(t + "_cpu_us_per_step"), (double) v));
            }
            System.out.println(sb);
        }
        System.out.println("(columns: CPU us per batched step, ratio)");
        System.out.println();
        System.out.println("no-op step round trip, p50 us: " + roundTripRows.stream().map(r -> r.get("env") + " x" + r.get("num_envs")
                + " " + transports.stream().filter(t -> r.containsKey(t + "_p50_us"))
                .map(t -> String.format(Locale.ROOT, "%s %.0f", t, (double) r.get(t + "_p50_us"))).toList()).toList());
        System.out.println("socket floor, p50 us: " + floorRows.stream().map(r -> String.format(Locale.ROOT, "%s x%d %.0f",
                r.get("transport"), r.get("num_envs"), (double) r.get("p50_us"))).toList());
        if (!agentRow.isEmpty()) {
            System.out.printf(Locale.ROOT, "agent (%s, %s x%s): per env step env %.1f us, act %.1f us, learn %.1f us; "
                            + "greedy act on 8 observations %.0f us vs on 1 observation %.0f us (one forward per batched step)%n",
                    agentRow.get("agent"), agentRow.get("env"), agentRow.get("num_envs"), agentRow.get("env_us_per_env_step"),
                    agentRow.get("act_us_per_env_step"), agentRow.get("learn_us_per_env_step"),
                    agentRow.get("greedy_act_batch8_us"), agentRow.get("greedy_act_batch1_us"));
        }
        for (Map<String, Object> a : asyncRows) {
            System.out.printf(Locale.ROOT, "async %s x%s (%s groups, policy %.0f us/batch): sync %.0f, async %.0f env-steps/s%n",
                    a.get("env"), a.get("num_envs"), a.get("groups"), a.get("policy_us_per_batch"), a.get("sync_env_steps_per_s"),
                    a.get("async_env_steps_per_s"));
        }
        System.out.println();
        System.out.println("targets (issue 5):");
        for (Map<String, Object> t : targetRows) {
            System.out.printf(Locale.ROOT, "  %-62s %6.2f  target %-7s %s%n", t.get("measure"), (double) t.get("value"),
                    t.get("target"), Boolean.TRUE.equals(t.get("met")) ? "met" : "NOT met");
        }
    }

    // ---- processes and files ---------------------------------------------------------------------

    private Process startServer(Path server, Path tmp, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(server.toString(), "--exit-with-parent", "--log-level", "warning"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(tmp.resolve("server.log").toFile()))
                .start();
        cleanup.add(() -> stop(p));
        return p;
    }

    private static String readyAddress(Process p, Path tmp, String what) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (line == null || !line.startsWith("GYMBRIDGE_READY ")) {
            throw new IllegalStateException("the " + what + " server did not start: " + line + "\n"
                    + Files.readString(tmp.resolve("server.log")));
        }
        return line.substring("GYMBRIDGE_READY ".length()).trim();
    }

    private static void stop(Process p) throws InterruptedException {
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.flush(); // closing stdin stops a --exit-with-parent server and the echo server
        } catch (IOException ignored) {
            // already gone
        }
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /*
     * CPU time comes from /proc/PID/task/TID/schedstat (nanoseconds on CPU per thread). The 10 ms clock ticks of
     * /proc/PID/stat and of the JVM's getProcessCpuTime are too coarse for short passes: a quick pass measured 0.
     */

    /** Nanoseconds on CPU of a process and its direct children (a server and its worker processes). */
    static long treeCpuNanos(long pid) {
        long total = cpuNanos(pid);
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0)) && parentOf(Long.parseLong(name)) == pid) {
                    total += cpuNanos(Long.parseLong(name));
                }
            }
        } catch (IOException e) {
            // no /proc: CPU figures stay 0
        }
        return total;
    }

    /** The parent pid of {@code pid}, or -1. */
    private static long parentOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Sum over the threads of {@code pid} of their time on CPU (first field of schedstat), or 0. */
    private static long cpuNanos(long pid) {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String line = Files.readString(t.resolve("schedstat")).trim();
                    total += Long.parseLong(line.substring(0, line.indexOf(' ')));
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return total;
        }
        return total;
    }

    private static long javaCpuNanos() {
        return cpuNanos(ProcessHandle.current().pid());
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The repository root: the first ancestor of the working directory (or of this class) with python-env-server/. */
    static Path repoRoot() {
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        try {
            starts.add(Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (Exception ignored) {
            // no code source: the working directory must do
        }
        for (Path start : starts) {
            for (Path p = start; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("python-env-server/scripts"))) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("cannot find the gymbridge checkout (python-env-server/) above " + starts
                + "; run bin/gymbridge bench from inside the repository");
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Just enough JSON for the results file: maps, lists, strings, numbers, booleans, null. */
    static final class Json {
        private Json() {
        }

        static String write(Object o) {
            StringBuilder sb = new StringBuilder();
            write(o, sb, "");
            return sb.toString();
        }

        private static void write(Object o, StringBuilder sb, String indent) {
            if (o instanceof Map<?, ?> m) {
                sb.append("{");
                String inner = indent + "  ";
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(i++ == 0 ? "\n" : ",\n").append(inner);
                    string(String.valueOf(e.getKey()), sb);
                    sb.append(": ");
                    write(e.getValue(), sb, inner);
                }
                sb.append(m.isEmpty() ? "}" : "\n" + indent + "}");
            } else if (o instanceof List<?> l) {
                sb.append("[");
                String inner = indent + "  ";
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i == 0 ? "\n" : ",\n").append(inner);
                    write(l.get(i), sb, inner);
                }
                sb.append(l.isEmpty() ? "]" : "\n" + indent + "]");
            } else if (o instanceof Double d) {
                sb.append(d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.6g", d));
            } else if (o instanceof Number || o instanceof Boolean) {
                sb.append(o);
            } else if (o == null) {
                sb.append("null");
            } else {
                string(o.toString(), sb);
            }
        }

        private static void string(String s, StringBuilder sb) {
            sb.append('"');
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
        }
    }
}
