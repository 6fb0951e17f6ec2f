package org.gymbridge.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.agents.train.Trainer;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The acceptance run, through the real bridge: a private server (local:) hosts 8 CartPole-v1 envs in
 * Python, PPO trains in Java with the default config and the demo's seeds, and the greedy policy must
 * solve the task (mean return >= 475 over 20 fixed-seed episodes). About a minute on 2 cores.
 */
@Tag("training")
class PpoCartPoleTest {

    @Test
    void ppoSolvesCartPoleThroughTheBridge() {
        PpoConfig config = PpoConfig.defaults();
        try (VectorEnv env = GymBridge.makeVec("local:CartPole-v1?num_envs=8&seed=1")) {
            Ppo agent = Ppo.forEnv(env, config, 1);
            Trainer.Summary summary = new Trainer(System.out, 51_200).train(agent, env, config.totalSteps(), 1);
            System.out.println("training: " + summary);
            assertEquals(config.totalSteps(), summary.envSteps(), 8);

            EvalResult eval = Evaluation.run(agent, env, 20, 10_000);
            System.out.println("evaluation: " + eval);
            assertEquals(20, eval.episodes());
            assertTrue(eval.mean() >= 475, "PPO did not solve CartPole-v1: " + eval);
        }
    }
}
