package org.gymbridge.examples.crafter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.gymbridge.agents.train.EpisodeInfo;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs a policy on a Crafter vector env for a fixed number of episodes from a fixed seed and measures what the
 * benchmark measures: per achievement the fraction of episodes that unlocked it, and the {@link CrafterScore}.
 * Two policies evaluated with the same seed and episode count see the same worlds (env i is reset with
 * seed + i, and Crafter's worlds depend only on the reset seeds), so their scores compare like for like.
 *
 * <p>The episode loop is {@link Evaluation}'s (episodes split evenly across the envs up front, so short episodes
 * are not favoured); this class listens to it for achievements, lengths and env 0's first-episode frames.
 */
public final class CrafterEvaluation {

    /** What an evaluation measured. */
    public record Result(String policy, int episodes, double[] returns, long[] lengths,
                         Map<String, Double> successRates, double score, List<Tensor> firstEpisodeFrames,
                         double seconds) {

        /** Mean episode return. */
        public double meanReturn() {
            return Arrays.stream(returns).average().orElse(Double.NaN);
        }

        /** Mean episode length. */
        public double meanLength() {
            return Arrays.stream(lengths).average().orElse(Double.NaN);
        }

        /** Success rates in percent, in {@link CrafterScore#ACHIEVEMENTS} order. */
        public double[] successPercent() {
            return CrafterScore.ACHIEVEMENTS.stream().mapToDouble(a -> 100 * successRates.getOrDefault(a, 0.0))
                    .toArray();
        }
    }

    /** Frames kept of the first episode at most (a long episode would make a GIF of many megabytes). */
    public static final int MAX_GIF_FRAMES = 1000;

    private CrafterEvaluation() {
    }

    /**
     * Evaluates {@code policy} (batched observations [numEnvs, obs] -> actions [numEnvs, width]) for
     * {@code episodes} episodes on {@code env} reset with {@code seed}. The frames of env 0's first episode are
     * kept (for a GIF) when {@code keepFrames} and they are uint8 images (none for feature-vector observations).
     */
    public static Result run(String name, Function<INDArray, INDArray> policy, VectorEnv env, int episodes, long seed,
                             boolean keepFrames) {
        List<Long> lengths = new ArrayList<>();
        Map<String, Double> unlockedCount = new LinkedHashMap<>();
        CrafterScore.ACHIEVEMENTS.forEach(a -> unlockedCount.put(a, 0.0));
        List<Tensor> frames = new ArrayList<>();
        long start = System.nanoTime();
        EvalResult eval = Evaluation.run(policy, env, episodes, seed, new Evaluation.Listener() {
            private boolean recording = keepFrames;

            @Override
            public void reset(Value observations) {
                // Only image observations make a GIF (Craftax-Classic-Symbolic's are feature vectors)
                recording = recording && isImage(frameOf(observations));
                if (recording) {
                    frames.add(frameOf(observations));
                }
            }

            @Override
            public void step(StepResult step) {
                if (recording) {
                    frames.add(frameOf(step.observations()));
                    recording = !step.done(0) && frames.size() < MAX_GIF_FRAMES;
                }
            }

            @Override
            public void episodeEnd(StepResult step, int env, double episodeReturn, long length) {
                lengths.add(length);
                EpisodeInfo.achievements().episodeEnd(step, env).forEach((k, v) ->
                        unlockedCount.merge(k.substring(k.indexOf('/') + 1), v, Double::sum));
            }
        });
        int n = eval.episodes();
        Map<String, Double> rates = new LinkedHashMap<>();
        unlockedCount.forEach((k, v) -> rates.put(k, v / n));
        return new Result(name, n, eval.returns(), lengths.stream().mapToLong(Long::longValue).toArray(), rates,
                CrafterScore.score(rates), frames, (System.nanoTime() - start) / 1e9);
    }

    /** Whether {@code frame} is a uint8 [H, W, 1 or 3] image that a GIF can show. */
    static boolean isImage(Tensor frame) {
        return frame.dtype() == DType.UINT8 && frame.rank() == 3 && (frame.dim(2) == 1 || frame.dim(2) == 3);
    }

    /** Env 0's frame of a batched observation: the uint8 [H, W, 3] image (the last one of a frame stack). */
    private static Tensor frameOf(Value batch) {
        Tensor t = batch.asTensor().get(0);
        while (t.rank() > 3) {
            t = t.get((int) t.dim(0) - 1);
        }
        return t;
    }
}
