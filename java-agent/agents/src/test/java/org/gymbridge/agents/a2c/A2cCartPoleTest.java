package org.gymbridge.agents.a2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.policy.PolicyHead;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.agents.train.Trainer;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The A2C acceptance run through the real bridge (8 CartPole-v1 envs in a private server, the default config with
 * normalized rewards, 300k steps, about a minute on 2 cores), and the check for the cause of A2C's old collapses:
 * the critic must explain most of its targets' variance while the policy learns (without reward normalization it
 * explained ~0 % for a whole run; docs/policy-gradient-agents.md "A2C robustness").
 */
@Tag("training")
class A2cCartPoleTest {

    @Test
    void a2cSolvesCartPoleWithACriticThatFitsItsTargets() {
        A2cConfig config = A2cConfig.defaults();
        assertTrue(config.normReward(), "the shipped defaults normalize rewards");
        try (VectorEnv env = GymBridge.makeVec("local:CartPole-v1?num_envs=8&seed=1")) {
            A2c a2c = new A2c(config, env.numEnvs(), 4, PolicyHead.forSpace(env.singleActionSpace(), true, 0), 1);
            Recording agent = new Recording(a2c);
            Trainer.Summary summary = new Trainer(System.out, 50_000).train(agent, env, config.totalSteps(), 1);
            System.out.println("training: " + summary);
            assertEquals(config.totalSteps(), summary.envSteps(), 8);

            // The first half of training, while episodes still end early and the targets vary.
            double[] firstHalf = agent.explainedVariance.subList(0, agent.explainedVariance.size() / 2).stream()
                    .mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).sorted().toArray();
            double median = firstHalf[firstHalf.length / 2];
            System.out.printf("critic explained variance, first half: median %.3f%n", median);
            assertTrue(median >= 0.5, "the critic does not fit its targets: median explained variance " + median);

            EvalResult eval = Evaluation.run(a2c, env, 20, 10_000);
            System.out.println("evaluation: " + eval);
            assertTrue(eval.mean() >= 475, "A2C did not solve CartPole-v1: " + eval);
        }
    }

    /** Passes everything to the agent and keeps each update's explained variance. */
    private static final class Recording implements Agent {
        private final Agent agent;
        final List<Double> explainedVariance = new ArrayList<>();

        Recording(Agent agent) {
            this.agent = agent;
        }

        @Override
        public INDArray act(INDArray obs, boolean explore) {
            return agent.act(obs, explore);
        }

        @Override
        public void observe(Transition t) {
            agent.observe(t);
        }

        @Override
        public boolean readyToLearn() {
            return agent.readyToLearn();
        }

        @Override
        public Map<String, Double> learn(INDArray nextObs) {
            Map<String, Double> stats = agent.learn(nextObs);
            explainedVariance.add(stats.getOrDefault("explained_var", Double.NaN));
            return stats;
        }

        @Override
        public void save(Path file) throws IOException {
            agent.save(file);
        }

        @Override
        public void load(Path file) throws IOException {
            agent.load(file);
        }
    }
}
