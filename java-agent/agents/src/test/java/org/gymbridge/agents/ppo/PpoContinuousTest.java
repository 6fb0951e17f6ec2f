package org.gymbridge.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.agents.train.Trainer;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * PPO with a diagonal-Gaussian policy runs end to end on a Box action space (Pendulum-v1) through the
 * bridge: rollouts, updates, evaluation and checkpoints. A smoke test of the plumbing, not of learning
 * quality (continuous control needs its own hyperparameters and normalization).
 */
class PpoContinuousTest {

    @TempDir
    Path dir;

    @Test
    void gaussianPpoTrainsEvaluatesAndReloadsOnPendulum() throws IOException {
        PpoConfig config = PpoConfig.defaults().withNumSteps(64).withTotalSteps(4 * 64 * 3).withLearningRate(3e-4);
        try (VectorEnv env = GymBridge.makeVec("local:Pendulum-v1?num_envs=4")) {
            Ppo agent = Ppo.forEnv(env, config, 3);
            Trainer.Summary summary = new Trainer(new PrintStream(OutputStream.nullOutputStream()), Long.MAX_VALUE)
                    .train(agent, env, config.totalSteps(), 3);
            assertEquals(4 * 64 * 3, summary.envSteps());
            for (float p : HostArrays.toFloats(agent.network().params())) {
                assertTrue(Float.isFinite(p), "non-finite weight after updates");
            }

            EvalResult eval = Evaluation.run(agent, env, 2, 5);
            // Pendulum-v1: 200 steps, reward per step in [-16.3, 0].
            assertTrue(eval.min() >= -3300 && eval.max() <= 0, eval.toString());

            Path file = dir.resolve("pendulum.zip");
            agent.save(file);
            Ppo loaded = Ppo.load(file, 4, 3);
            INDArray obs = Nd4j.rand(DataType.FLOAT, 4, 3);
            assertArrayEquals(HostArrays.toFloats(agent.act(obs, false)), HostArrays.toFloats(loaded.act(obs, false)));
            assertArrayEquals(new long[] {4, 1}, loaded.act(obs, false).shape());
        }
    }
}
