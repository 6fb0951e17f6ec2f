package org.gymbridge.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gymbridge.examples.crafter.CrafterEvaluation;
import org.gymbridge.examples.crafter.CrafterExperiment;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MineRL path: the Crafter agent code and config ({@link CrafterExperiment} with crafter-ppo.yaml, what
 * {@code CrafterPpo --config crafter-ppo.yaml} runs: PPO with the Nature CNN, its evaluation against a random agent
 * and its report) trains on a MineRL task by changing only the URL ({@code --env}). MineRL itself cannot be
 * installed here, so the env is {@code gymbridge/MineRLTreechopSpaces-v0}: the server's MineRL adapter over an env
 * with MineRL 0.4.4's documented Treechop spaces, mapped by the server's {@code MineRLDiscreteActions} and
 * {@code MineRLPovObservation} wrappers (python-env-server adapters/minerl.py, tested in tests/test_minerl.py)
 * exactly as a real MineRLTreechop-v0 would be.
 */
class MineRLTreechopPpoTest {

    /** The Crafter run config: the MineRL run uses it as it is, with another env URL (examples/README.md). */
    static final Path CONFIG = Path.of("..", "java-agent", "agents", "configs", "crafter-ppo.yaml");

    /** The documented MineRL URL with the spaces fake instead of MineRLTreechop-v0, 4 envs and 16-step episodes. */
    static final String FAKE_URL = "local:gymbridge/MineRLTreechopSpaces-v0?num_envs=4&episode_length=16"
            + "&wrappers=MineRLDiscreteActions(camera_step=10),MineRLPovObservation";

    @TempDir
    Path tmp;

    @Test
    void mappedMineRLTreechopLooksLikeCrafterToTheAgent() throws Exception {
        try (VectorEnv env = GymBridge.makeVec(FAKE_URL)) {
            // Crafter-v1: Box(0, 255, (64, 64, 3), uint8) and Discrete(17); Treechop mapped: the same frames, 11 actions.
            Box obs = (Box) env.singleObservationSpace();
            assertEquals(DType.UINT8, obs.dtype());
            assertArrayEquals(new long[] {64, 64, 3}, obs.shape());
            assertEquals(11, ((Discrete) env.singleActionSpace()).n());
        }
    }

    @Test
    void crafterPpoTrainsAndEvaluatesOnMineRLTreechopByChangingOnlyTheUrl() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path out = tmp.resolve("minerl-treechop");
        // 512 steps: one PPO rollout of 4 envs x 128 steps (crafter-ppo.yaml's num_steps), so an update runs.
        CrafterExperiment.Outcome outcome = CrafterExperiment.fromConfig(CONFIG, out).withEnv(FAKE_URL)
                .withSteps(512).withEval(4, 7, true, "sample").run(new PrintStream(log, true, StandardCharsets.UTF_8));
        String text = log.toString(StandardCharsets.UTF_8);

        assertEquals(2, outcome.results().size(), text);
        for (CrafterEvaluation.Result r : outcome.results()) {
            assertEquals(4, r.episodes(), r.policy());
            for (long length : r.lengths()) {
                assertEquals(16, length, r.policy() + ": every episode is truncated at episode_length=16");
            }
            for (double ret : r.returns()) {
                // Treechop: +1 per log, only ever from attack (index 6); at most one per step.
                assertTrue(ret >= 0 && ret <= 16 && ret == Math.rint(ret), r.policy() + " return " + ret);
            }
        }
        assertEquals("ppo", outcome.agent().policy());
        assertEquals("random", outcome.results().get(1).policy());
        assertEquals(FAKE_URL, outcome.facts().get("env"));
        assertEquals(512L, ((Number) outcome.facts().get("steps")).longValue());
        assertTrue(Files.size(out.resolve("metrics.jsonl")) > 0, "training metrics");
        assertTrue(Files.isRegularFile(out.resolve("checkpoint").resolve("agent.bin")), "trained agent saved");
        assertTrue(Files.size(out.resolve("crafter-eval.json")) > 0 && Files.size(out.resolve("crafter-eval.gif")) > 0,
                "report written");
        assertTrue(text.contains("evaluating a uniformly random agent"), text);
    }
}
