package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One vector env over two real servers ({@code grpc://a,b/EnvId?num_envs=N}) equals one server with num_envs=N:
 * observations, rewards, flags and infos (values, dtypes and key order) at every step, across autoresets.
 */
class ShardedVectorEnvTest {
    private static GymBridgeClient a;
    private static GymBridgeClient b;

    @BeforeAll
    static void startServers() {
        a = GymBridgeClient.startLocal(null, List.of(), ClientOptions.defaults());
        b = GymBridgeClient.startLocal(null, List.of(), ClientOptions.defaults());
    }

    @AfterAll
    static void stop() {
        for (GymBridgeClient c : new GymBridgeClient[] {a, b}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static String both(String pathAndQuery) {
        return "grpc://" + a.target() + "," + b.target() + "/" + pathAndQuery;
    }

    /** The same env on one server (a shards= key applies to sharded URLs only). */
    private static String one(String pathAndQuery) {
        return "grpc://" + a.target() + "/" + pathAndQuery.replaceAll("&shards=[0-9,]+", "");
    }

    /** Steps the sharded env and one-server env with the same actions; the number of episode ends seen. */
    private static int compare(String pathAndQuery, int steps, long seed, boolean maskedResets) {
        int dones = 0;
        try (VectorEnv sharded = GymBridge.makeVec(both(pathAndQuery));
             VectorEnv single = GymBridge.makeVec(one(pathAndQuery))) {
            assertEquals(single.numEnvs(), sharded.numEnvs());
            assertEquals(single.observationSpace().toString(), sharded.observationSpace().toString());
            assertEquals(single.actionSpace().toString(), sharded.actionSpace().toString());
            same(single.reset(seed), sharded.reset(seed), "reset");
            SplittableRandom rng = new SplittableRandom(seed);
            for (int t = 0; t < steps; t++) {
                Value actions = single.actionSpace().sample(rng);
                StepResult want = single.step(actions);
                StepResult got = sharded.step(actions);
                same(want, got, "step " + t);
                boolean[] done = new boolean[want.numEnvs()];
                boolean any = false;
                for (int i = 0; i < done.length; i++) {
                    done[i] = want.done(i);
                    any |= done[i];
                    dones += done[i] ? 1 : 0;
                }
                if (maskedResets && any) {
                    same(single.reset(null, done, Map.of()), sharded.reset(null, done, Map.of()), "masked reset " + t);
                }
            }
        }
        return dones;
    }

    private static void same(ResetResult want, ResetResult got, String where) {
        sameValue(want.observations(), got.observations(), where + " observations");
        sameValue(want.infos(), got.infos(), where + " infos");
    }

    private static void same(StepResult want, StepResult got, String where) {
        sameValue(want.observations(), got.observations(), where + " observations");
        assertArrayEquals(want.rewards(), got.rewards(), where + " rewards");
        assertArrayEquals(want.terminated(), got.terminated(), where + " terminated");
        assertArrayEquals(want.truncated(), got.truncated(), where + " truncated");
        sameValue(want.infos(), got.infos(), where + " infos");
    }

    /** Equal values, dtypes and bytes, with dict keys in the same order. */
    private static void sameValue(Value want, Value got, String where) {
        if (want instanceof DictValue w && got instanceof DictValue g) {
            assertEquals(new ArrayList<>(w.entries().keySet()), new ArrayList<>(g.entries().keySet()), where + " keys");
            w.entries().forEach((k, v) -> sameValue(v, g.get(k), where + "/" + k));
            return;
        }
        if (want instanceof TupleValue w && got instanceof TupleValue g) {
            assertEquals(w.size(), g.size(), where);
            for (int i = 0; i < w.size(); i++) {
                sameValue(w.get(i), g.get(i), where + "[" + i + "]");
            }
            return;
        }
        if (want instanceof Tensor w && got instanceof Tensor g) {
            assertEquals(w.dtype(), g.dtype(), where + " dtype");
            assertArrayEquals(w.shape(), g.shape(), where + " shape");
            assertArrayEquals(w.toByteArray(), g.toByteArray(), where + " bytes");
            return;
        }
        assertEquals(want, got, where);
    }

    @Test
    void cartPoleOverTwoServersEqualsOneServer() {
        assertTrue(compare("CartPole-v1?num_envs=6&seed=3", 80, 3, false) > 0);
    }

    @Test
    void unevenShardsAndSameStepAutoresetEqualOneServer() {
        assertTrue(compare("CartPole-v1?num_envs=5&shards=4,1&autoreset=same_step", 60, 5, false) > 0);
    }

    @Test
    void halfCheetahInfosEqualOneServer() {
        assertTrue(compare("HalfCheetah-v5?num_envs=3&max_episode_steps=6&autoreset=same_step", 14, 1, false) > 0);
    }

    @Test
    void frozenLakeWithMaskedResetsEqualsOneServer() {
        assertTrue(compare("FrozenLake-v1?num_envs=5&autoreset=disabled", 40, 2, true) > 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"next_step", "same_step"})
    void frozenLakeAutoresetInfosKeepOneServersDtypes(String autoreset) {
        // prob is an int 1 after an autoreset and a float 1/3 after a step; one server gives the key the dtype
        // of its first env reporting it, which a shard's server cannot know: its envs' values come uncast.
        String url = "FrozenLake-v1?num_envs=6&shards=2,4&autoreset=" + autoreset;
        java.util.Set<DType> seen = java.util.EnumSet.noneOf(DType.class);
        try (VectorEnv sharded = GymBridge.makeVec(both(url)); VectorEnv single = GymBridge.makeVec(one(url))) {
            same(single.reset(9), sharded.reset(9), "reset");
            SplittableRandom rng = new SplittableRandom(9);
            for (int t = 0; t < 150; t++) {
                Value actions = single.actionSpace().sample(rng);
                StepResult want = single.step(actions);
                same(want, sharded.step(actions), "step " + t);
                if (want.infos().has("prob")) {
                    seen.add(((Tensor) want.infos().get("prob")).dtype());
                }
            }
        }
        assertEquals(java.util.EnumSet.of(DType.INT64, DType.FLOAT64), seen, "one server's prob dtypes");
    }

    @Test
    void dictObservationsAndActionsEqualOneServer() {
        assertTrue(compare("gymbridge/AllSpaces-v0?num_envs=3", 12, 4, false) > 0);
    }

    @Test
    void crafterEqualsOneServer() {
        compare("Crafter-v1?num_envs=2", 8, 1, false);
    }

    @Test
    void rendersAreJoinedInEnvOrder() {
        try (VectorEnv sharded = GymBridge.makeVec(both("CartPole-v1?num_envs=3&render_mode=rgb_array"));
             VectorEnv single = GymBridge.makeVec(one("CartPole-v1?num_envs=3&render_mode=rgb_array"))) {
            single.reset(7);
            sharded.reset(7);
            sameValue(single.render(), sharded.render(), "frames");
        }
    }

    @Test
    void shardSizesAreEvenOrAsGivenAndMustAddUp() {
        assertArrayEquals(new int[] {3, 2, 2}, ShardedVectorEnv.evenShards(7, 3));
        assertTrue(ShardedVectorEnv.isSharded("grpc://h1:1,h2:2/CartPole-v1?num_envs=4"));
        assertFalse(ShardedVectorEnv.isSharded("grpc://h1:1/CartPole-v1?wrappers=A,B"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GymBridge.makeVec(both("CartPole-v1?num_envs=4&shards=3,2")));
        assertTrue(e.getMessage().contains("adds up to 5, not num_envs=4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GymBridge.makeVec(both("CartPole-v1?num_envs=1")));
        assertTrue(e.getMessage().contains("at least one env"), e.getMessage());
        try (VectorEnv env = GymBridge.makeVec(both("CartPole-v1?num_envs=4&shards=3,1"))) {
            ShardedVectorEnv s = (ShardedVectorEnv) env;
            assertEquals(3, s.shard(0).numEnvs());
            assertEquals(3, s.offset(1));
        }
    }

    @Test
    void aServerKilledDuringAStepFailsOnlyItsShard() throws Exception {
        GymBridgeClient doomed = GymBridgeClient.startLocal(null, List.of(), ClientOptions.defaults());
        Process p = doomed.serverProcess().orElseThrow();
        try (VectorEnv env = GymBridge.makeVec("grpc://" + a.target() + "," + doomed.target()
                + "/CartPole-v1?num_envs=4&seed=1&timeout=5s")) {
            ShardedVectorEnv s = (ShardedVectorEnv) env;
            env.reset();
            env.step(Tensor.ofLongs(new long[] {0, 1, 0, 1}));
            var stepping = env.stepAsync(Tensor.ofLongs(new long[] {0, 1, 0, 1}));
            p.destroyForcibly();
            GymBridgeException e = null;
            try {
                stepping.join();
                e = assertThrows(GymBridgeException.class, () -> env.step(Tensor.ofLongs(new long[] {0, 1, 0, 1})));
            } catch (java.util.concurrent.CompletionException ce) {
                e = (GymBridgeException) ce.getCause();
            }
            assertTrue(e.getMessage().startsWith("shard 1 (envs 2..3 on " + doomed.target() + ") failed"), e.getMessage());
            // the other server's shard goes on
            assertEquals(2, s.shard(0).step(Tensor.ofLongs(new long[] {0, 1})).numEnvs());
        } finally {
            doomed.close();
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    }
}
