package org.gymbridge.agents.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The trainer and evaluation loops against a real server: NEXT_STEP autoreset, episode bookkeeping. */
class TrainerTest {

    private static VectorEnv env;

    @BeforeAll
    static void startServer() {
        env = GymBridge.makeVec("local:CartPole-v1?num_envs=3");
    }

    @AfterAll
    static void stopServer() {
        env.close();
    }

    /** Random actions (or always action 0 when greedy); records every transition; "learns" every 10 steps. */
    private static final class RecordingAgent implements Agent {
        final Random rng = new Random(0);
        final List<Transition> transitions = new ArrayList<>();
        int sinceLearn;
        int learnCalls;

        @Override
        public INDArray act(INDArray observations, boolean explore) {
            int n = (int) observations.size(0);
            float[] actions = new float[n];
            for (int i = 0; i < n; i++) {
                actions[i] = explore ? rng.nextInt(2) : 0;
            }
            return HostArrays.toArray(actions, n, 1);
        }

        @Override
        public void observe(Transition transition) {
            transitions.add(transition);
            sinceLearn++;
        }

        @Override
        public boolean readyToLearn() {
            return sinceLearn == 10;
        }

        @Override
        public Map<String, Double> learn(INDArray nextObservations) {
            sinceLearn = 0;
            learnCalls++;
            return Map.of("calls", (double) learnCalls);
        }

        @Override
        public void save(Path file) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void load(Path file) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void stepsAfterAnEpisodeEndAreMarkedAsResetStepsAndNotCounted() {
        RecordingAgent agent = new RecordingAgent();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Summary summary = new Trainer(new PrintStream(log, true, StandardCharsets.UTF_8), 30)
                .train(agent, env, 3 * 200, 5);

        assertEquals(600, summary.envSteps());
        assertEquals(200, agent.transitions.size());
        assertEquals(20, agent.learnCalls);
        List<Double> returns = new ArrayList<>();
        double[] running = new double[3];
        for (int t = 0; t < agent.transitions.size(); t++) {
            Transition tr = agent.transitions.get(t);
            for (int i = 0; i < 3; i++) {
                boolean previousDone = t > 0 && agent.transitions.get(t - 1).valid()[i]
                        && agent.transitions.get(t - 1).done(i);
                assertEquals(!previousDone, tr.valid()[i], "step " + t + " env " + i);
                if (!tr.valid()[i]) {
                    // Gymnasium's NEXT_STEP reset step: reward 0, not done, and the observation we acted on
                    // was the previous episode's final observation.
                    assertEquals(0.0, tr.rewards()[i]);
                    assertFalse(tr.done(i));
                    assertArrayEquals(HostArrays.toFloats(agent.transitions.get(t - 1).nextObservations().getRow(i)),
                            HostArrays.toFloats(tr.observations().getRow(i)));
                    continue;
                }
                running[i] += tr.rewards()[i];
                if (tr.done(i)) {
                    returns.add(running[i]);
                    running[i] = 0;
                }
            }
        }
        assertTrue(returns.size() >= 10, "random CartPole episodes are short; got " + returns.size());
        assertArrayEquals(returns.stream().mapToDouble(Double::doubleValue).toArray(), summary.episodeReturns());
        String output = log.toString(StandardCharsets.UTF_8);
        assertTrue(output.contains("step") && output.contains("episodes") && output.contains("steps/s"), output);
    }

    @Test
    void evaluationRunsExactlyTheRequestedEpisodesDeterministically() {
        RecordingAgent agent = new RecordingAgent();
        EvalResult first = Evaluation.run(agent, env, 7, 123);
        EvalResult second = Evaluation.run(agent, env, 7, 123);
        assertEquals(7, first.episodes());
        assertArrayEquals(first.returns(), second.returns());
        // Always pushing left ends CartPole within a few dozen steps.
        assertTrue(first.max() < 100 && first.min() >= 1, first.toString());
        assertTrue(agent.transitions.isEmpty(), "evaluation must not feed the agent's learning");
    }

    @Test
    void otherAutoresetModesAreRejectedWithTheFix() {
        try (VectorEnv sameStep = GymBridge.makeVec("local:CartPole-v1?num_envs=2&autoreset=same_step")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(System.out, 100).train(new RecordingAgent(), sameStep, 10, 1));
            assertTrue(e.getMessage().contains("NEXT_STEP") && e.getMessage().contains("autoreset="), e.getMessage());
        }
    }

    @Test
    void evaluationRejectsZeroEpisodes() {
        assertThrows(IllegalArgumentException.class, () -> Evaluation.run(new RecordingAgent(), env, 0, 1));
    }
}
