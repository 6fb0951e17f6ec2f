package org.gymbridge.examples.crafter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.train.EpisodeInfo;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Craftax through a real server is scored by the Crafter report: the training hook ({@link EpisodeInfo}) reads the
 * 22 achievements of every finished Craftax episode under Crafter's names, agreeing with Craftax's own
 * {@code Achievements/<name>} info, and the evaluation scores symbolic observations (no GIF frames).
 */
class CraftaxAchievementsTest {

    // Craftax's batched env; a 64-step limit ends episodes quickly (truncation reports achievements too).
    private static final String URL = "local:Craftax-Classic-Symbolic-v1?num_envs=4&max_episode_steps=64";

    @Test
    void episodeInfoAndEvaluationReadCraftaxAchievementsUnderCraftersNames() {
        List<String> keys = CrafterScore.ACHIEVEMENTS.stream().map(a -> "achievements/" + a).toList();
        try (VectorEnv env = GymBridge.makeVec(URL)) {
            env.reset(5);
            Random rng = new Random(5);
            int ended = 0;
            double unlocked = 0;
            for (int t = 0; t < 200 && ended < 8; t++) {
                StepResult step = env.step(env.actionSpace().sample(rng));
                Map<String, ?> raw = step.infoView().raw().entries();
                for (int i = 0; i < env.numEnvs(); i++) {
                    if (!step.done(i)) {
                        continue;
                    }
                    ended++;
                    Map<String, Double> metrics = EpisodeInfo.achievements().episodeEnd(step, i);
                    assertEquals(keys, List.copyOf(metrics.keySet()));
                    for (String a : CrafterScore.ACHIEVEMENTS) {
                        // Craftax's own info: 100.0 for each achievement the ending episode unlocked
                        double own = ((Tensor) raw.get("Achievements/" + a)).getDouble(i) / 100.0;
                        assertEquals(own, metrics.get("achievements/" + a), a + " of env " + i + " at step " + t);
                        unlocked += own;
                    }
                }
            }
            assertTrue(ended >= 8, "episodes ended: " + ended);
            assertTrue(unlocked > 0, "random play unlocks something in " + ended + " episodes");

            CrafterEvaluation.Result result = CrafterEvaluation.run("random",
                    CrafterExperiment.randomPolicy(env, new Random(7)), env, 4, 7, true);
            assertEquals(4, result.episodes());
            assertEquals(CrafterScore.ACHIEVEMENTS, List.copyOf(result.successRates().keySet()));
            assertTrue(result.firstEpisodeFrames().isEmpty(), "symbolic observations make no GIF frames");
            for (long length : result.lengths()) {
                assertTrue(length >= 1 && length <= 64, "length " + length);
            }
        }
    }
}
