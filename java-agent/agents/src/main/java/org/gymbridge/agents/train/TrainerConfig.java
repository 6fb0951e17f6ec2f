package org.gymbridge.agents.train;

/**
 * How a {@link TrainingRun} reports, evaluates and checkpoints (the {@code trainer:} section of a config
 * file). Step counts are env steps over all envs.
 *
 * @param logEvery          a progress line, a {@code train} metrics row and TensorBoard scalars every this many steps
 * @param evalEvery         a greedy evaluation every this many steps on a second env made from the same URL (0: off)
 * @param evalEpisodes      episodes of each periodic evaluation
 * @param finalEvalEpisodes episodes of the final evaluation written to {@code eval.json} (0: none)
 * @param evalSeed          evaluation envs are reset with this seed (env i gets evalSeed + i)
 * @param checkpointEvery   a checkpoint every this many steps (one is always written when the run stops)
 * @param window            episodes averaged in progress lines and in the learning curve's mean
 */
public record TrainerConfig(long logEvery, long evalEvery, int evalEpisodes, int finalEvalEpisodes, long evalSeed,
                            long checkpointEvery, int window) {

    public TrainerConfig {
        require(logEvery > 0, "log_every must be > 0");
        require(evalEvery >= 0, "eval_every must be >= 0 (0 turns periodic evaluation off)");
        require(evalEpisodes > 0, "eval_episodes must be > 0");
        require(finalEvalEpisodes >= 0, "final_eval_episodes must be >= 0");
        require(checkpointEvery > 0, "checkpoint_every must be > 0");
        require(window > 0, "window must be > 0");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("trainer config: " + message);
        }
    }

    public static TrainerConfig defaults() {
        return new TrainerConfig(10_000, 0, 10, 100, 10_000, 50_000, 100);
    }
}
