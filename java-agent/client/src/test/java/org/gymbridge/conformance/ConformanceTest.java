package org.gymbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.MakeOptions;
import org.gymbridge.client.ResetRequiredException;
import org.gymbridge.client.SpaceDescription;
import org.gymbridge.client.TestPython;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.Env;
import org.gymbridge.env.Infos;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The environment conformance suite, from the Java side, against one real server for the whole matrix:
 * what Gymnasium's env checker checks, plus fidelity. For every env of {@link #MATRIX}:
 * <ul>
 *   <li>the four spaces (single and batched observation and action) and their dtypes are the ones
 *       in-process Gymnasium reports, bit for bit (bounds included);</li>
 *   <li>{@code reset(seed)} is deterministic (twice in one session, and in a fresh session);</li>
 *   <li>every observation the bridge returns lies in its space ({@link Space#contains}), final
 *       observations of SAME_STEP too;</li>
 *   <li>for each autoreset mode (NEXT_STEP, SAME_STEP, DISABLED with masked resets), a rollout with the
 *       same seed and actions is bit-identical to in-process Gymnasium — observations, rewards, flags and
 *       every info (masks, final observations and final infos) — and episodes really end in it, and the
 *       mode's own guarantees hold (no final observation or info is lost).</li>
 * </ul>
 * The reference comes from one run of conformance_reference.py with the venv's Python, computed now.
 * Left out, and why: Box2D ids (box2d is not installed here; ListEnvs reports them unavailable), the
 * jax-based phys2d/* and tabular/* ids (jax is not installed), MuJoCo v2-v4 ids (mujoco-py / older
 * versions; the issue asks for v5), FrozenLake8x8-v1 and CartPole-v0 (same code as FrozenLake-v1 with
 * map_name=8x8 and CartPole-v1, which are covered), the real MineRL ids (MineRL cannot be installed here;
 * the matrix covers its documented spaces through the server's MineRL adapter on the gymbridge/MineRL*Spaces fakes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConformanceTest {

    /** One env of the matrix: id, kwargs and a rollout long enough to cross episode ends. */
    record Case(String name, String envId, int numEnvs, int steps, long seed, Map<String, Object> kwargs,
                int maxEpisodeSteps, List<MakeOptions.Wrapper> wrappers) {
        @Override
        public String toString() {
            return name;
        }

        MakeOptions options(AutoresetMode mode) {
            MakeOptions.Builder b = MakeOptions.builder().numEnvs(numEnvs).kwargs(kwargs).autoreset(mode)
                    .maxEpisodeSteps(maxEpisodeSteps);
            wrappers.forEach(w -> b.wrapper(w.name(), w.kwargs()));
            return b.build();
        }
    }

    private static Case c(String envId, int numEnvs, int steps, int maxEpisodeSteps) {
        return new Case(envId, envId, numEnvs, steps, 11, Map.of(), maxEpisodeSteps, List.of());
    }

    /** The matrix (episodes end in every rollout: by termination, or by the time limit given here). */
    static final List<Case> MATRIX = List.of(
            // toy text
            c("FrozenLake-v1", 3, 60, 0),
            new Case("FrozenLake-v1[map_name=8x8]", "FrozenLake-v1", 3, 60, 5, Map.of("map_name", "8x8"), 30, List.of()),
            c("Taxi-v4", 2, 60, 25),
            c("CliffWalking-v1", 2, 60, 25),
            c("CliffWalkingSlippery-v1", 2, 60, 25),
            c("Blackjack-v1", 3, 40, 0),
            // classic control (CartPole also carries RecordEpisodeStatistics' infos through all three modes)
            new Case("CartPole-v1[RecordEpisodeStatistics]", "CartPole-v1", 3, 120, 3, Map.of(), 0,
                    List.of(new MakeOptions.Wrapper("RecordEpisodeStatistics", Map.of()))),
            c("MountainCar-v0", 2, 60, 25),
            c("MountainCarContinuous-v0", 2, 60, 25),
            c("Acrobot-v1", 2, 60, 25),
            c("Pendulum-v1", 2, 60, 25),
            // MuJoCo v5
            c("HalfCheetah-v5", 2, 40, 15),
            c("Hopper-v5", 2, 40, 15),
            c("Walker2d-v5", 2, 40, 15),
            c("Ant-v5", 2, 30, 12),
            c("Humanoid-v5", 2, 30, 12),
            c("Reacher-v5", 2, 40, 15),
            c("InvertedPendulum-v5", 2, 40, 15),
            // composite spaces: Dict (with nested Dict, Tuple and Text leaves), Tuple, Text
            c("gymbridge/AllSpaces-v0", 2, 14, 0),
            c("gymbridge/TupleSpace-v0", 2, 40, 12),
            c("gymbridge/TextSpace-v0", 2, 40, 12),
            // infos of every numeric width, bool, str, arrays and nested dicts, with masks that differ per env
            c("gymbridge/InfoTypes-v0", 3, 14, 0),
            // MineRL's documented spaces (Dict pov/compass/inventory observations, Dict button/camera actions)
            // through the server's real MineRL adapter, on fakes (the real MineRL cannot be installed here)
            c("gymbridge/MineRLTreechopSpaces-v0", 2, 14, 6),
            c("gymbridge/MineRLNavigateDenseSpaces-v0", 2, 14, 6),
            // Minecraft-like: 64x64x3 uint8 frames, 17 actions (a reset builds a world, ~0.5 s: one env, one autoreset)
            c("Crafter-v1", 1, 7, 5));

    private static final List<AutoresetMode> MODES = List.of(AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP,
            AutoresetMode.DISABLED);

    private GymBridgeClient client;
    /** Per case: the four space descriptions and the sampled batched actions. */
    private final Map<String, List<String>> javaSpaces = new LinkedHashMap<>();
    private final Map<String, List<Value>> actions = new LinkedHashMap<>();
    /** Per case: "space" line and per mode the reference transcript. */
    private final Map<String, String> refSpaces = new LinkedHashMap<>();
    private final Map<String, Map<AutoresetMode, List<String>>> reference = new LinkedHashMap<>();
    private final Map<String, Rollout> rollouts = new ConcurrentHashMap<>();

    @BeforeAll
    void startServerAndComputeTheReference() throws Exception {
        client = GymBridge.connect("local:");
        StringBuilder job = new StringBuilder("{\"cases\": [\n");
        for (Case k : MATRIX) {
            try (VectorEnv env = client.makeVec(k.envId(), k.options(AutoresetMode.NEXT_STEP))) {
                javaSpaces.put(k.name(), List.of(SpaceDescription.describe(env.singleObservationSpace()),
                        SpaceDescription.describe(env.singleActionSpace()),
                        SpaceDescription.describe(env.observationSpace()),
                        SpaceDescription.describe(env.actionSpace())));
                SplittableRandom rng = new SplittableRandom(k.seed() * 7919 + k.name().hashCode());
                List<Value> acts = new ArrayList<>();
                for (int t = 0; t < k.steps(); t++) {
                    acts.add(env.actionSpace().sample(rng));
                }
                actions.put(k.name(), acts);
            }
            job.append(job.length() > 14 ? ",\n" : "").append(caseJson(k));
        }
        job.append("\n]}\n");
        Path jobFile = Files.createTempFile("gymbridge-conformance", ".json");
        try {
            Files.writeString(jobFile, job);
            List<String> out = TestPython.run("conformance_reference.py", List.of(jobFile.toString()), 600);
            parseReference(out);
        } finally {
            Files.deleteIfExists(jobFile);
        }
    }

    @AfterAll
    void stopServer() {
        if (client != null) {
            client.close();
        }
    }

    static Stream<Case> cases() {
        return MATRIX.stream();
    }

    static Stream<Arguments> casesAndModes() {
        return MATRIX.stream().flatMap(k -> MODES.stream().map(m -> Arguments.of(k, m)));
    }

    // ---- the checks ------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void spacesAndDtypesAreGymnasiums(Case k) {
        String[] python = refSpaces.get(k.name()).split("\\|");
        List<String> java = javaSpaces.get(k.name());
        String[] what = {"single observation space", "single action space", "observation space", "action space"};
        for (int i = 0; i < 4; i++) {
            assertEquals(python[i], java.get(i), k + ": " + what[i]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void resetWithASeedIsDeterministic(Case k) {
        List<String> first = new ArrayList<>();
        List<String> again = new ArrayList<>();
        List<String> fresh = new ArrayList<>();
        List<String> other = new ArrayList<>();
        try (VectorEnv env = client.makeVec(k.envId(), k.options(AutoresetMode.NEXT_STEP))) {
            emitReset(env.reset(k.seed()), first);
            env.step(actions.get(k.name()).get(0));
            emitReset(env.reset(k.seed()), again);
            emitReset(env.reset(k.seed() + 1000), other);
        }
        try (VectorEnv env = client.makeVec(k.envId(), k.options(AutoresetMode.NEXT_STEP))) {
            emitReset(env.reset(k.seed()), fresh);
        }
        assertEquals(first, again, k + ": reset(seed) twice in one session");
        assertEquals(first, fresh, k + ": reset(seed) in a fresh session");
        assertEquals(reference.get(k.name()).get(AutoresetMode.NEXT_STEP).subList(0, first.size()), first,
                k + ": the first reset equals Gymnasium's");
        if (!k.envId().startsWith("Blackjack") && !k.envId().startsWith("CliffWalking")
                && !k.envId().startsWith("FrozenLake")) {
            // (A card game can deal the same hand; CliffWalking and FrozenLake always start in the same cell.)
            assertFalse(first.equals(other), k + ": another seed gives another start");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("casesAndModes")
    void trajectoriesAreBitIdenticalToGymnasium(Case k, AutoresetMode mode) {
        Rollout r = rollout(k, mode);
        List<String> ref = reference.get(k.name()).get(mode);
        for (int i = 0; i < Math.min(ref.size(), r.lines().size()); i++) {
            assertEquals(ref.get(i), r.lines().get(i), k + " " + mode + ": transcript line " + i);
        }
        assertEquals(ref.size(), r.lines().size(), k + " " + mode + ": transcript length");
        assertTrue(r.episodeEnds() > 0, k + " " + mode + ": the rollout must cross an episode end");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("casesAndModes")
    void everyObservationLiesInItsSpace(Case k, AutoresetMode mode) {
        Rollout r = rollout(k, mode);
        assertTrue(r.outsideSpace().isEmpty(), k + " " + mode + ": " + r.outsideSpace());
        assertTrue(r.observationsChecked() > k.steps(), "checked " + r.observationsChecked());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void nextStepAutoresetStartsTheNextEpisodeOnTheFollowingStep(Case k) {
        Rollout r = rollout(k, AutoresetMode.NEXT_STEP);
        int checked = 0;
        for (int t = 0; t + 1 < r.steps().size(); t++) {
            StepResult s = r.steps().get(t);
            StepResult next = r.steps().get(t + 1);
            for (int i = 0; i < s.numEnvs(); i++) {
                if (s.done(i)) {
                    // Gymnasium's NEXT_STEP: the step after a done ignores the action, resets, and reports
                    // the first observation with reward 0 and no done.
                    assertEquals(0.0, next.rewards()[i], k + " step " + (t + 1) + " env " + i + ": reset step reward");
                    assertFalse(next.done(i), k + " step " + (t + 1) + " env " + i + ": reset step is not done");
                    checked++;
                }
            }
        }
        assertTrue(checked > 0, k + ": no episode ended before the last step");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameStepAutoresetLosesNoFinalObservationOrInfo(Case k) {
        Rollout r = rollout(k, AutoresetMode.SAME_STEP);
        int checked = 0;
        for (StepResult s : r.steps()) {
            Infos infos = s.infoView();
            for (int i = 0; i < s.numEnvs(); i++) {
                assertEquals(s.done(i), infos.has("final_obs", i), k + " env " + i + ": final_obs exactly when done");
                assertEquals(s.done(i), infos.has("final_info", i), k + " env " + i + ": final_info exactly when done");
                if (s.done(i)) {
                    assertNotNull(infos.finalInfo(i).orElseThrow());
                    checked++;
                }
            }
        }
        assertTrue(checked > 0, k + ": no episode ended");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void disabledAutoresetWaitsForAMaskedResetThatKeepsTheOtherEnvs(Case k) {
        Rollout r = rollout(k, AutoresetMode.DISABLED);
        assertTrue(r.maskedResets() > 0, k + ": no masked reset happened");
        assertTrue(r.keptObservations() >= 0);
    }

    @Test
    void disabledAutoresetRejectsSteppingAnEndedEnvUntilItIsReset() {
        try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2)
                .autoreset(AutoresetMode.DISABLED).build())) {
            env.reset(0);
            Tensor left = Tensor.ofLongs(new long[] {0, 0});
            StepResult s;
            do {
                s = env.step(left);
            } while (!s.done(0) && !s.done(1));
            ResetRequiredException e = assertThrows(ResetRequiredException.class, () -> env.step(left));
            assertTrue(e.getMessage().contains("reset_mask"), e.getMessage());
            env.reset(null, new boolean[] {s.done(0), s.done(1)}, null);
            env.step(left); // accepted again
        }
    }

    @Test
    void crafterObservationsAreUint8Frames64x64x3() {
        try (Env env = client.make("Crafter-v1", MakeOptions.builder().renderMode("rgb_array").build())) {
            Tensor first = env.reset(1).observation().asTensor();
            assertEquals(DType.UINT8, first.dtype());
            assertArrayEquals(new long[] {64, 64, 3}, first.shape());
            SplittableRandom rng = new SplittableRandom(1);
            for (int t = 0; t < 5; t++) {
                Env.EnvStepResult s = env.step(env.actionSpace().sample(rng));
                Tensor obs = s.observation().asTensor();
                assertEquals(DType.UINT8, obs.dtype());
                assertArrayEquals(new long[] {64, 64, 3}, obs.shape());
                assertTrue(s.info().has("achievements") || s.info().has("inventory"), "Crafter infos: " + s.info().entries().keySet());
            }
            Tensor frame = env.render().asTensor();
            assertEquals(DType.UINT8, frame.dtype());
            assertEquals(3, frame.shape()[2]);
        }
    }

    // ---- rollouts through the bridge ------------------------------------------------------------

    /** What one rollout produced: the transcript, the raw steps, and what the checks counted. */
    record Rollout(List<String> lines, List<StepResult> steps, int episodeEnds, List<String> outsideSpace,
                   int observationsChecked, int maskedResets, int keptObservations) {
    }

    private Rollout rollout(Case k, AutoresetMode mode) {
        return rollouts.computeIfAbsent(k.name() + "/" + mode, key -> runRollout(k, mode));
    }

    private Rollout runRollout(Case k, AutoresetMode mode) {
        List<String> lines = new ArrayList<>();
        List<StepResult> steps = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        int[] checked = {0};
        int ends = 0;
        int masked = 0;
        int kept = 0;
        try (VectorEnv env = client.makeVec(k.envId(), k.options(mode))) {
            assertEquals(mode, env.autoresetMode());
            ResetResult reset = env.reset(k.seed());
            Transcript.emit("reset obs", reset.observations(), lines);
            Transcript.emit("reset info", reset.infos(), lines);
            check(env.observationSpace(), reset.observations(), "reset", outside, checked);
            int t = 0;
            for (Value action : actions.get(k.name())) {
                StepResult s = env.step(action);
                steps.add(s);
                Transcript.emit("obs", s.observations(), lines);
                Transcript.emit("rew", Tensor.ofDoubles(s.rewards()), lines);
                Transcript.emit("term", Tensor.ofBools(s.terminated()), lines);
                Transcript.emit("trunc", Tensor.ofBools(s.truncated()), lines);
                Transcript.emit("info", s.infos(), lines);
                check(env.observationSpace(), s.observations(), "step " + t, outside, checked);
                boolean[] done = new boolean[s.numEnvs()];
                boolean any = false;
                for (int i = 0; i < done.length; i++) {
                    done[i] = s.done(i);
                    any |= done[i];
                    ends += done[i] ? 1 : 0;
                    if (done[i] && mode == AutoresetMode.SAME_STEP) {
                        Value last = s.infoView().finalObservation(i).orElse(null);
                        if (last == null) {
                            outside.add("step " + t + " env " + i + ": no final observation");
                        } else {
                            check(env.singleObservationSpace(), last, "final obs step " + t + " env " + i, outside, checked);
                        }
                    }
                }
                if (mode == AutoresetMode.DISABLED && any) {
                    ResetResult m = env.reset(null, done, null);
                    masked++;
                    Transcript.emit("mreset obs", m.observations(), lines);
                    Transcript.emit("mreset info", m.infos(), lines);
                    check(env.observationSpace(), m.observations(), "masked reset " + t, outside, checked);
                    kept += keptObservations(s.observations(), m.observations(), done, k, t);
                }
                t++;
            }
        }
        return new Rollout(lines, steps, ends, outside, checked[0], masked, kept);
    }

    /** Asserts that a masked reset left the envs it did not reset exactly as they were; returns how many. */
    private static int keptObservations(Value before, Value after, boolean[] done, Case k, int t) {
        int kept = 0;
        if (before instanceof Tensor b && after instanceof Tensor a) {
            for (int i = 0; i < done.length; i++) {
                if (!done[i]) {
                    assertEquals(b.get(i), a.get(i), k + " step " + t + ": env " + i + " was not reset, its observation stays");
                    kept++;
                }
            }
        }
        return kept;
    }

    private static void check(Space space, Value v, String where, List<String> outside, int[] checked) {
        checked[0]++;
        if (!space.contains(v)) {
            outside.add(where + ": " + v + " not in " + space);
        }
    }

    private static void emitReset(ResetResult r, List<String> out) {
        Transcript.emit("reset obs", r.observations(), out);
        Transcript.emit("reset info", r.infos(), out);
    }

    // ---- the reference --------------------------------------------------------------------------

    private String caseJson(Case k) {
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"name\": ").append(Transcript.json(k.name()));
        sb.append(", \"env_id\": ").append(Transcript.json(k.envId()));
        sb.append(", \"num_envs\": ").append(k.numEnvs());
        sb.append(", \"seed\": ").append(k.seed());
        sb.append(", \"max_episode_steps\": ").append(k.maxEpisodeSteps());
        sb.append(", \"kwargs\": ").append(kwargsJson(k.kwargs()));
        sb.append(", \"wrappers\": [");
        for (int i = 0; i < k.wrappers().size(); i++) {
            MakeOptions.Wrapper w = k.wrappers().get(i);
            sb.append(i == 0 ? "" : ", ").append("[").append(Transcript.json(w.name())).append(", ")
                    .append(kwargsJson(w.kwargs())).append("]");
        }
        sb.append("], \"actions\": [");
        List<Value> acts = actions.get(k.name());
        for (int i = 0; i < acts.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(Transcript.actionJson(acts.get(i)));
        }
        return sb.append("]}").toString();
    }

    private static String kwargsJson(Map<String, Object> kwargs) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            Object v = e.getValue();
            String json = v instanceof String s ? Transcript.json(s) : v == null ? "null" : String.valueOf(v);
            sb.append(sb.length() == 1 ? "" : ", ").append(Transcript.json(e.getKey())).append(": ").append(json);
        }
        return sb.append("}").toString();
    }

    private void parseReference(List<String> out) {
        String name = null;
        List<String> current = null;
        for (String line : out) {
            if (line.startsWith("case ")) {
                name = line.substring(5);
                reference.put(name, new EnumMap<>(AutoresetMode.class));
                current = null;
            } else if (line.startsWith("space ")) {
                refSpaces.put(name, line.substring(6));
            } else if (line.startsWith("mode ")) {
                current = new ArrayList<>();
                reference.get(name).put(AutoresetMode.fromUrlName(line.substring(5)), current);
            } else if (current != null) {
                current.add(line);
            }
        }
        for (Case k : MATRIX) {
            assertEquals(3, reference.getOrDefault(k.name(), Map.of()).size(), "reference for " + k);
        }
    }
}
