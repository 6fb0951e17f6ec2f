package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same-host fast lane (the Session messages over the server's unix socket instead of gRPC): used
 * transparently by same-host clients, giving exactly what the gRPC stream gives, with pipelining,
 * in-band errors, the server's token, and a switch to turn it off. (FidelityTest runs over the lane,
 * FidelityOverGrpcTest over gRPC.)
 */
class FastLaneTest extends LocalServerFixture {
    @TempDir
    Path tmp;

    @Test
    void sameHostClientsTakeTheFastLaneUnlessItIsDisabled() {
        assertTrue(client.fastLane(), "a local: server is on this host and offers a fast lane");
        System.setProperty(FastLane.PROPERTY, "false");
        try {
            assertFalse(client.fastLane());
        } finally {
            System.clearProperty(FastLane.PROPERTY);
        }
        assertTrue(client.fastLane());
    }

    @Test
    void fastLaneAndGrpcStreamsGiveBitIdenticalStepsAndPipelineInOrder() {
        List<double[]> lane = rollout(true);
        List<double[]> grpc = rollout(false);
        assertEquals(lane.size(), grpc.size());
        for (int i = 0; i < lane.size(); i++) {
            assertArrayEquals(grpc.get(i), lane.get(i), "step " + i);
        }
    }

    @Test
    void stepsAreTheSameWhetherTheWaitingThreadPollsOrBlocks() {
        List<double[]> polled = rollout(true); // default: the waiting thread polls (FastLane.awaitStep)
        System.setProperty(FastLane.SPIN_PROPERTY, "0");
        List<double[]> blocked;
        try {
            blocked = rollout(true);
        } finally {
            System.clearProperty(FastLane.SPIN_PROPERTY);
        }
        assertEquals(polled.size(), blocked.size());
        for (int i = 0; i < polled.size(); i++) {
            assertArrayEquals(blocked.get(i), polled.get(i), "step " + i);
        }
    }

    @Test
    void aMalformedSpinSettingIsRefusedWithItsName() {
        assertEquals(FastLane.DEFAULT_SPIN_MICROS, FastLane.spinMicros());
        System.setProperty(FastLane.SPIN_PROPERTY, "fast");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, FastLane::spinMicros);
            assertTrue(e.getMessage().contains(FastLane.SPIN_PROPERTY) && e.getMessage().contains("'fast'"), e.getMessage());
            System.setProperty(FastLane.SPIN_PROPERTY, "-5");
            assertEquals(0, FastLane.spinMicros(), "a negative value turns polling off");
        } finally {
            System.clearProperty(FastLane.SPIN_PROPERTY);
        }
    }

    @Test
    void closedEnvsLeaveNoFileDescriptorsOrThreadsBehind() throws Exception {
        // Each env's stream holds a socket and a selector on the lane; closing the env must release them.
        java.nio.file.Path fds = java.nio.file.Path.of("/proc/self/fd");
        try (VectorEnv warm = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(1).build())) {
            warm.reset(0);
            warm.step(Tensor.ofLongs(new long[] {0}));
        }
        long before;
        try (var s = java.nio.file.Files.list(fds)) {
            before = s.count();
        }
        for (int i = 0; i < 30; i++) {
            try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(1).build())) {
                env.reset(i);
                env.step(Tensor.ofLongs(new long[] {1}));
                env.stepAsync(Tensor.ofLongs(new long[] {0})).join(); // starts the lane's reader thread too
            }
        }
        long after;
        try (var s = java.nio.file.Files.list(fds)) {
            after = s.count();
        }
        assertTrue(after - before < 10, "file descriptors before " + before + ", after 30 envs " + after);
        // ... and their reader threads end with the connections.
        long readers = Long.MAX_VALUE;
        for (int i = 0; i < 100 && readers > 2; i++) {
            readers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("gymbridge-fastlane-reader") && t.isAlive()).count();
            Thread.sleep(50);
        }
        assertTrue(readers <= 2, readers + " fast-lane reader threads still alive after their envs closed");
    }

    /**
     * 60 CartPole x4 steps: 20 one by one, 20 pipelined with stepAsync, then 10 pairs of an async step and a
     * synchronous one; observations and rewards per step.
     */
    private List<double[]> rollout(boolean fastLane) {
        if (!fastLane) {
            System.setProperty(FastLane.PROPERTY, "false");
        }
        try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(4).build())) {
            List<double[]> out = new ArrayList<>();
            env.reset(3);
            SplittableRandom rng = new SplittableRandom(5);
            for (int t = 0; t < 20; t++) {
                out.add(flat(env.step(env.actionSpace().sample(rng))));
            }
            List<CompletableFuture<StepResult>> inFlight = new ArrayList<>();
            for (int t = 0; t < 20; t++) {
                inFlight.add(env.stepAsync(env.actionSpace().sample(rng)));
            }
            for (CompletableFuture<StepResult> f : inFlight) {
                out.add(flat(f.join()));
            }
            // Mixed: an async step in flight (read by the lane's reader thread) while a synchronous step reads
            // its own answer on the caller's thread; both answers must land on their own futures, in order.
            for (int t = 0; t < 10; t++) {
                CompletableFuture<StepResult> early = env.stepAsync(env.actionSpace().sample(rng));
                StepResult now = env.step(env.actionSpace().sample(rng));
                out.add(flat(early.join()));
                out.add(flat(now));
            }
            return out;
        } finally {
            System.clearProperty(FastLane.PROPERTY);
        }
    }

    private static double[] flat(StepResult r) {
        double[] obs = r.observations().asTensor().toDoubleArray();
        double[] out = new double[obs.length + r.rewards().length];
        System.arraycopy(obs, 0, out, 0, obs.length);
        System.arraycopy(r.rewards(), 0, out, obs.length, r.rewards().length);
        return out;
    }

    @Test
    void errorsOnTheFastLaneAreInBandAndTheSessionGoesOn() {
        try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).build())) {
            assertThrows(ResetRequiredException.class, () -> env.step(Tensor.ofLongs(new long[] {0, 1})));
            env.reset(1);
            InvalidActionException e = assertThrows(InvalidActionException.class,
                    () -> env.step(Tensor.ofLongs(new long[] {0, 7})));
            assertTrue(e.getMessage().contains("env 1"), e.getMessage());
            assertEquals(2, env.step(Tensor.ofLongs(new long[] {0, 1})).numEnvs());
        }
    }

    @Test
    void closingTheClientEndsItsFastLaneConnections() {
        GymBridgeClient other = GymBridge.connect("grpc://" + client.target());
        VectorEnv env = other.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).build());
        env.reset(1);
        assertEquals(1, other.lanes.size(), "the env's stream runs on one fast-lane connection");
        FastLane lane = other.lanes.iterator().next();
        other.close();
        assertTrue(other.lanes.isEmpty() && lane.isClosed(), "closing the client ends its lanes, as gRPC streams end with the channel");
        assertThrows(IllegalStateException.class, () -> env.step(Tensor.ofLongs(new long[] {0, 1})));
    }

    @Test
    void theFastLanePresentsTheServersTokenAndAUnixServerOffersItToo() {
        Path socket = tmp.resolve("gb.sock");
        try (GymBridgeClient guarded = GymBridgeClient.startLocal(socket.toString(), List.of("--token", "lane-token"),
                ClientOptions.defaults().withToken("lane-token"))) {
            assertTrue(guarded.fastLane(), "unix: servers are on this host");
            try (VectorEnv env = guarded.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).build())) {
                env.reset(1);
                Value a = Tensor.ofLongs(new long[] {1, 0});
                assertEquals(2, env.step(a).numEnvs());
            }
        }
    }
}
