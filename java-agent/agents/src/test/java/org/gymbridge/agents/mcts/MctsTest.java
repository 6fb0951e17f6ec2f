package org.gymbridge.agents.mcts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.MakeOptions;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MCTS through a real local server: it plans in a model session through snapshots and solves small envs in a few
 * moves; it follows a slippery env exactly (the model's outcome of every real move is checked against the env's,
 * while its simulations sample other outcomes); gymbridge train --algo mcts writes a run folder with tree
 * statistics per move; acting on an env it does not follow fails clearly.
 */
@Tag("training")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MctsTest {

    @TempDir
    Path dir;

    private GymBridgeClient client;

    @BeforeAll
    void start() {
        client = GymBridge.connect("local:");
    }

    @AfterAll
    void stop() {
        client.close();
    }

    private static MctsConfig config(int simulations, int depth, int lanes) {
        return new MctsConfig(simulations, 1.0, depth, 0.99, MctsConfig.Rollout.RANDOM, "", true, true, lanes,
                MctsConfig.Backup.BELLMAN);
    }

    @Test
    void solvesTheDeterministicLakeInEveryEpisode() {
        MakeOptions options = MakeOptions.builder().kwargs(Map.of("is_slippery", false)).build();
        SimulationSweep.Point p = SimulationSweep.run(client, "FrozenLake-v1", options, config(48, 30, 8), 48, 2, 1);
        assertEquals(1.0, p.successRate(), p.toString());
        assertTrue(p.modelSteps() > 0);
    }

    @Test
    void solvesTheDeterministic8x8LakeBySearchingItsGraphOfStates() {
        // the goal is 14 steps away through holes: random rollouts alone almost never reach it, while one node per
        // state lets the search cover the lake's 64 states and carry the goal's value back to the start
        MakeOptions options = MakeOptions.builder().kwargs(Map.of("map_name", "8x8", "is_slippery", false)).build();
        SimulationSweep.Point p = SimulationSweep.run(client, "FrozenLake-v1", options, config(16, 100, 8), 16, 1, 1);
        assertEquals(1.0, p.successRate(), p.toString());
    }

    @Test
    void plansTheSlipperyLakeWellAboveChance() {
        // a random policy reaches the goal in ~1.5% of episodes; planning in 16 lanes of the model, 32 simulations
        // per move (two rounds), reaches it in most (the same seeds give the same episodes bit for bit)
        MakeOptions options = MakeOptions.builder().kwargs(Map.of("is_slippery", true)).build();
        SimulationSweep.Point p = SimulationSweep.run(client, "FrozenLake-v1", options, config(32, 20, 16), 32, 8, 1);
        assertTrue(p.successRate() >= 0.6, p.toString());
    }

    @Test
    void keepsThePoleUpWithMeanBackupsInOneBatchedCallPerLaneStep() {
        MakeOptions options = MakeOptions.builder().maxEpisodeSteps(100).build();
        MctsConfig cartpole = new MctsConfig(16, 1.0, 20, 1.0, MctsConfig.Rollout.RANDOM, "", true, true, 16,
                MctsConfig.Backup.MEAN);
        SimulationSweep.Point p = SimulationSweep.run(client, "CartPole-v1", options, cartpole, 16, 1, 1);
        assertEquals(100.0, p.meanReturn(), p.toString());
        assertTrue(p.modelSteps() > 8 * p.modelCalls(), "16 lanes step together: " + p);
    }

    @Test
    void followsASlipperyEnvExactlyWhileItsSimulationsSampleOtherOutcomes() {
        MakeOptions options = MakeOptions.builder().kwargs(Map.of("is_slippery", true)).build();
        try (VectorEnv real = client.makeVec("FrozenLake-v1", options);
             Mcts mcts = new Mcts(client.makeVec("FrozenLake-v1", options.toBuilder().numEnvs(4).build()),
                     config(16, 20, 4), null, 3)) {
            EvalResult r = Evaluation.run(mcts, real, 4, 7); // every real move is checked against the model's
            for (double x : r.returns()) {
                assertTrue(x == 0.0 || x == 1.0, "FrozenLake pays 0 or 1: " + x);
            }
        }
    }

    @Test
    void actingOnAnEnvItDoesNotFollowFailsClearly() {
        try (Mcts mcts = new Mcts(client.makeVec("CartPole-v1", MakeOptions.builder().build()), config(4, 5, 1), null, 1)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> mcts.act(Nd4j.zeros(1, 4), false));
            assertTrue(e.getMessage().contains("envReset"), e.getMessage());
            mcts.envReset(1);
            e = assertThrows(IllegalStateException.class, () -> mcts.act(Nd4j.zeros(1, 4), false));
            assertTrue(e.getMessage().contains("not in the state"), e.getMessage());
        }
    }

    @Test
    void trainWritesARunFolderWithTreeStatisticsPerMove() throws IOException {
        var algorithm = Algorithms.get("mcts");
        Record c = Configs.bind(algorithm.defaults(), Map.of("simulations", 24, "depth", 20), "test");
        TrainerConfig trainer = new TrainerConfig(1, 0, 1, 1, 10_000, 1_000, 10);
        TrainingRun.Result r = TrainingRun.create(dir.resolve("run"), new TrainingRun.Spec(
                "local:FrozenLake-v1?is_slippery=false", "mcts", 12, 1, trainer), algorithm, c)
                .train(new PrintStream(new ByteArrayOutputStream()));
        assertEquals(1.0, r.finalEval().mean(), "the final greedy episode reaches the goal");
        List<Map<String, Object>> rows = TrainingRun.readMetrics(dir.resolve("run"));
        List<Map<String, Object>> moves = rows.stream().filter(m -> "train".equals(m.get("kind"))).toList();
        assertTrue(moves.size() >= 10, "a train row per move: " + moves.size());
        for (String key : List.of("simulations", "tree_nodes", "tree_depth", "model_steps", "root_visit_share", "plan_ms")) {
            assertTrue(moves.get(0).containsKey(key), key + " in " + moves.get(0));
        }
        assertTrue(rows.stream().anyMatch(m -> "episode".equals(m.get("kind")) && ((Number) m.get("return")).doubleValue() == 1.0));
        assertTrue(Files.isRegularFile(dir.resolve("run").resolve(TrainingRun.EVAL_FILE)));
    }
}
