package org.gymbridge.agents.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Value;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;

class LearnedRewardEnvTest {

    @Test
    void rewardsComeFromTheModelAndTheTrueRewardMovesToTheInfos() {
        RewardModel model = new RewardModel(3, 1, RewardModel.Config.defaults().withEnsembleSize(2)
                .withHidden(Activation.TANH, 8), 4);
        try (VectorEnv plain = GymBridge.makeVec("local:Pendulum-v1?num_envs=3&max_episode_steps=5");
             LearnedRewardEnv env = new LearnedRewardEnv(GymBridge.makeVec(
                     "local:Pendulum-v1?num_envs=3&max_episode_steps=5"), model)) {
            Features obsF = new Features(env.singleObservationSpace());
            Features actF = new Features(env.singleActionSpace());
            float[] obs = obsF.rows(env.reset(11).observations());
            plain.reset(11);
            Random rng = new Random(1);
            for (int t = 0; t < 8; t++) {
                Value a = env.actionSpace().sample(rng);
                StepResult learned = env.step(a);
                StepResult truth = plain.step(a);
                float[] rows = new float[3 * 4];
                float[] act = actF.rows(a);
                for (int i = 0; i < 3; i++) {
                    System.arraycopy(obs, i * 3, rows, i * 4, 3);
                    rows[i * 4 + 3] = act[i];
                }
                float[] expected = model.rewards(rows, 3);
                for (int i = 0; i < 3; i++) {
                    // Step 5 only resets the envs (next-step autoreset): reward 0 there, as the env gives.
                    double want = t == 5 ? 0 : expected[i];
                    assertEquals(want, learned.rewards()[i], 1e-6, "env " + i + " step " + t);
                }
                assertArrayEquals(truth.rewards(), env.lastTrueRewards());
                assertArrayEquals(truth.rewards(), learned.infos().tensor(LearnedRewardEnv.TRUE_REWARD).toDoubleArray());
                assertArrayEquals(truth.observations().asTensor().toDoubleArray(),
                        learned.observations().asTensor().toDoubleArray());
                obs = obsF.rows(learned.observations());
            }
        }
    }

    @Test
    void aModelOfTheWrongInputSizeIsRejected() {
        RewardModel model = new RewardModel(5, 1, RewardModel.Config.defaults().withEnsembleSize(1), 4);
        try (VectorEnv env = GymBridge.makeVec("local:Pendulum-v1?num_envs=1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new LearnedRewardEnv(env, model));
            assertEquals("the reward model takes 6 features but the env has 3 observation and 1 action features",
                    e.getMessage());
        }
    }
}
