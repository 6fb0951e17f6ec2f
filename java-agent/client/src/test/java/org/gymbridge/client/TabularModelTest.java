package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.gymbridge.env.Env;
import org.gymbridge.env.TabularModel;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.Test;

/**
 * GetModel from Java: the model is Gymnasium's own {@code unwrapped.P}, entry for entry and bit for bit,
 * and value iteration on it agrees with the same iteration run in-process in Python (tabular_reference.py).
 */
class TabularModelTest extends LocalServerFixture {
    private static final double GAMMA = 0.99;

    @Test
    void frozenLake8x8ModelIsGymnasiumsPAndValueIterationMatchesPythonTo1e9() throws Exception {
        try (VectorEnv env = client.makeVec("FrozenLake-v1", MakeOptions.builder().numEnvs(2)
                .kwargs(Map.of("map_name", "8x8")).build())) {
            TabularModel model = env.model();
            assertEquals(64, model.numStates());
            assertEquals(4, model.numActions());
            assertEquals(3, model.outcomes(0, 0).size(), "slippery: three outcomes per move");
            assertSame(model, env.model(), "fetched once, then cached");
            List<String> ref = TestPython.run("tabular_reference.py", List.of("FrozenLake-v1", "{\"map_name\": \"8x8\"}",
                    String.valueOf(GAMMA)));
            assertModelEquals(ref, model);
            double[] expected = values(ref);
            double[] v = valueIteration(model, GAMMA);
            double maxDiff = 0;
            for (int s = 0; s < 64; s++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected[s] - v[s]));
            }
            assertTrue(maxDiff <= 1e-9, "max |V_java - V_python| = " + maxDiff);
            assertTrue(v[0] > 0.3 && v[0] < 1, "the start state is worth something: " + v[0]);
            assertEquals(0.0, v[63], "the goal is terminal");
        }
    }

    @Test
    void taxiAndCliffWalkingModelsAreGymnasiumsP() throws Exception {
        for (String id : List.of("Taxi-v4", "CliffWalking-v1")) {
            try (Env env = client.make(id, MakeOptions.builder().build())) {
                TabularModel model = env.model();
                List<String> ref = TestPython.run("tabular_reference.py", List.of(id, "{}", "0.9"));
                assertModelEquals(ref, model);
                for (int s = 0; s < model.numStates(); s++) {
                    for (int a = 0; a < model.numActions(); a++) {
                        double p = 0;
                        for (TabularModel.Outcome o : model.outcomes(s, a)) {
                            p += o.probability();
                        }
                        assertEquals(1.0, p, 1e-12, id + " P[" + s + "][" + a + "] sums to 1");
                    }
                }
            }
        }
    }

    @Test
    void anEnvWithoutAModelSaysWhichEnvsHaveOne() {
        try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().build())) {
            NoModelException e = assertThrows(NoModelException.class, env::model);
            assertEquals(NoModelException.REASON, e.reason());
            assertTrue(e.getMessage().contains("CartPole-v1") && e.getMessage().contains("FrozenLake"), e.getMessage());
            env.reset(0); // the session is still usable
        }
    }

    @Test
    void malformedModelsAreRejectedWithTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TabularModel(2, 1,
                new int[] {0}, new int[] {0}, new double[] {1}, new int[] {0}, new double[] {0}, new boolean[] {false}));
        assertTrue(e.getMessage().contains("covers 1 of 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TabularModel(2, 1,
                new int[] {1, 0}, new int[] {0, 0}, new double[] {1, 1}, new int[] {0, 0}, new double[2], new boolean[2]));
        assertTrue(e.getMessage().contains("outside") || e.getMessage().contains("out of order"), e.getMessage());
    }

    /** Synchronous value iteration, the same arithmetic in the same order as tabular_reference.py. */
    static double[] valueIteration(TabularModel m, double gamma) {
        double[] v = new double[m.numStates()];
        for (int sweep = 0; sweep < 100000; sweep++) {
            double[] next = new double[v.length];
            double delta = 0;
            for (int s = 0; s < v.length; s++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < m.numActions(); a++) {
                    double q = 0.0;
                    for (int k = m.first(s, a); k < m.end(s, a); k++) {
                        q += m.probability(k) * (m.reward(k) + gamma * v[m.nextState(k)] * (m.done(k) ? 0.0 : 1.0));
                    }
                    best = Math.max(best, q);
                }
                next[s] = best;
                delta = Math.max(delta, Math.abs(best - v[s]));
            }
            v = next;
            if (delta < 1e-12) {
                break;
            }
        }
        return v;
    }

    private static void assertModelEquals(List<String> ref, TabularModel model) {
        String[] head = ref.get(0).split(" ");
        assertEquals(Integer.parseInt(head[1]), model.numStates());
        assertEquals(Integer.parseInt(head[2]), model.numActions());
        int k = 0;
        for (String line : ref.subList(1, ref.size())) {
            if (line.startsWith("values") || line.startsWith("sweeps")) {
                break;
            }
            String[] f = line.split(" ");
            String java = model.state(k) + " " + model.action(k) + " " + hex(model.probability(k)) + " "
                    + model.nextState(k) + " " + hex(model.reward(k)) + " " + (model.done(k) ? 1 : 0);
            assertEquals(String.join(" ", f), java, "entry " + k);
            k++;
        }
        assertEquals(k, model.size(), "entry count");
    }

    private static double[] values(List<String> ref) {
        for (String line : ref) {
            if (line.startsWith("values ")) {
                ByteBuffer b = ByteBuffer.wrap(HexFormat.of().parseHex(line.substring(7))).order(ByteOrder.LITTLE_ENDIAN);
                double[] v = new double[b.remaining() / 8];
                b.asDoubleBuffer().get(v);
                return v;
            }
        }
        throw new AssertionError("no values line in the reference output");
    }

    private static String hex(double d) {
        return HexFormat.of().formatHex(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(d).array());
    }
}
