package org.gymbridge.agents.bandit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chapter-2 testbed results: simulated in Java (2000 runs) and played on the served bandit env. */
class BanditTest {

    static final int RUNS = 2000;
    static final int STEPS = 1000;

    @TempDir
    Path dir;

    @Test
    void ucbEarnsMoreThanEpsilonGreedyOverSteps200To1000() throws IOException {
        var eps = BanditTestbed.simulate(new ActionValueBandit(ActionValueBandit.Selection.EPSILON_GREEDY,
                BanditConfig.epsilonGreedy(), 10, RUNS, 1), STEPS, true, 0, 42);
        var ucb = BanditTestbed.simulate(new ActionValueBandit(ActionValueBandit.Selection.UCB, BanditConfig.ucb(), 10,
                RUNS, 1), STEPS, true, 0, 42);
        double ucbReward = ucb.meanReward(199, STEPS);
        double epsReward = eps.meanReward(199, STEPS);
        assertTrue(ucbReward > epsReward, "UCB " + ucbReward + " vs epsilon-greedy " + epsReward);
        // The book's figure 2.2: epsilon = 0.1 levels off near 1.3-1.4 average reward and ~80% optimal actions.
        assertEquals(1.35, eps.meanReward(800, STEPS), 0.1);
        assertTrue(eps.meanOptimal(800, STEPS) > 0.7, "epsilon-greedy % optimal " + eps.meanOptimal(800, STEPS));
        Map<String, BanditTestbed.Curves> curves = new LinkedHashMap<>();
        curves.put("UCB c=2", ucb);
        curves.put("epsilon-greedy 0.1", eps);
        BanditTestbed.plot(dir, "10-armed testbed, 2000 runs", curves);
        assertTrue(Files.size(dir.resolve("average-reward.png")) > 1000);
        assertTrue(Files.size(dir.resolve("optimal-action.png")) > 1000);
    }

    @Test
    void optimisticGreedyFindsTheBestArmMoreOftenThanRealisticEpsilonGreedyLater() {
        var optimistic = BanditTestbed.simulate(new ActionValueBandit(ActionValueBandit.Selection.EPSILON_GREEDY,
                BanditConfig.optimistic(), 10, RUNS, 2), STEPS, true, 0, 7);
        var realistic = BanditTestbed.simulate(new ActionValueBandit(ActionValueBandit.Selection.EPSILON_GREEDY,
                new BanditConfig(0.1, 0.1, 0, 2, 0.1, true), 10, RUNS, 2), STEPS, true, 0, 7);
        assertTrue(optimistic.meanOptimal(500, STEPS) > realistic.meanOptimal(500, STEPS));   // figure 2.3
    }

    @Test
    void gradientBanditLearnsAndConstantStepsTrackANonStationaryProblem() {
        var gradient = BanditTestbed.simulate(new GradientBandit(BanditConfig.gradient(), 10, RUNS, 3), STEPS, true, 0, 9);
        assertTrue(gradient.meanOptimal(800, STEPS) > 0.6, "gradient % optimal " + gradient.meanOptimal(800, STEPS));
        // Exercise 2.5: sample averages fall behind a constant step size when q* walks.
        var average = BanditTestbed.simulate(new ActionValueBandit(ActionValueBandit.Selection.EPSILON_GREEDY,
                BanditConfig.epsilonGreedy(), 10, 500, 4), 5000, false, 0.01, 11);
        var constant = BanditTestbed.simulate(new ActionValueBandit(ActionValueBandit.Selection.EPSILON_GREEDY,
                new BanditConfig(0.1, 0.1, 0, 2, 0.1, true), 10, 500, 4), 5000, false, 0.01, 11);
        assertTrue(constant.meanReward(4000, 5000) > average.meanReward(4000, 5000));
    }

    @Test
    void ucbPlaysTheServedTestbedThroughTheBridgeDeterministically() {
        BanditTestbed.Curves first;
        BanditTestbed.Curves second;
        try (VectorEnv env = GymBridge.makeVec("local:gymbridge/Bandit-v0?num_envs=8")) {
            first = BanditTestbed.served(env, new ActionValueBandit(ActionValueBandit.Selection.UCB, BanditConfig.ucb(),
                    10, 8, 5), STEPS, 2, 100);
            second = BanditTestbed.served(env, new ActionValueBandit(ActionValueBandit.Selection.UCB, BanditConfig.ucb(),
                    10, 8, 5), STEPS, 2, 100);
        }
        assertEquals(16, first.runs());
        assertTrue(first.meanOptimal(500, STEPS) > 0.5, "% optimal late " + first.meanOptimal(500, STEPS));
        assertTrue(first.meanReward(500, STEPS) > first.meanReward(0, 10) + 0.3, "reward grows");
        assertArrayEquals(first.averageReward(), second.averageReward());
    }

    @Test
    void banditAlgorithmsTrainThroughTheFrameworkOnTheServedEnv() throws IOException {
        TrainerConfig trainer = new TrainerConfig(4_000, 0, 4, 4, 10_000, 50_000, 20);
        var algorithm = Algorithms.get("gradient-bandit");
        TrainingRun.Result r = TrainingRun.create(dir.resolve("run"), new TrainingRun.Spec(
                "local:gymbridge/Bandit-v0?num_envs=4", "gradient-bandit", 8_040, 1, trainer), algorithm,
                algorithm.defaults()).train(new PrintStream(new ByteArrayOutputStream()));
        assertTrue(r.finished());
        assertEquals(8, r.episodes());     // 2 problems of 1000 pulls per env (+ 1 autoreset step after each)
        assertTrue(r.recentMeanReturn() > 500, "total reward per 1000-pull problem " + r.recentMeanReturn());
    }
}
