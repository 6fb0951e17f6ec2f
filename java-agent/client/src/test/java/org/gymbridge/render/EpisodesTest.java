package org.gymbridge.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.MakeOptions;
import org.gymbridge.env.Env;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Episodes recorded through a real server as GIFs, read back with the JDK: one frame per step plus the reset frame. */
class EpisodesTest {
    private static GymBridgeClient client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() {
        client = GymBridge.connect("local:");
    }

    @AfterAll
    static void stopServer() {
        client.close();
    }

    @Test
    void aCartPoleEpisodeBecomesAGifWithOneFramePerStepPlusTheReset() throws Exception {
        try (Env env = client.make("CartPole-v1", MakeOptions.builder().renderMode("rgb_array").build())) {
            Path gif = tmp.resolve("cartpole.gif");
            // Always push right: the pole falls within a few dozen steps.
            Episodes.Recording r = Episodes.recordGif(env, obs -> Tensor.scalar(1L), 3, gif);
            assertTrue(r.terminated(), "the pole fell");
            assertTrue(r.steps() > 5 && r.steps() < 100, "steps: " + r.steps());
            assertEquals(r.steps(), r.totalReward(), "CartPole pays 1 per step");
            assertEquals(r.steps() + 1, r.frames());
            GifFile read = GifFile.read(gif);
            assertEquals(r.steps() + 1, read.frames().size(), "frames in the file");
            assertEquals(600, read.frames().get(0).getWidth());
            assertEquals(400, read.frames().get(0).getHeight());
            assertEquals(2, read.delayCentiseconds(), "CartPole's render_fps is 50");
            assertTrue(read.loopsForever());
        }
    }

    @Test
    void envZeroOfAVectorEnvIsRecordedUntilItsEpisodeEnds() throws Exception {
        try (VectorEnv env = client.makeVec("FrozenLake-v1",
                MakeOptions.builder().numEnvs(2).renderMode("rgb_array").kwargs(java.util.Map.of("is_slippery", false)).build())) {
            Path gif = tmp.resolve("lake.gif");
            // Right, right, down, down, down, right: the shortest path to the goal on the 4x4 map.
            long[] plan = {2, 2, 1, 1, 1, 2};
            int[] t = {0};
            Episodes.Recording r = Episodes.recordGif(env, obs -> Tensor.ofLongs(new long[] {plan[t[0]], plan[t[0]++]}), 0, gif);
            assertEquals(6, r.steps());
            assertEquals(1.0, r.totalReward(), "reached the goal");
            GifFile read = GifFile.read(gif);
            assertEquals(7, read.frames().size());
            assertEquals(256, read.frames().get(0).getWidth(), "FrozenLake renders 64 px per cell, 4x4");
        }
    }

    @Test
    void aMujocoEpisodeRendersHeadlessIntoAGif() throws Exception {
        // MuJoCo frames have thousands of colours: this is the quantized path, rendered by OSMesa on the server.
        try (Env env = client.make("HalfCheetah-v5", MakeOptions.builder().renderMode("rgb_array")
                .kwargs(java.util.Map.of("width", 96, "height", 64)).build())) {
            Path gif = tmp.resolve("cheetah.gif");
            java.util.SplittableRandom rng = new java.util.SplittableRandom(0);
            Episodes.Recording r = Episodes.recordGif(env, obs -> env.actionSpace().sample(rng), 0, gif, 8);
            assertEquals(8, r.steps(), "HalfCheetah never ends early: the step cap ends the recording");
            assertEquals(9, r.frames());
            GifFile read = GifFile.read(gif);
            assertEquals(9, read.frames().size());
            assertEquals(96, read.frames().get(0).getWidth());
            assertEquals(64, read.frames().get(0).getHeight());
            assertEquals(Math.round(100 / env.spec().renderFps()), read.delayCentiseconds(), "render_fps " + env.spec().renderFps());
        }
    }

    @Test
    void recordingWithoutRgbArrayNamesTheFix() {
        try (Env env = client.make("CartPole-v1", MakeOptions.builder().build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Episodes.recordGif(env, obs -> Tensor.scalar(0L), 0, tmp.resolve("x.gif")));
            assertTrue(e.getMessage().contains("render_mode=rgb_array"), e.getMessage());
        }
    }
}
