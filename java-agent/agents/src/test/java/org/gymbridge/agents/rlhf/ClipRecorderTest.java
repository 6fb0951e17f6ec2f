package org.gymbridge.agents.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.core.ActionAdapter;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The rendering copy behind ppo-rlhf's clips, on real Pendulum-v1 sessions: clips replayed from snapshots are the
 * frames an env rendering every step shows, and a copy that drifts from the training env is an error.
 */
class ClipRecorderTest {

    private static final String URL = "local:Pendulum-v1?num_envs=3";
    private static final int LENGTH = 10;
    private static final long SEED = 7;

    @Test
    void clipsReplayedFromSnapshotsAreTheFramesOfAnEnvRenderingEveryStep() {
        try (VectorEnv training = GymBridge.makeVec(URL);
             VectorEnv everyStep = GymBridge.makeVec(URL + "&render_mode=rgb_array");
             ClipRecorder clips = ClipRecorder.open(URL, 3, 2, 64, 64, SEED, System.out)) {
            assertEquals(2, clips.clipEnvs());
            assertEquals(30.0, clips.fps(), "Pendulum's render_fps");
            ObservationAdapter observations = ObservationAdapter.forSpace(training.singleObservationSpace());
            ActionAdapter actions = ActionAdapter.forSpace(training.singleActionSpace());
            INDArray obs = observations.toBatch(training.reset(SEED).observations());
            everyStep.reset(SEED);
            Random rng = new Random(1);
            List<float[]> obsRows = new ArrayList<>();
            List<Tensor> rendered = new ArrayList<>();        // [t]: every env's frame before step t
            for (int t = 0; t < 2 * LENGTH; t++) {
                rendered.add(everyStep.render().asTensor());
                float[] a = new float[3];
                for (int i = 0; i < 3; i++) {
                    a[i] = (float) (rng.nextDouble() * 4 - 2);
                }
                INDArray act = HostArrays.toArray(a, 3, 1);
                boolean start = t % LENGTH == 0;
                clips.follow(obs, act, new boolean[] {start, start}, t);
                obsRows.add(HostArrays.toFloats(obs));
                StepResult r = training.step(actions.toValue(act));
                everyStep.step(actions.toValue(act));
                obs = observations.toBatch(r.observations());
            }
            Segment a = segment("s-a", 0, 0, obsRows);
            Segment b = segment("s-b", 1, LENGTH, obsRows);
            Segment c = segment("s-c", 0, LENGTH, obsRows);
            for (Segment s : List.of(a, b, c)) {
                clips.attach(s.id(), s.env(), (int) s.startStep(), LENGTH);
            }
            clips.endRollout();
            assertTrue(clips.has("s-a") && clips.has("s-b") && clips.has("s-c"));

            Map<String, List<Tensor>> frames = clips.render(List.of(a, b, c));
            for (Segment s : List.of(a, b, c)) {
                List<Tensor> clip = frames.get(s.id());
                assertEquals(LENGTH, clip.size(), s.id() + ": one frame per step");
                for (int k = 0; k < LENGTH; k++) {
                    assertEquals(rendered.get((int) s.startStep() + k).get(s.env()), clip.get(k),
                            s.id() + " frame " + k + " is the picture of the state of step " + k);
                }
            }
            assertNotEquals(frames.get("s-a").get(0), frames.get("s-a").get(LENGTH - 1), "the pendulum moves");

            // The copy was put back where it stood: following goes on, and so does replaying.
            clips.follow(obs, HostArrays.toArray(new float[] {0.5f, -0.5f, 1f}, 3, 1), new boolean[2], 0);
            assertEquals(frames.get("s-b"), clips.render(List.of(b)).get("s-b"));
            clips.forget("s-b");
            assertTrue(!clips.has("s-b"));
        }
    }

    @Test
    void aCopyThatNoLongerStandsWhereTheTrainingEnvStandsIsAnError() {
        try (VectorEnv training = GymBridge.makeVec(URL);
             ClipRecorder clips = ClipRecorder.open(URL, 3, 3, 64, 64, SEED, System.out)) {
            ObservationAdapter observations = ObservationAdapter.forSpace(training.singleObservationSpace());
            float[] obs = HostArrays.toFloats(observations.toBatch(training.reset(SEED + 1).observations()));
            INDArray act = HostArrays.toArray(new float[3], 3, 1);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> clips.follow(HostArrays.toArray(obs, 3, 3), act, new boolean[3], 0));
            assertTrue(e.getMessage().contains("training env 0") && e.getMessage().contains("clips: off"),
                    e.getMessage());
        }
    }

    @Test
    void queryKeysOfTheCopysUrlAreSetReplacedOrDropped() {
        assertEquals("local:HalfCheetah-v5?num_envs=2&seed=1&render_mode=rgb_array",
                ClipRecorder.withQuery("local:HalfCheetah-v5?num_envs=8&seed=1&num_workers=2",
                        Map.of("num_envs", "2", "render_mode", "rgb_array"), List.of("num_workers")));
        assertEquals("local:Pendulum-v1?width=9", ClipRecorder.withQuery("local:Pendulum-v1", Map.of("width", "9"),
                List.of()));
    }

    private static Segment segment(String id, int env, int start, List<float[]> obsRows) {
        float[] obs = new float[LENGTH * 3];
        for (int k = 0; k < LENGTH; k++) {
            System.arraycopy(obsRows.get(start + k), env * 3, obs, k * 3, 3);
        }
        return new Segment(id, env, start, 3, 1, obs, new float[LENGTH], new double[LENGTH]);
    }
}
