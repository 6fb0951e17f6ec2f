package org.gymbridge.agents.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentSamplerTest {

    @TempDir
    Path run;

    @Test
    void cutsRenderedPendulumSegmentsAndStoresThemDurably() throws Exception {
        try (VectorEnv env = GymBridge.makeVec("local:Pendulum-v1?num_envs=2&render_mode=rgb_array")) {
            List<SegmentStore.Stored> stored = RandomSegments.record(env, run, 4, 25, 3, 1);
            assertEquals(4, stored.size());
            SegmentStore store = SegmentStore.open(run);
            assertEquals(List.of("s-000001", "s-000002", "s-000003", "s-000004"), store.ids());
            SegmentStore.Stored first = store.load("s-000001").orElseThrow();
            Segment s = first.segment();
            assertEquals(25, s.length());
            assertEquals(3, s.obsDim());
            assertEquals(1, s.actDim());
            assertArrayEquals(stored.get(0).segment().trueRewards(), s.trueRewards());
            for (double r : s.trueRewards()) {
                assertTrue(r <= 0 && r >= -16.3, "Pendulum rewards are in [-16.3, 0], got " + r);
            }
            // The clip: 25 frames of Pendulum's 500x500 picture, scaled to 240x240, 8 per row.
            SegmentStore.Clip clip = first.clip();
            assertEquals(25, clip.frames());
            assertEquals(240, clip.frameWidth());
            assertEquals(8, clip.columns());
            BufferedImage image = ImageIO.read(store.clipImage("s-000001").orElseThrow().toFile());
            assertEquals(8 * 240, image.getWidth());
            assertEquals(4 * 240, image.getHeight());
            assertEquals(3, QueryLog.open(run).size());
            // A new store on the same folder continues the ids.
            assertEquals("s-000005", SegmentStore.open(run).newId());
        }
    }

    @Test
    void segmentsStayInsideOneEpisodeAndSkipResetSteps() {
        try (VectorEnv env = GymBridge.makeVec("local:Pendulum-v1?num_envs=1&max_episode_steps=30")) {
            Features obsF = new Features(env.singleObservationSpace());
            Features actF = new Features(env.singleActionSpace());
            int[] ids = {0};
            SegmentSampler sampler = new SegmentSampler(1, 3, 1, 20, 0, env.autoresetMode(),
                    () -> String.format("s-%06d", ++ids[0]));
            assertEquals(AutoresetMode.NEXT_STEP, env.autoresetMode());
            Random rng = new Random(2);
            float[] obs = obsF.rows(env.reset(5).observations());
            List<Segment> cuts = new ArrayList<>();
            List<float[]> firstObservations = new ArrayList<>();
            for (int t = 0; t < 93; t++) {
                Value a = env.actionSpace().sample(rng);
                StepResult r = env.step(a);
                sampler.record(obs, actF.rows(a), r, null).forEach(c -> cuts.add(c.segment()));
                if (t == 0 || t == 31 || t == 62) {
                    firstObservations.add(obs);
                }
                obs = obsF.rows(r.observations());
            }
            // Episodes of 30 steps (each followed by one reset step): one 20-step window fits per episode.
            assertEquals(3, cuts.size());
            assertEquals(List.of(0L, 31L, 62L), cuts.stream().map(Segment::startStep).toList());
            for (int k = 0; k < 3; k++) {
                float[] segObs = cuts.get(k).observations();
                assertArrayEquals(firstObservations.get(k), java.util.Arrays.copyOf(segObs, 3));
            }
        }
    }
}
