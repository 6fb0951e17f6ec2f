package org.gymbridge.agents.td3;

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
 * TD3 learns Pendulum-v1 through the bridge (a private local: server): after 12k env steps with
 * {@link Td3Config#pendulum()} the greedy policy must score at least -200 over 10 fixed-seed episodes
 * (the bar is -200 within 30k steps; random play scores about -1200). A few minutes on 2 busy cores:
 * about 11k DL4J updates of an actor and two critics (64x64, batch 256).
 */
@Tag("training")
class Td3PendulumTest {

    static final long STEPS = 12_000;

    @Test
    void td3SolvesPendulumWithin12kSteps() {
        try (VectorEnv env = GymBridge.makeVec("local:Pendulum-v1?num_envs=1")) {
            Td3 agent = Td3.forEnv(env, Td3Config.pendulum(), 1);
            Trainer.Summary summary = new Trainer(System.out, 2_000).train(agent, env, STEPS, 1);
            System.out.println("training: " + summary);
            assertEquals(STEPS, summary.envSteps());
            EvalResult eval = Evaluation.run(agent, env, 10, 10_000);
            System.out.println("evaluation: " + eval);
            assertTrue(eval.mean() >= -200, "TD3 did not solve Pendulum-v1: " + eval);
        }
    }
}
