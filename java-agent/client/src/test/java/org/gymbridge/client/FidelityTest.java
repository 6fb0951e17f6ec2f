package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge returns bit-identical observations, rewards and flags, with the same dtypes, as the same
 * envs stepped in-process by Gymnasium (gymnasium.make_vec, sync) with the same seed and actions.
 * The reference is computed now by the real Gymnasium (reference_rollout.py), never stored.
 */
class FidelityTest extends LocalServerFixture {
    @TempDir
    Path tmp;

    @Test
    void cartPoleMatchesGymnasiumAcrossEpisodeEnds() throws Exception {
        Rollout r = compare("CartPole-v1", 3, 11, 80, Map.of());
        assertTrue(r.episodeEnds() >= 2, "the rollout must cross episode ends (and the autoresets after them), got "
                + r.episodeEnds());
    }

    @Test
    void pendulumMatchesGymnasiumWithFloatKwarg() throws Exception {
        compare("Pendulum-v1", 2, 5, 25, Map.of("g", 9.5));
    }

    @Test
    void frozenLakeMatchesGymnasiumWithStringAndBoolKwargs() throws Exception {
        compare("FrozenLake-v1", 4, 3, 40, Map.of("map_name", "8x8", "is_slippery", true));
    }

    @Test
    void blackjackMatchesGymnasiumWithTupleObservations() throws Exception {
        Rollout r = compare("Blackjack-v1", 4, 13, 30, Map.of("sab", true));
        assertTrue(r.transcript().get(0).startsWith("obs[0] int64 4 "), r.transcript().get(0));
        assertTrue(r.episodeEnds() >= 4, "blackjack hands end quickly: " + r.episodeEnds());
    }

    @Test
    void halfCheetahMatchesGymnasiumKeepingFloat64() throws Exception {
        Rollout r = compare("HalfCheetah-v5", 2, 7, 30, Map.of());
        assertTrue(r.transcript().get(0).startsWith("obs float64 2,17 "), r.transcript().get(0).substring(0, 30));
    }

    /**
     * Steps {@code envId} through the bridge with Java-sampled actions, replays the same seed and actions
     * in-process, and asserts the two transcripts are equal line for line. Returns the bridge's transcript and episode-end count.
     */
    private Rollout compare(String envId, int numEnvs, long seed, int steps, Map<String, Object> kwargs)
            throws Exception {
        List<String> bridge = new ArrayList<>();
        int episodeEnds = 0;
        List<String> actionLines = new ArrayList<>();
        try (VectorEnv env = client.makeVec(envId, MakeOptions.builder().numEnvs(numEnvs).kwargs(kwargs).build())) {
            SplittableRandom rng = new SplittableRandom(seed);
            ResetResult reset = env.reset(seed);
            addObservation(bridge, reset.observations());
            for (int t = 0; t < steps; t++) {
                Tensor action = env.actionSpace().sample(rng).asTensor();
                actionLines.add(action.dtype().numpyName() + " " + shape(action) + " " + HexFormat.of().formatHex(action.toByteArray()));
                StepResult r = env.step(action);
                addObservation(bridge, r.observations());
                bridge.add(line("rew", Tensor.ofDoubles(r.rewards())));
                bridge.add(line("term", Tensor.ofBools(r.terminated())));
                bridge.add(line("trunc", Tensor.ofBools(r.truncated())));
                for (int i = 0; i < numEnvs; i++) {
                    episodeEnds += r.done(i) ? 1 : 0;
                }
            }
        }
        Path actions = tmp.resolve(envId.replace('/', '_') + ".actions");
        Files.write(actions, actionLines);
        String json = kwargs.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\": " + (e.getValue() instanceof String s ? "\"" + s + "\"" : String.valueOf(e.getValue())))
                .collect(Collectors.joining(", ", "{", "}"));
        List<String> reference = TestPython.run("reference_rollout.py",
                List.of(envId, String.valueOf(numEnvs), String.valueOf(seed), json, actions.toString()));
        assertEquals(reference.size(), bridge.size(), "transcript length");
        for (int i = 0; i < reference.size(); i++) {
            assertEquals(reference.get(i), bridge.get(i), envId + ": line " + i + " (step " + Math.max(0, (i - 1) / 4) + ")");
        }
        return new Rollout(bridge, episodeEnds);
    }

    private record Rollout(List<String> transcript, int episodeEnds) {
    }

    private static void addObservation(List<String> transcript, Value obs) {
        if (obs instanceof TupleValue t) {
            for (int i = 0; i < t.size(); i++) {
                transcript.add(line("obs[" + i + "]", t.get(i).asTensor()));
            }
        } else {
            transcript.add(line("obs", obs.asTensor()));
        }
    }

    private static String line(String tag, Tensor t) {
        return tag + " " + t.dtype().numpyName() + " " + shape(t) + " " + HexFormat.of().formatHex(t.toByteArray());
    }

    private static String shape(Tensor t) {
        if (t.rank() == 0) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (long d : t.shape()) {
            sb.append(sb.length() == 0 ? "" : ",").append(d);
        }
        return sb.toString();
    }
}
