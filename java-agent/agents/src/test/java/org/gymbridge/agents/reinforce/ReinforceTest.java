package org.gymbridge.agents.reinforce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.policy.PolicyHead;
import org.gymbridge.spaces.Discrete;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** REINFORCE's episode bookkeeping and the two variants (with and without the value baseline). */
class ReinforceTest {

    /** Two envs; env 0 ends an episode every 3 steps, env 1 every 5; reward 1 per step. */
    private static int playUntilLearn(Reinforce agent) {
        int steps = 0;
        float[] obs = {0.1f, -0.2f, 0.3f, 0.4f};
        while (!agent.readyToLearn()) {
            INDArray o = HostArrays.toArray(obs, 2, 2);
            INDArray a = agent.act(o, true);
            steps++;
            boolean[] terminated = {steps % 3 == 0, steps % 5 == 0};
            agent.observe(new Transition(o, a, new double[] {1, 1}, terminated, new boolean[2], o,
                    new boolean[] {true, true}));
        }
        return steps;
    }

    private static float[] valueWeights(Reinforce agent) {
        // ActorCritic graph: the value MLP's layers are named value_0, value_1, value.
        float[] all = new float[0];
        for (String layer : new String[] {"value_0", "value"}) {
            float[] w = HostArrays.toFloats(agent.network().graph().getLayer(layer).params());
            float[] joined = Arrays.copyOf(all, all.length + w.length);
            System.arraycopy(w, 0, joined, all.length, w.length);
            all = joined;
        }
        return all;
    }

    @Test
    void learnsOnceEnoughEpisodesHaveFinishedAndOnlyTrainsTheValueHeadWithABaseline() {
        ReinforceConfig base = ReinforceConfig.defaults().withEpisodesPerUpdate(3);
        for (boolean baseline : new boolean[] {true, false}) {
            ReinforceConfig config = new ReinforceConfig(base.learningRate(), base.gamma(), 3, baseline, true, 0.0,
                    0.5, 0.5, new int[] {8});
            Reinforce agent = new Reinforce(config, 2, 2, PolicyHead.forSpace(new Discrete(2), true, 0), 3);
            // episodes end at steps 3, 5, 6: the third finished episode makes the agent ready
            assertEquals(6, playUntilLearn(agent));
            float[] valueBefore = valueWeights(agent);
            float[] policyBefore = HostArrays.toFloats(agent.network().graph().getLayer("policy").params());
            Map<String, Double> stats = agent.learn(HostArrays.toArray(new float[4], 2, 2));
            assertEquals(3.0, stats.get("batch_episodes"));
            assertEquals((3 + 5 + 3) / 3.0, stats.get("batch_return"), 1e-9);
            assertFalse(agent.readyToLearn());
            assertFalse(Arrays.equals(policyBefore,
                    HostArrays.toFloats(agent.network().graph().getLayer("policy").params())), "policy must move");
            if (baseline) {
                assertFalse(Arrays.equals(valueBefore, valueWeights(agent)), "the baseline must learn");
                assertTrue(stats.get("v_loss") > 0);
            } else {
                assertArrayEquals(valueBefore, valueWeights(agent), "without a baseline the value net is untouched");
                assertEquals(0.0, stats.get("v_loss"));
            }
        }
    }
}
