package org.gymbridge.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.gymbridge.client.EnvInfo;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.GymBridgeException;
import org.gymbridge.client.MakeOptions;
import org.gymbridge.client.ResetRequiredException;
import org.gymbridge.client.ServerInfo;
import org.gymbridge.client.SnapshotUnsupportedException;
import org.gymbridge.env.Env;
import org.gymbridge.env.Snapshot;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Snapshot conformance: for every env family the server can snapshot, reset, step a random number of steps,
 * snapshot every env, run ahead, restore, and run the same actions again: the second run equals the first in
 * observations, rewards, flags and every info (as transcript lines, so RecordEpisodeStatistics' wall-clock time
 * is the only thing left out), in {@code sync} and {@code workers} sessions; refused envs say why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnapshotConformanceTest {

    /** One env: id, kwargs, wrappers, time limit (short, so the runs cross episode ends), vectorization. */
    record Case(String name, String envId, Map<String, Object> kwargs, String wrapper, int limit, String vectorization) {
        @Override
        public String toString() {
            return name;
        }

        MakeOptions options() {
            MakeOptions.Builder b = MakeOptions.builder().numEnvs(2).kwargs(kwargs).maxEpisodeSteps(limit)
                    .vectorization(vectorization);
            if (!wrapper.isEmpty()) {
                b.wrapper(wrapper, Map.of());
            }
            return b.build();
        }
    }

    private static Case c(String envId, int limit) {
        return new Case(envId, envId, Map.of(), "", limit, "sync");
    }

    static final List<Case> CASES = List.of(
            new Case("FrozenLake-v1[slippery]", "FrozenLake-v1", Map.of("is_slippery", true), "", 15, "sync"),
            new Case("FrozenLake-v1[8x8]", "FrozenLake-v1", Map.of("map_name", "8x8"), "", 15, "sync"),
            c("Taxi-v4", 12),
            c("CliffWalkingSlippery-v1", 10),
            c("Blackjack-v1", 0),
            new Case("CartPole-v1[RecordEpisodeStatistics]", "CartPole-v1", Map.of(), "RecordEpisodeStatistics", 20, "sync"),
            c("MountainCarContinuous-v0", 15),
            c("Acrobot-v1", 15),
            new Case("Pendulum-v1[NormalizeObservation]", "Pendulum-v1", Map.of(), "NormalizeObservation", 15, "sync"),
            c("HalfCheetah-v5", 15),
            c("Walker2d-v5", 15),
            c("Ant-v5", 12),
            c("Crafter-v1", 12),
            new Case("FrozenLake-v1[slippery,workers]", "FrozenLake-v1", Map.of("is_slippery", true), "", 15, "workers"),
            new Case("Hopper-v5[workers]", "Hopper-v5", Map.of(), "", 15, "workers"),
            new Case("Crafter-v1[workers]", "Crafter-v1", Map.of(), "", 12, "workers"));

    private GymBridgeClient client;

    @BeforeAll
    void startServer() {
        client = GymBridge.connect("local:");
    }

    @AfterAll
    void stopServer() {
        if (client != null) {
            client.close();
        }
    }

    static List<Case> cases() {
        return CASES;
    }

    private static List<String> run(VectorEnv env, List<Value> actions) {
        List<String> lines = new ArrayList<>();
        for (Value a : actions) {
            StepResult s = env.step(a);
            Transcript.emit("obs", s.observations(), lines);
            Transcript.emit("rew", Tensor.ofDoubles(s.rewards()), lines);
            Transcript.emit("term", Tensor.ofBools(s.terminated()), lines);
            Transcript.emit("trunc", Tensor.ofBools(s.truncated()), lines);
            Transcript.emit("info", s.infos(), lines);
        }
        return lines;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aRestoredEnvReplaysBitIdentically(Case k) {
        SplittableRandom rng = new SplittableRandom(k.name().hashCode());
        try (VectorEnv env = client.makeVec(k.envId(), k.options())) {
            env.reset(rng.nextInt(1000));
            int before = 1 + rng.nextInt(25);
            for (int t = 0; t < before; t++) {
                env.step(env.actionSpace().sample(rng));
            }
            List<Value> actions = new ArrayList<>();
            for (int t = 0; t < 30; t++) {
                actions.add(env.actionSpace().sample(rng));
            }
            List<Snapshot> snaps = List.of(env.snapshot(0), env.snapshot(1));
            List<String> first = run(env, actions);
            assertTrue(first.stream().anyMatch(l -> l.startsWith("term") || l.startsWith("trunc")));
            for (Snapshot s : snaps) {
                env.restore(s.envIndex(), s);
            }
            assertEquals(first, run(env, actions), k + ": the run after restore (snapshot at step " + before + ")");
            for (Snapshot s : snaps) {
                env.restore(s.envIndex(), s);
            }
            assertEquals(first, run(env, actions), k + ": a second restore of the same snapshots");
            snaps.forEach(Snapshot::close);
            assertTrue(snaps.get(0).isClosed());
            assertThrows(IllegalStateException.class, () -> env.restore(0, snaps.get(0)));
        }
    }

    @Test
    void allEnvsAreSnapshottedAndRestoredInOneCall() {
        // a planner's lanes: every env of a slippery lake at the same state, each reseeded differently
        MakeOptions options = MakeOptions.builder().numEnvs(6).kwargs(Map.of("is_slippery", true)).build();
        Value right = Tensor.ofLongs(new long[] {2, 2, 2, 2, 2, 2}, 6);
        try (VectorEnv env = client.makeVec("FrozenLake-v1", options)) {
            env.reset(new long[] {5, 5, 5, 5, 5, 5});
            Snapshot[] lanes = env.snapshotAll();
            assertEquals(6, lanes.length);
            for (int i = 0; i < 6; i++) {
                assertEquals(i, lanes[i].envIndex());
            }
            List<String> first = run(env, List.of(right, right, right));
            env.restoreAll(lanes, null);
            assertEquals(first, run(env, List.of(right, right, right)), "restored without reseeding: the same future");
            long[] reseeds = {11, 12, 13, 14, 15, 16};
            env.restoreAll(lanes, reseeds);
            List<String> reseeded = run(env, List.of(right, right, right));
            assertNotEquals(first, reseeded, "reseeded lanes slip otherwise");
            env.restoreAll(lanes, reseeds);
            assertEquals(reseeded, run(env, List.of(right, right, right)), "the same reseeds, the same outcomes");
            assertThrows(IllegalArgumentException.class, () -> env.restoreAll(new Snapshot[] {lanes[0]}, null));
            env.releaseAll(lanes);
            for (Snapshot s : lanes) {
                assertTrue(s.isClosed());
            }
            assertThrows(IllegalStateException.class, () -> env.restoreAll(lanes, null));
            Snapshot[] again = env.snapshotAll();
            assertEquals(again[5].id(), again[0].id() + 5, "a second batch after releasing the first");
            env.releaseAll(again);
        }
    }

    @Test
    void reseedingDrawsAnotherOutcomeOfTheSameState() {
        try (Env env = client.make("FrozenLake-v1", MakeOptions.builder().kwargs(Map.of("is_slippery", true)).build());
             Snapshot start = withReset(env).snapshot()) {
            List<String> outcomes = new ArrayList<>();
            for (long seed = 0; seed < 8; seed++) {
                env.restore(start, seed);
                outcomes.add(String.valueOf(((Tensor) env.step(Tensor.scalar(2L)).observation()).toLongArray()[0]));
            }
            env.restore(start, 3);
            Value again = env.step(Tensor.scalar(2L)).observation();
            assertEquals(outcomes.get(3), String.valueOf(((Tensor) again).toLongArray()[0]), "the same reseed, the same outcome");
            assertTrue(outcomes.stream().distinct().count() > 1, "slippery: different seeds slip differently: " + outcomes);
        }
    }

    private static Env withReset(Env env) {
        env.reset(4);
        return env;
    }

    @Test
    void envsThatCannotBeSnapshottedAreRefusedSayingWhy() {
        try (VectorEnv env = client.makeVec("gymbridge/AllSpaces-v0", MakeOptions.builder().build())) {
            env.reset(0);
            SnapshotUnsupportedException e = assertThrows(SnapshotUnsupportedException.class, () -> env.snapshot(0));
            assertEquals("SNAPSHOT_UNSUPPORTED", e.reason());
            assertTrue(e.getMessage().contains("gymbridge/AllSpaces-v0"), e.getMessage());
        }
        try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).vectorization("async").build())) {
            env.reset(0);
            assertThrows(SnapshotUnsupportedException.class, () -> env.snapshot(1));
        }
    }

    @Test
    void misuseFailsClearly() {
        try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).build());
             VectorEnv other = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).build())) {
            assertThrows(ResetRequiredException.class, () -> env.snapshot(0));
            env.reset(0);
            other.reset(0);
            assertThrows(IndexOutOfBoundsException.class, () -> env.snapshot(2));
            try (Snapshot s = env.snapshot(0)) {
                GymBridgeException e = assertThrows(GymBridgeException.class, () -> env.restore(1, s));
                assertEquals("SNAPSHOT_ENV_MISMATCH", e.reason());
                assertThrows(IllegalArgumentException.class, () -> other.restore(0, s));
            }
        }
    }

    @Test
    void snapshotsDieWithTheirEnv() {
        Snapshot s;
        VectorEnv env = client.makeVec("Pendulum-v1", MakeOptions.builder().build());
        env.reset(0);
        s = env.snapshot(0);
        env.close();
        assertThrows(IllegalStateException.class, () -> env.restore(0, s), "the env, and its session, are gone");
        s.close(); // nothing left to release: a no-op
        assertTrue(s.isClosed());
    }

    @Test
    void theHandshakeAndListEnvsSayWhatCanBeSnapshotted() {
        ServerInfo info = client.handshake();
        assertEquals(List.of("toy_text", "classic_control", "mujoco", "crafter"), info.snapshotFamilies());
        assertTrue(info.maxSnapshotsPerSession() > 0);
        Map<String, EnvInfo> envs = client.listEnvs().stream().collect(Collectors.toMap(EnvInfo::envId, e -> e));
        for (String id : List.of("FrozenLake-v1", "Taxi-v4", "CartPole-v1", "HalfCheetah-v5", "Crafter-v1")) {
            assertTrue(envs.get(id).snapshots(), id);
        }
        EnvInfo test = envs.get("gymbridge/AllSpaces-v0");
        assertFalse(test.snapshots());
        assertNotEquals("", test.snapshotUnsupported());
    }
}
