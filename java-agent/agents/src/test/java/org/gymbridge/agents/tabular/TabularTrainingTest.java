package org.gymbridge.agents.tabular;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The issue's tabular acceptance bars, trained through a real local server with fixed seeds (the same
 * settings as the commands in the agents README), plus every tabular algorithm on a small deterministic lake.
 */
@Tag("training")
class TabularTrainingTest {

    @TempDir
    Path dir;

    static TrainingRun.Result train(Path dir, String env, String algo, long steps, Map<String, Object> config,
                                    int finalEpisodes) throws IOException {
        var algorithm = Algorithms.get(algo);
        Record c = Configs.bind(algorithm.defaults(), config, "test config for " + algo);
        TrainerConfig trainer = new TrainerConfig(steps, 0, 10, finalEpisodes, 10_000, steps, 100);
        return TrainingRun.create(dir, new TrainingRun.Spec(env, algo, steps, 1, trainer), algorithm, c)
                .train(new PrintStream(new ByteArrayOutputStream()));
    }

    /** The settings of configs/q-learning-frozenlake.yaml. */
    static Map<String, Object> frozenLake() {
        return Map.of("alpha", Map.of("start", 0.1, "end", 0.01, "steps", 400_000), "gamma", 0.99,
                "epsilon", Map.of("start", 1.0, "end", 0.01, "steps", 300_000));
    }

    /** The settings of configs/*-taxi.yaml. */
    static Map<String, Object> taxi() {
        return Map.of("alpha", 0.5, "gamma", 0.99, "epsilon", Map.of("start", 1.0, "end", 0.01, "steps", 250_000));
    }

    @Test
    void qLearningSolvesSlipperyFrozenLake() throws IOException {
        TrainingRun.Result r = train(dir.resolve("fl"), "local:FrozenLake-v1?num_envs=16", "q-learning", 400_000,
                frozenLake(), 1000);
        assertEquals(1000, r.finalEval().episodes());
        assertTrue(r.finalEval().mean() >= 0.70, "greedy success rate " + r.finalEval().mean());
    }

    @ParameterizedTest
    @ValueSource(strings = {"q-learning", "sarsa"})
    void solvesTaxi(String algo) throws IOException {
        TrainingRun.Result r = train(dir.resolve(algo), "local:Taxi-v4?num_envs=16", algo, 320_000, taxi(), 100);
        assertEquals(100, r.finalEval().episodes());
        assertTrue(r.finalEval().mean() >= 7.0, algo + " mean return " + r.finalEval().mean());
    }

    @ParameterizedTest
    @ValueSource(strings = {"q-learning", "sarsa", "expected-sarsa", "double-q-learning", "monte-carlo", "dyna-q"})
    void everyTabularAlgorithmFindsTheGoalOfADeterministicLake(String algo) throws IOException {
        Map<String, Object> config = Map.of("alpha", algo.equals("monte-carlo") ? 0.0 : 0.5, "gamma", 0.95,
                "epsilon", Map.of("start", 1.0, "end", 0.05, "steps", 15_000), "planning_steps", 5);
        TrainingRun.Result r = train(dir.resolve(algo), "local:FrozenLake-v1?is_slippery=false&num_envs=8", algo,
                20_000, config, 8);
        assertEquals(1.0, r.finalEval().mean(), algo + " greedy success");
    }

    @Test
    void boltzmannExplorationLearnsToo() throws IOException {
        Map<String, Object> config = Map.of("alpha", 0.5, "gamma", 0.95, "policy", "boltzmann",
                "temperature", Map.of("start", 1.0, "end", 0.02, "steps", 15_000));
        TrainingRun.Result r = train(dir.resolve("boltzmann"), "local:FrozenLake-v1?is_slippery=false&num_envs=8",
                "q-learning", 20_000, config, 8);
        assertEquals(1.0, r.finalEval().mean());
    }

    @Test
    void sameSeedSameCurveAndResumeIsExact() throws IOException {
        Map<String, Object> config = Map.of("alpha", 0.3, "epsilon", Map.of("start", 1.0, "end", 0.1, "steps", 20_000),
                "planning_steps", 3);
        String env = "local:FrozenLake-v1?num_envs=4";
        var algorithm = Algorithms.get("dyna-q");
        Record c = Configs.bind(algorithm.defaults(), config, "test");
        TrainerConfig trainer = new TrainerConfig(2_000, 0, 10, 20, 10_000, 50_000, 100);
        TrainingRun.Spec spec = new TrainingRun.Spec(env, "dyna-q", 12_000, 3, trainer);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        TrainingRun.create(dir.resolve("a"), spec, algorithm, c).train(quiet);
        TrainingRun.create(dir.resolve("b"), spec, algorithm, c).train(quiet);
        TrainingRun.create(dir.resolve("c"), spec, algorithm, c).trainUntil(quiet, 6_000);
        TrainingRun.resume(dir.resolve("c"), null, Algorithms::get).train(quiet);
        List<String> a = rows(dir.resolve("a"));
        assertTrue(a.size() > 100, "rows: " + a.size());
        assertEquals(a, rows(dir.resolve("b")));
        assertEquals(a, rows(dir.resolve("c")));
    }

    static List<String> rows(Path run) throws IOException {
        return TrainingRun.readMetrics(run).stream().map(row -> {
            TrainingRun.WALL_CLOCK_KEYS.forEach(row::remove);
            return Configs.toJson(row);
        }).toList();
    }
}
