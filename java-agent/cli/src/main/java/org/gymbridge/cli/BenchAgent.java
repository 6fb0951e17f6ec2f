package org.gymbridge.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.gymbridge.agents.train.Trainer;
import org.gymbridge.agents.ppo.Ppo;
import org.gymbridge.agents.ppo.PpoConfig;
import org.gymbridge.client.ClientOptions;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.MakeOptions;
import org.gymbridge.env.VectorEnv;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The bench's agent-side row: what the demo agent itself costs next to the env. */
final class BenchAgent {
    private BenchAgent() {
    }

    /**
     * The demo agent's own cost (PPO, DL4J, CartPole-v1 x8 as in examples/CartPolePpo): the Trainer's split of
     * wall time into env, act and learn, per vector step and per env step; and the cost of one greedy act on
     * a batch of 8 observations versus 8 acts on one observation each -- action selection is one forward
     * pass per batched step (Ppo.act), so the batch of 8 should cost about as much as one single act.
     */
    static Map<String, Object> measure(String url, long agentSteps) {
        Map<String, Object> row = new LinkedHashMap<>();
        int n = 8;
        try (GymBridgeClient client = GymBridge.connect(url, ClientOptions.defaults());
             VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(n).seed(1).build())) {
            Ppo agent = Ppo.forEnv(env, PpoConfig.defaults().withTotalSteps(agentSteps), 1);
            Trainer.Summary s = new Trainer(new PrintStream(OutputStream.nullOutputStream()), Long.MAX_VALUE)
                    .train(agent, env, agentSteps, 1);
            double vectorSteps = (double) s.envSteps() / n;
            INDArray batch = Nd4j.rand(DataType.FLOAT, n, 4);
            INDArray single = Nd4j.rand(DataType.FLOAT, 1, 4);
            int reps = 2000;
            for (int i = 0; i < reps / 4; i++) {
                agent.act(batch, false);
                agent.act(single, false);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                agent.act(batch, false);
            }
            double batchUs = (System.nanoTime() - t0) / 1e3 / reps;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                agent.act(single, false);
            }
            double singleUs = (System.nanoTime() - t0) / 1e3 / reps;
            row.put("agent", "PPO (DL4J), " + PpoConfig.defaults().hidden().length + " hidden layers of "
                    + PpoConfig.defaults().hidden()[0]);
            row.put("env", "CartPole-v1");
            row.put("num_envs", n);
            row.put("env_steps", s.envSteps());
            row.put("seconds", s.seconds());
            row.put("env_us_per_vector_step", 1e6 * s.envSeconds() / vectorSteps);
            row.put("act_us_per_vector_step", 1e6 * s.actSeconds() / vectorSteps);
            row.put("learn_us_per_vector_step", 1e6 * s.learnSeconds() / vectorSteps);
            row.put("act_us_per_env_step", 1e6 * s.actSeconds() / s.envSteps());
            row.put("learn_us_per_env_step", 1e6 * s.learnSeconds() / s.envSteps());
            row.put("env_us_per_env_step", 1e6 * s.envSeconds() / s.envSteps());
            row.put("greedy_act_batch8_us", batchUs);
            row.put("greedy_act_batch1_us", singleUs);
            row.put("batch8_vs_8_single_acts", batchUs / (8 * singleUs));
            row.put("mean_return_last_episodes", s.recentMeanReturn());
            System.err.printf(Locale.ROOT, "bench: agent PPO CartPole-v1 x8, %d steps: per vector step env %.0f us, act %.0f us, "
                            + "learn %.0f us; greedy act batch 8 %.0f us vs batch 1 %.0f us%n", s.envSteps(),
                    row.get("env_us_per_vector_step"), row.get("act_us_per_vector_step"),
                    row.get("learn_us_per_vector_step"), batchUs, singleUs);
        }
        return row;
    }
}
