package org.gymbridge.agents.dp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.TabularModel;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.Test;

class DynamicProgrammingTest {

    /**
     * State 0: action 0 ends the episode with reward 5, action 1 stays with reward 1 (worth 1 / (1 - gamma));
     * state 1 is absorbing with reward 0. So V(0) = max(5, 1 / (1 - gamma)).
     */
    static TabularModel stayOrLeave() {
        return new TabularModel(2, 2, new int[] {0, 0, 1, 1}, new int[] {0, 1, 0, 1}, new double[] {1, 1, 1, 1},
                new int[] {1, 0, 1, 1}, new double[] {5, 1, 0, 0}, new boolean[] {true, false, false, false});
    }

    @Test
    void valueAndPolicyIterationSolveAModelGivenInJava() {
        for (double gamma : new double[] {0.9, 0.5}) {
            double expected = Math.max(5, 1 / (1 - gamma));
            int best = gamma == 0.9 ? 1 : 0;
            DynamicProgramming.Result vi = DynamicProgramming.valueIteration(stayOrLeave(), gamma, 1e-12);
            assertEquals(expected, vi.values()[0], 1e-9);
            assertEquals(0.0, vi.values()[1]);
            assertEquals(best, vi.policy()[0]);
            DynamicProgramming.Result pi = DynamicProgramming.policyIteration(stayOrLeave(), gamma, 1e-12);
            assertEquals(expected, pi.values()[0], 1e-9);
            assertEquals(best, pi.policy()[0]);
        }
    }

    @Test
    void evaluationOfTheRandomPolicyMatchesTheClosedForm() {
        // V = 0.5 * 5 + 0.5 * (1 + gamma V)  =>  V = 3 / (1 - gamma / 2)
        DynamicProgramming.Result r = DynamicProgramming.evaluate(stayOrLeave(),
                DynamicProgramming.uniformPolicy(stayOrLeave()), 0.9, 1e-13);
        assertEquals(3 / (1 - 0.45), r.values()[0], 1e-10);
    }

    @Test
    void frozenLake8x8ValuesEqualPythonsAndTheValueIterationPolicySucceeds() throws Exception {
        Map<String, double[]> python = pythonReference("FrozenLake-v1", "{\"map_name\": \"8x8\"}", 0.99, 1e-12);
        // FrozenLake-v1 registers a 100-step limit for every map; the 8x8 map's own id (FrozenLake8x8-v1) uses
        // 200. Within 100 steps no policy reaches 0.70 (the value-iteration policy: 0.62, measured in Python
        // too); within 200 it reaches ~0.86 (finite-horizon DP on P: 0.863; the best possible: 0.913).
        try (VectorEnv env = GymBridge.makeVec("local:FrozenLake-v1?map_name=8x8&max_episode_steps=200&num_envs=16")) {
            TabularModel model = env.model();
            assertEquals(64, model.numStates());
            DynamicProgramming.Result vi = DynamicProgramming.valueIteration(model, 0.99, 1e-12);
            DynamicProgramming.Result pi = DynamicProgramming.policyIteration(model, 0.99, 1e-12);
            DynamicProgramming.Result ev = DynamicProgramming.evaluate(model, DynamicProgramming.uniformPolicy(model),
                    0.99, 1e-12);
            assertClose(python.get("value_iteration"), vi.values());
            assertClose(python.get("policy_iteration"), pi.values());
            assertClose(python.get("evaluation"), ev.values());
            assertArrayEquals(vi.policy(), DynamicProgramming.greedy(model, pi.values(), 0.99));

            EvalResult success = Evaluation.run(new TabularPolicy(vi.policy()), env, 1000, 10_000);
            assertEquals(1000, success.episodes());
            assertTrue(success.mean() >= 0.70, "value-iteration policy success rate " + success.mean());
        }
    }

    private static void assertClose(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int s = 0; s < expected.length; s++) {
            assertEquals(expected[s], actual[s], 1e-9, "state " + s);
        }
    }

    /** Runs dp_reference.py with the server venv's python (Gymnasium's own P, plain-Python DP). */
    static Map<String, double[]> pythonReference(String envId, String kwargs, double gamma, double theta)
            throws IOException, InterruptedException {
        Path script = Files.createTempFile("dp_reference", ".py");
        try (var in = DynamicProgrammingTest.class.getResourceAsStream("dp_reference.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder(venvPython().toString(), script.toString(), envId, kwargs,
                Double.toString(gamma), Double.toString(theta)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "dp_reference.py failed:\n" + out);
        Map<String, double[]> values = new HashMap<>();
        for (String line : out.strip().split("\n")) {
            String[] parts = line.trim().split(" ");
            if (parts.length == 2 && List.of("evaluation", "value_iteration", "policy_iteration").contains(parts[0])) {
                ByteBuffer b = ByteBuffer.wrap(HexFormat.of().parseHex(parts[1])).order(ByteOrder.LITTLE_ENDIAN);
                double[] v = new double[b.remaining() / 8];
                b.asDoubleBuffer().get(v);
                values.put(parts[0], v);
            }
        }
        assertEquals(3, values.size(), "unexpected output of dp_reference.py:\n" + out);
        return values;
    }

    /** python-env-server/.venv/bin/python, next to the server the tests use (GYMBRIDGE_SERVER) or found upward. */
    static Path venvPython() {
        String server = System.getenv("GYMBRIDGE_SERVER");
        if (server != null) {
            Path python = Path.of(server).resolveSibling("python");
            if (Files.isExecutable(python)) {
                return python;
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path python = dir.resolve("python-env-server/.venv/bin/python");
            if (Files.isExecutable(python)) {
                return python;
            }
        }
        throw new IllegalStateException("python-env-server/.venv/bin/python not found: build the python-env-server"
                + " module first (mvn -pl python-env-server verify)");
    }
}
