package org.gymbridge.agents.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.gymbridge.env.StepResult;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;

/**
 * Turns the info an env reports at the end of an episode into metrics: {@link TrainingRun} calls it for every
 * finished training episode and puts what it returns into that episode's {@code metrics.jsonl} row; train rows
 * and TensorBoard get the mean of each column over the episodes since the previous train row (a rate, for 0/1
 * columns). Envs with no such info cost nothing: the hook returns an empty map.
 *
 * <p>The default, {@link #achievements()}, reads an {@code achievements} info dict of per-episode counters
 * (Crafter's 22 achievements; any env that reports achievements the same way) and logs
 * {@code achievements/<name>} = 1 when the episode unlocked it (count > 0), else 0.
 */
@FunctionalInterface
public interface EpisodeInfo {

    /**
     * Metrics of the episode of env {@code env} that ended in {@code step} (its terminal info: with NEXT_STEP
     * autoreset, the step that returned done carries the last step's info). Keys should contain a '/' (a group)
     * so they do not collide with the row's own columns; values are finite numbers.
     */
    Map<String, Double> episodeEnd(StepResult step, int env);

    /** Logs nothing. */
    static EpisodeInfo none() {
        return (step, env) -> Map.of();
    }

    /** {@code achievements/<name>}: 1 when the episode's {@code achievements} info counted it at least once. */
    static EpisodeInfo achievements() {
        return (step, env) -> unlocked(step.infoView().get("achievements", env));
    }

    /**
     * Which achievements a single env's {@code achievements} info dict (name -> count) unlocked, as
     * {@code achievements/<name>} -> 0 or 1 in the dict's order; empty when {@code info} is absent.
     */
    static Map<String, Double> unlocked(Optional<Value> achievements) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (achievements.isEmpty() || !(achievements.get() instanceof DictValue dict)) {
            return out;
        }
        dict.entries().forEach((name, count) -> {
            if (count instanceof Tensor t && t.size() == 1) {
                out.put("achievements/" + name, t.getDouble(0) > 0 ? 1.0 : 0.0);
            }
        });
        return out;
    }
}
