package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * EnvPool-style send/recv on env groups: each group's steps equal the matching slice of one VectorEnv of
 * all the envs stepped with the same actions, whatever order the groups finish in. (The throughput gain
 * when policy time ~ env time is measured by {@code gymbridge bench}, not asserted here.)
 */
class PipelinedEnvPoolTest extends LocalServerFixture {
    private static final int GROUPS = 2;
    private static final int PER_GROUP = 3;
    private static final int STEPS = 25;

    /** The actions of group g at its step t: fixed by (g, t), so the reference can replay them. */
    private static long[] actions(int g, int t) {
        SplittableRandom rng = new SplittableRandom(1000L * g + t);
        long[] a = new long[PER_GROUP];
        for (int i = 0; i < a.length; i++) {
            a[i] = rng.nextInt(2);
        }
        return a;
    }

    @Test
    void groupsStepExactlyLikeSlicesOfOneVectorEnvInAnyCompletionOrder() {
        List<List<double[]>> got = new ArrayList<>();
        try (PipelinedEnvPool pool = PipelinedEnvPool.make(client, "CartPole-v1",
                MakeOptions.builder().numEnvs(GROUPS * PER_GROUP).build(), GROUPS)) {
            assertEquals(GROUPS, pool.numGroups());
            assertEquals(PER_GROUP, pool.groupSize());
            int[] t = new int[GROUPS];
            for (int g = 0; g < GROUPS; g++) {
                got.add(new ArrayList<>());
                pool.reset(g, 9);
                pool.send(g, Tensor.ofLongs(actions(g, 0)));
            }
            int remaining = GROUPS * STEPS;
            while (remaining-- > 0) {
                PipelinedEnvPool.GroupStep s = pool.recv();
                got.get(s.group()).add(flat(s.result()));
                if (++t[s.group()] < STEPS) {
                    pool.send(s.group(), Tensor.ofLongs(actions(s.group(), t[s.group()])));
                }
            }
            assertThrows(IllegalStateException.class, pool::recv, "nothing in flight");
            pool.send(0, Tensor.ofLongs(actions(0, 0)));
            assertThrows(IllegalStateException.class, () -> pool.send(0, Tensor.ofLongs(actions(0, 0))));
            pool.recv();
        }
        try (VectorEnv all = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(GROUPS * PER_GROUP).build())) {
            all.reset(9);
            for (int t = 0; t < STEPS; t++) {
                long[] a = new long[GROUPS * PER_GROUP];
                for (int g = 0; g < GROUPS; g++) {
                    System.arraycopy(actions(g, t), 0, a, g * PER_GROUP, PER_GROUP);
                }
                double[] whole = flat(all.step(Tensor.ofLongs(a)));
                for (int g = 0; g < GROUPS; g++) {
                    assertArrayEquals(slice(whole, g), got.get(g).get(t), "group " + g + " step " + t);
                }
            }
        }
    }

    @Test
    void theGroupsShareOneFastLaneConnectionWhichEndsWithThePool() throws InterruptedException {
        // One connection: the server takes the groups' steps in order on one thread (see PipelinedEnvPool.make).
        int before = client.lanes.size();
        try (PipelinedEnvPool pool = PipelinedEnvPool.make(client, "CartPole-v1", MakeOptions.builder().numEnvs(6).build(), 3)) {
            for (int g = 0; g < 3; g++) {
                pool.reset(g, 5);
                pool.send(g, Tensor.ofLongs(new long[] {0, 1}));
            }
            for (int g = 0; g < 3; g++) {
                assertEquals(g, pool.recv().group(), "answers come back in the order the steps were sent");
            }
            assertEquals(before + 1, client.lanes.size(), "one fast-lane connection for all groups");
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (client.lanes.size() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(before, client.lanes.size(), "closing the pool ends its connection");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void aFailedStepComesBackFromRecvAndTheGroupGoesOn(boolean fastLane) {
        // On the fast lane recv() reads the answers itself; on gRPC they come from gRPC's threads.
        if (!fastLane) {
            System.setProperty(FastLane.PROPERTY, "false");
        }
        try (PipelinedEnvPool pool = PipelinedEnvPool.make(client, "CartPole-v1", MakeOptions.builder().numEnvs(4).build(), 2)) {
            pool.reset(0, 1);
            pool.reset(1, 1);
            pool.send(0, Tensor.ofLongs(new long[] {0, 1}));
            pool.send(1, Tensor.ofLongs(new long[] {0, 7})); // 7 is not in Discrete(2)
            int ok = 0;
            int failed = 0;
            for (int i = 0; i < 2; i++) {
                try {
                    assertEquals(0, pool.recv().group());
                    ok++;
                } catch (InvalidActionException e) {
                    failed++;
                }
            }
            assertEquals(1, ok);
            assertEquals(1, failed);
            pool.send(1, Tensor.ofLongs(new long[] {1, 1})); // idle again after its failure
            PipelinedEnvPool.GroupStep s = pool.recv();
            assertEquals(1, s.group());
            assertArrayEquals(new double[] {1.0, 1.0}, s.result().rewards());
        } finally {
            System.clearProperty(FastLane.PROPERTY);
        }
    }

    /** Observations (4 per env) then rewards, per env, in env order. */
    private static double[] flat(StepResult r) {
        double[] obs = r.observations().asTensor().toDoubleArray();
        int n = r.numEnvs();
        double[] out = new double[n * 5];
        for (int i = 0; i < n; i++) {
            System.arraycopy(obs, i * 4, out, i * 5, 4);
            out[i * 5 + 4] = r.rewards()[i];
        }
        return out;
    }

    private static double[] slice(double[] whole, int g) {
        return Arrays.copyOfRange(whole, g * PER_GROUP * 5, (g + 1) * PER_GROUP * 5);
    }
}
