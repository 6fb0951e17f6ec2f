package org.gymbridge.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.NativeThreads;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.dqn.DqnConfig;
import org.gymbridge.agents.ppo.PpoConfig;
import org.gymbridge.agents.sac.SacConfig;
import org.gymbridge.agents.td3.Td3Config;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.DType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code gymbridge bench --learners}: what one learner update of each agent costs, timed on the agents' real
 * code at the sizes of the shipped configs, next to the same update written the CleanRL way in PyTorch
 * (python-env-server/scripts/bench_learners_torch.py, when {@code --torch-python} names a Python with torch).
 *
 * <p>Every row runs untimed warm-up blocks (at least 6, and at least 3 s of them so the JIT has compiled the update),
 * then timed blocks; a block is one {@code learn()} call (or a few
 * acting calls) on transitions from a synthetic env of the right spaces, fed through {@code act}/{@code observe}
 * outside the timed part. A row reports the median over blocks of CPU time (all threads of the process: the
 * figure a loaded shared machine moves least) and of wall time, per unit: one gradient update, one PPO
 * minibatch, or one frame.
 */
final class LearnerBench {

    /** The benchmark's settings. */
    record Options(int threads, int repeats, boolean quick, Path torchPython, Path out, String only) {
    }

    /** One measured row; torch figures are NaN when torch was not run. */
    record Row(String name, String what, double javaCpuMs, double javaWallMs, double torchCpuMs, double torchWallMs) {
        double ratio() {
            return javaCpuMs / torchCpuMs;
        }
    }

    private final Options options;
    private final Path root;
    private final int warmup;
    /** Minimum warm-up time per row (besides the warm-up blocks): JIT compilation is over when timing starts. */
    private static final double WARMUP_SECONDS = 3.0;
    private final double warmupSeconds;

    LearnerBench(Options options, Path root) {
        this.options = options;
        this.root = root;
        // Six untimed blocks: the direct passes are Java loops, which need a few calls before the JIT's optimizing
        // compiler has them (with two, a CNN minibatch was timed partly in profiling code).
        this.warmup = options.quick() ? 1 : 6;
        this.warmupSeconds = options.quick() ? 0 : WARMUP_SECONDS;
    }

    /** Runs the benchmark, prints the table, writes the JSON file; returns the process exit code. */
    static int run(Options options) throws Exception {
        LearnerBench bench = new LearnerBench(options, BenchProcesses.repoRoot());
        String loadBefore = BenchProcesses.loadAverage();
        Instant started = Instant.now();
        List<Row> rows = new ArrayList<>();
        Map<String, Object> torch = bench.measureAll(rows);
        Map<String, Object> json = bench.json(rows, torch, started, loadBefore);
        Path file = options.out() != null ? options.out()
                : bench.root.resolve("runs").resolve("bench-learners-" + started.toString().replace(':', '-') + ".json");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, BenchJson.write(json) + "\n");
        System.out.print(table(rows));
        System.out.println("threads " + options.threads() + ", median of " + options.repeats() + " blocks; load average"
                + " before/after: " + loadBefore + " / " + BenchProcesses.loadAverage());
        System.out.println("results: " + file);
        return 0;
    }

    /** Java rows into {@code rows}, then (with a torch Python) the torch figures; returns the torch metadata. */
    Map<String, Object> measureAll(List<Row> rows) throws Exception {
        System.setProperty(NativeThreads.PROPERTY, Integer.toString(options.threads()));
        NativeThreads.configure();
        List<Case> cases = cases();
        if (options.only() != null) {
            cases.removeIf(c -> !c.name.contains(options.only()));
        }
        Map<String, double[]> java = new LinkedHashMap<>();
        for (Case c : cases) {
            double[] cpuWall = c.measure(warmup, warmupSeconds, options.repeats());
            java.put(c.name, cpuWall);
            System.err.printf(Locale.ROOT, "bench: %-26s java %8.3f ms CPU, %8.3f ms wall per %s%n", c.name,
                    cpuWall[0], cpuWall[1], c.unit);
        }
        Map<String, Object> torchInfo = new LinkedHashMap<>();
        Map<String, double[]> torch = options.torchPython() != null ? runTorch(cases, torchInfo) : Map.of();
        for (Case c : cases) {
            double[] j = java.get(c.name);
            double[] t = torch.getOrDefault(c.name, new double[] {Double.NaN, Double.NaN});
            rows.add(new Row(c.name, c.what, j[0], j[1], t[0], t[1]));
        }
        return torchInfo;
    }

    // ---- The rows -------------------------------------------------------------------------------------

    List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        int k = options.quick() ? 2 : 4;

        Map<String, Object> sacFile = shipped("sac-halfcheetah.yaml");
        sacFile.put("learning_starts", 256);
        SacConfig sac = bind("sac", sacFile);
        out.add(offPolicy("sac_update_halfcheetah", "SAC update, HalfCheetah sizes (obs 17, act 6, "
                + Arrays.toString(sac.hidden()) + ", batch " + sac.batchSize() + ")", "sac", sac, 17, 6,
                sac.learningStarts(), k, Map.of("kind", "sac", "hidden", sac.hidden(), "batch", sac.batchSize(),
                        "gamma", sac.gamma(), "tau", sac.tau(), "policy_frequency", sac.policyFrequency(),
                        "q_lr", sac.qLr(), "policy_lr", sac.policyLr())));

        Map<String, Object> td3File = shipped("td3-halfcheetah.yaml");
        td3File.put("learning_starts", 256);
        Td3Config td3 = bind("td3", td3File);
        out.add(offPolicy("td3_update_halfcheetah", "TD3 update, HalfCheetah sizes (obs 17, act 6, "
                + Arrays.toString(td3.hidden()) + ", batch " + td3.batchSize() + ")", "td3", td3, 17, 6,
                td3.learningStarts(), k, Map.of("kind", "td3", "hidden", td3.hidden(), "batch", td3.batchSize(),
                        "gamma", td3.gamma(), "tau", td3.tau(), "policy_frequency", td3.policyFrequency(),
                        "policy_noise", td3.policyNoise(), "noise_clip", td3.noiseClip(), "critic_lr", td3.criticLr(),
                        "actor_lr", td3.actorLr())));

        Map<String, Object> dqnFile = shipped("dqn-cartpole.yaml");
        int dqnEnvs = numEnvs(dqnFile);
        dqnFile.remove("env");
        DqnConfig dqn = bind("dqn", dqnFile);
        AgentContext cartPole = context(Box.of(-5, 5, DType.FLOAT32, 4), new Discrete(2), dqnEnvs);
        Case dqnCase = new Case("dqn_update_cartpole", "DQN update, CartPole sizes (obs 4, 2 actions, "
                + Arrays.toString(dqn.hidden()) + ", batch " + dqn.batchSize() + ")", "update",
                Algorithms.get("dqn").create(cartPole, dqn, 1), cartPole, 0, Unit.UPDATES);
        dqnCase.torch(Map.of("kind", "dqn", "obs", 4, "actions", 2, "hidden", dqn.hidden(), "batch", dqn.batchSize(),
                "gamma", dqn.gamma(), "max_grad_norm", dqn.maxGradNorm(), "lr", 2.3e-3, "buffer", 10_000),
                dqn.gradientSteps(), dqn.gradientSteps());
        out.add(dqnCase);

        // The demo's PPO (examples/CartPolePpo: PpoConfig.defaults(), 8 envs) and ppo-halfcheetah.yaml.
        out.add(ppo("ppo_minibatch_cartpole", "PPO minibatch, CartPole sizes", PpoConfig.defaults(), 8,
                Box.of(-5, 5, DType.FLOAT32, 4), new Discrete(2)));
        Map<String, Object> ppoFile = shipped("ppo-halfcheetah.yaml");
        int ppoEnvs = numEnvs(ppoFile);
        ppoFile.remove("env");
        out.add(ppo("ppo_minibatch_halfcheetah", "PPO minibatch, HalfCheetah sizes", bind("ppo", ppoFile), ppoEnvs,
                Box.of(-10, 10, DType.FLOAT32, 17), Box.of(-1, 1, DType.FLOAT32, 6)));

        // Crafter's PPO: one minibatch of the shipped size per learn() (rollout = one minibatch), per frame.
        Map<String, Object> crafterFile = shipped("crafter-ppo.yaml");
        int crafterEnvs = numEnvs(crafterFile);
        crafterFile.remove("env");
        PpoConfig crafter = bind("ppo", crafterFile);
        int minibatch = crafter.batchSize(crafterEnvs) / crafter.numMinibatches();
        crafterFile.put("num_steps", minibatch / crafterEnvs);
        crafterFile.put("num_minibatches", 1);
        crafterFile.put("update_epochs", 1);
        PpoConfig oneMinibatch = bind("ppo", crafterFile);
        Space frames = Box.of(0, 255, DType.UINT8, 64, 64, 3);
        AgentContext crafterContext = context(frames, new Discrete(17), crafterEnvs);
        Agent cnn = Algorithms.get("ppo").create(crafterContext, oneMinibatch, 1);
        Case cnnFrames = new Case("cnn_frame_crafter", "Nature CNN 64x64x3 forward + backward + Adam, per frame (PPO "
                + "minibatch of " + minibatch + ")", "frame", cnn, crafterContext, 0, Unit.frames(minibatch));
        Map<String, Object> cnnSpec = Map.of("kind", "cnn_frames", "height", 64, "width", 64, "channels", 3,
                "actions", 17, "batch", minibatch, "minibatch", minibatch, "num_envs", crafterEnvs, "lr",
                crafter.learningRate());
        cnnFrames.torch(ppoSpec(cnnSpec, crafter), 1, minibatch);
        out.add(cnnFrames);
        Case act = new Case("cnn_act_batch8", "Nature CNN acting forward, batch of " + crafterEnvs + " frames",
                "call", cnn, crafterContext, 0, Unit.ACT);
        act.actCalls = options.quick() ? 5 : 20;
        act.torch(Map.of("kind", "cnn_act", "height", 64, "width", 64, "channels", 3, "actions", 17,
                "num_envs", crafterEnvs), act.actCalls, act.actCalls);
        out.add(act);
        return out;
    }

    private Case offPolicy(String name, String what, String algo, Record config, int obs, int act, long learningStarts,
                           int updates, Map<String, Object> torchSpec) {
        AgentContext context = context(Box.of(-10, 10, DType.FLOAT32, obs), Box.of(-1, 1, DType.FLOAT32, act), 1);
        Agent agent = Algorithms.get(algo).create(context, config, 1);
        // Fill the buffer up to one step before learning starts: then every block of k env steps is k updates.
        Case c = new Case(name, what, "update", agent, context, updates, Unit.UPDATES);
        c.fill = learningStarts - 1;
        Map<String, Object> spec = new LinkedHashMap<>(torchSpec);
        spec.put("obs", obs);
        spec.put("act", act);
        spec.put("buffer", 10_000);
        c.torch(spec, updates, updates);
        return c;
    }

    private Case ppo(String name, String what, PpoConfig config, int numEnvs, Space obsSpace, Space actionSpace) {
        // --quick: one epoch per rollout instead of the config's (same minibatch size, so the same cost per minibatch).
        PpoConfig c = config.withTotalSteps(Long.MAX_VALUE / 4);
        c = options.quick() ? c.withEpochs(1) : c;
        if (c.targetKl() > 0) {
            throw new IllegalStateException(name + ": the benchmark counts every minibatch; target_kl must be off");
        }
        int batch = c.batchSize(numEnvs);
        int minibatch = batch / c.numMinibatches();
        int obs = (int) ((Box) obsSpace).shape()[0];
        AgentContext context = context(obsSpace, actionSpace, numEnvs);
        Agent agent = Algorithms.get("ppo").create(context, c, 1);
        int minibatches = c.updateEpochs() * c.numMinibatches();
        Case out = new Case(name, what + " (obs " + obs + ", " + Arrays.toString(c.hidden()) + " tanh, minibatch "
                + minibatch + ", " + minibatches + " per rollout)", "minibatch", agent, context, 0,
                Unit.frames(minibatches));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("kind", "ppo");
        spec.put("obs", obs);
        if (actionSpace instanceof Discrete d) {
            spec.put("actions", (int) d.n());
        } else {
            spec.put("act", (int) ((Box) actionSpace).shape()[0]);
        }
        spec.put("hidden", c.hidden());
        spec.put("batch", batch);
        spec.put("minibatch", minibatch);
        spec.put("lr", c.learningRate());
        out.torch(ppoSpec(spec, c), minibatches, minibatches);
        return out;
    }

    private static Map<String, Object> ppoSpec(Map<String, Object> spec, PpoConfig c) {
        Map<String, Object> out = new LinkedHashMap<>(spec);
        out.put("clip_coef", c.clipCoef());
        out.put("ent_coef", c.entCoef());
        out.put("vf_coef", c.vfCoef());
        out.put("max_grad_norm", c.maxGradNorm());
        return out;
    }

    private Map<String, Object> shipped(String file) throws IOException {
        Map<String, Object> map = Configs.readFile(root.resolve("java-agent/agents/configs").resolve(file));
        for (String key : List.of("algo", "steps", "seed", "trainer")) {
            map.remove(key);
        }
        return map;
    }

    private static int numEnvs(Map<String, Object> file) {
        String env = String.valueOf(file.get("env"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("num_envs=(\\d+)").matcher(env);
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    @SuppressWarnings("unchecked")
    private static <C extends Record> C bind(String algo, Map<String, Object> values) {
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.remove("env");
        if (!algo.equals("ppo")) {
            // A replay buffer's capacity does not change an update's cost; 100k keeps the benchmark's memory small.
            copy.put("buffer_size", 100_000);
        }
        Algorithm<?> algorithm = Algorithms.get(algo);
        return (C) Configs.bind(algorithm.defaults(), copy, "the benchmark's " + algo + " config");
    }

    private static AgentContext context(Space obs, Space act, int numEnvs) {
        return new AgentContext(obs, act, numEnvs, "bench", Long.MAX_VALUE / 4);
    }

    // ---- Timing -----------------------------------------------------------------------------------------

    /** What a row divides a block's time by. */
    record Unit(String kind, int perBlock) {
        static final Unit UPDATES = new Unit("updates", 0);
        static final Unit ACT = new Unit("act", 0);

        static Unit frames(int n) {
            return new Unit("fixed", n);
        }
    }

    /** One row: an agent fed by a synthetic env, and how a block of its work is run and counted. */
    static final class Case {
        final String name;
        final String what;
        final String unit;
        final Agent agent;
        final int numEnvs;
        final int obsSize;
        final boolean image;
        final int stepsPerBlock;
        final Unit units;
        long fill;
        int actCalls;
        Map<String, Object> torchSpec;
        private final Random random = new Random(1);
        private INDArray observations;

        Case(String name, String what, String unit, Agent agent, AgentContext context, int stepsPerBlock, Unit units) {
            this.name = name;
            this.numEnvs = context.numEnvs();
            this.obsSize = context.observations().size();
            this.image = context.observationSpace() instanceof Box box && box.dtype() == DType.UINT8;
            this.what = what;
            this.unit = unit;
            this.agent = agent;
            this.stepsPerBlock = stepsPerBlock;
            this.units = units;
        }

        void torch(Map<String, Object> spec, int calls, int torchUnits) {
            torchSpec = new LinkedHashMap<>(spec);
            torchSpec.put("name", name);
            torchSpec.put("calls", calls);
            torchSpec.put("units", torchUnits);
        }

        /**
         * Median CPU and wall milliseconds per unit over {@code repeats} timed blocks after {@code warmup} blocks
         * and at least {@code warmupSeconds} of warm-up.
         */
        double[] measure(int warmup, double warmupSeconds, int repeats) {
            observations = randomObservations();
            for (long i = 0; i < fill; i++) {
                step();
            }
            // Warm up for at least warmupSeconds too: HotSpot compiles an update's hot code over its first hundreds
            // of calls, and that compilation (C2 threads, counted in the process CPU) is not what a training run of
            // many thousand updates pays per update. With 6 warm-up blocks alone a SAC update measured 12.3 ms CPU for
            // 9.3 ms wall; after 3 s of warm-up 9.0 ms CPU for 8.5 ms wall.
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            for (int block = 0; block < warmup || System.nanoTime() < warmEnd; block++) {
                block();
            }
            double[] cpu = new double[repeats];
            double[] wall = new double[repeats];
            for (int block = 0; block < repeats; block++) {
                double[] t = block();
                cpu[block] = t[0];
                wall[block] = t[1];
            }
            return new double[] {median(cpu), median(wall)};
        }

        /** One block: feed transitions (untimed) until the agent has learning to do, then time it. */
        private double[] block() {
            if (units == Unit.ACT) {
                long c0 = processCpuNanos();
                long w0 = System.nanoTime();
                for (int i = 0; i < actCalls; i++) {
                    agent.act(observations, false);
                }
                return new double[] {(processCpuNanos() - c0) / 1e6 / actCalls, (System.nanoTime() - w0) / 1e6 / actCalls};
            }
            int stepped = 0;
            while (!agent.readyToLearn() || stepped < stepsPerBlock) {
                step();
                stepped++;
            }
            long c0 = processCpuNanos();
            long w0 = System.nanoTime();
            Map<String, Double> stats = agent.learn(observations);
            long cpu = processCpuNanos() - c0;
            long wall = System.nanoTime() - w0;
            double n = units == Unit.UPDATES ? stats.get("updates") - updatesBefore : units.perBlock();
            updatesBefore = units == Unit.UPDATES ? stats.get("updates") : 0;
            if (n <= 0) {
                throw new IllegalStateException(name + ": learn() ran no update");
            }
            return new double[] {cpu / 1e6 / n, wall / 1e6 / n};
        }

        private double updatesBefore;

        /** One synthetic vector step: the agent acts (exploring), the env answers with random data. */
        private void step() {
            INDArray actions = agent.act(observations, true);
            INDArray next = randomObservations();
            double[] rewards = new double[numEnvs];
            boolean[] terminated = new boolean[numEnvs];
            boolean[] valid = new boolean[numEnvs];
            for (int i = 0; i < numEnvs; i++) {
                rewards[i] = random.nextGaussian();
                terminated[i] = random.nextInt(200) == 0;
                valid[i] = true;
            }
            agent.observe(new Transition(observations, actions, rewards, terminated, new boolean[numEnvs], next, valid));
            observations = next;
        }

        /** A batch [numEnvs, obsSize]: uint8 pixel values for images, standard normal features otherwise. */
        private INDArray randomObservations() {
            float[] values = new float[numEnvs * obsSize];
            for (int i = 0; i < values.length; i++) {
                values[i] = image ? random.nextInt(256) : (float) random.nextGaussian();
            }
            return HostArrays.toArray(values, numEnvs, obsSize);
        }
    }

    // Per-thread CPU last read (tid -> ns), and the CPU of threads gone since: see processCpuNanos.
    private static Map<String, Long> liveThreads = new java.util.HashMap<>();
    private static long retiredNanos;

    /**
     * CPU time of the whole process in nanoseconds: the sum over its threads of /proc/self/task/{@literal *}/schedstat
     * (nanosecond resolution, native BLAS/OpenMP threads included), else the JVM's process CPU time. A thread that
     * ends (a JIT compiler or GC thread, a pool's idle worker) takes its time out of /proc with it, so the CPU it had
     * when last read is kept: otherwise a difference of two readings could go negative.
     */
    static synchronized long processCpuNanos() {
        Map<String, Long> now = new java.util.HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String s = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII);
                    now.put(task.getFileName().toString(), Long.parseLong(s.substring(0, s.indexOf(' '))));
                } catch (IOException | RuntimeException ignored) {
                    // the thread ended between listing and reading: its last reading is kept below
                }
            }
        } catch (IOException | RuntimeException e) {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
        for (Map.Entry<String, Long> seen : liveThreads.entrySet()) {
            Long current = now.get(seen.getKey());
            if (current == null || current < seen.getValue()) {   // ended, or its id reused by a new thread
                retiredNanos += seen.getValue();
            }
        }
        liveThreads = now;
        long sum = retiredNanos;
        for (long v : now.values()) {
            sum += v;
        }
        return sum;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    // ---- PyTorch ----------------------------------------------------------------------------------------

    /** Runs the torch script on the same rows; returns per row {median CPU ms, median wall ms}. */
    private Map<String, double[]> runTorch(List<Case> cases, Map<String, Object> info) throws Exception {
        Path script = root.resolve("python-env-server/scripts/bench_learners_torch.py");
        Path spec = Files.createTempFile("gymbridge-learners", ".json");
        Path log = Files.createTempFile("gymbridge-learners", ".log");
        try {
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("threads", options.threads());
            request.put("warmup", warmup);
            request.put("repeats", options.repeats());
            List<Object> rows = new ArrayList<>();
            for (Case c : cases) {
                rows.add(c.torchSpec);
            }
            request.put("rows", rows);
            Files.writeString(spec, Configs.toJson(request));
            ProcessBuilder pb = new ProcessBuilder(options.torchPython().toString(), script.toString(), spec.toString())
                    .redirectError(log.toFile());
            pb.environment().put("OMP_NUM_THREADS", Integer.toString(options.threads()));
            pb.environment().put("MKL_NUM_THREADS", Integer.toString(options.threads()));
            Process p = pb.start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("the torch benchmark failed (" + options.torchPython() + " " + script
                        + "):\n" + Files.readString(log));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> result = (Map<String, Object>) Configs.parseJson(stdout.trim());
            info.put("python", options.torchPython().toString());
            info.put("version", result.get("torch"));
            info.put("threads", result.get("threads"));
            Map<String, double[]> out = new LinkedHashMap<>();
            for (Object o : (List<?>) result.get("rows")) {
                Map<?, ?> row = (Map<?, ?>) o;
                double[] cpu = ((List<?>) row.get("cpu_ms")).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
                double[] wall = ((List<?>) row.get("wall_ms")).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
                out.put(String.valueOf(row.get("name")), new double[] {median(cpu), median(wall)});
                System.err.printf(Locale.ROOT, "bench: %-26s torch %7.3f ms CPU, %7.3f ms wall%n", row.get("name"),
                        median(cpu), median(wall));
            }
            return out;
        } finally {
            Files.deleteIfExists(spec);
            Files.deleteIfExists(log);
        }
    }

    // ---- Output -----------------------------------------------------------------------------------------

    private Map<String, Object> json(List<Row> rows, Map<String, Object> torch, Instant started, String loadBefore) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("started", started.toString());
        json.put("quick", options.quick());
        json.put("threads", options.threads());
        json.put("warmup_blocks", warmup);
        json.put("repeats", options.repeats());
        json.put("statistic", "median over blocks; CPU = all threads of the process");
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("loadavg_before", loadBefore);
        machine.put("loadavg_after", BenchProcesses.loadAverage());
        machine.put("java", System.getProperty("java.version"));
        json.put("machine", machine);
        json.put("torch", torch.isEmpty() ? null : torch);
        List<Object> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", r.name());
            row.put("what", r.what());
            row.put("java_cpu_ms", r.javaCpuMs());
            row.put("java_wall_ms", r.javaWallMs());
            row.put("torch_cpu_ms", r.torchCpuMs());
            row.put("torch_wall_ms", r.torchWallMs());
            row.put("ratio", r.ratio());
            out.add(row);
        }
        json.put("rows", out);
        return json;
    }

    static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-26s %12s %12s %12s %12s %8s%n", "row", "java CPU ms", "java wall ms",
                "torch CPU ms", "torch wall", "ratio"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-26s %12.3f %12.3f %12s %12s %8s%n", r.name(), r.javaCpuMs(),
                    r.javaWallMs(), fmt(r.torchCpuMs()), fmt(r.torchWallMs()),
                    Double.isNaN(r.ratio()) ? "-" : String.format(Locale.ROOT, "%.2fx", r.ratio())));
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
