package org.gymbridge.agents.crafter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.gymbridge.agents.core.ActionAdapter;
import org.gymbridge.agents.core.EpisodeInfo;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Value;
import org.gymbridge.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs a policy on a Crafter vector env for a fixed number of episodes from a fixed seed and measures what the
 * benchmark measures: per achievement the fraction of episodes that unlocked it, and the {@link CrafterScore}.
 * Two policies evaluated with the same seed and episode count see the same worlds (env i is reset with
 * seed + i, and Crafter's worlds depend only on the reset seeds), so their scores compare like for like.
 *
 * <p>Episodes are split evenly across the envs up front (env i runs its quota, then idles), as in
 * {@link org.gymbridge.agents.core.Evaluation}, so short episodes are not favoured.
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

    /** An episode running longer than this is taken to never end (Crafter ends at 10,000 steps). */
    public static final long MAX_EPISODE_STEPS = 100_000;

    /** Frames kept of the first episode at most (a long episode would make a GIF of many megabytes). */
    public static final int MAX_GIF_FRAMES = 1000;

    private CrafterEvaluation() {
    }

    /**
     * Evaluates {@code policy} (batched observations [numEnvs, obs] -> actions [numEnvs, width]) for
     * {@code episodes} episodes on {@code env} reset with {@code seed}. The frames of env 0's first episode are
     * kept (for a GIF) when {@code keepFrames}.
     */
    public static Result run(String name, Function<INDArray, INDArray> policy, VectorEnv env, int episodes, long seed,
                             boolean keepFrames) {
        if (episodes < 1) {
            throw new IllegalArgumentException("evaluation episodes must be >= 1, got " + episodes);
        }
        if (env.autoresetMode() != org.gymbridge.env.AutoresetMode.NEXT_STEP) {
            throw new IllegalArgumentException("the evaluation needs the env's autoreset mode NEXT_STEP (the default),"
                    + " but it is " + env.autoresetMode() + ": remove autoreset=... from the env URL");
        }
        ObservationAdapter observationAdapter = ObservationAdapter.forSpace(env.singleObservationSpace());
        ActionAdapter actionAdapter = ActionAdapter.forSpace(env.singleActionSpace());
        int numEnvs = env.numEnvs();
        int[] quota = new int[numEnvs];
        for (int i = 0; i < numEnvs; i++) {
            quota[i] = episodes / numEnvs + (i < episodes % numEnvs ? 1 : 0);
        }
        int[] finished = new int[numEnvs];
        double[] running = new double[numEnvs];
        long[] length = new long[numEnvs];
        boolean[] resetting = new boolean[numEnvs];
        List<Double> returns = new ArrayList<>();
        List<Long> lengths = new ArrayList<>();
        Map<String, Double> unlockedCount = new LinkedHashMap<>();
        CrafterScore.ACHIEVEMENTS.forEach(a -> unlockedCount.put(a, 0.0));
        List<Tensor> frames = new ArrayList<>();
        boolean recording = keepFrames;
        long start = System.nanoTime();

        Value raw = env.reset(seed).observations();
        if (recording) {
            frames.add(frameOf(raw));
        }
        INDArray obs = observationAdapter.toBatch(raw);
        while (returns.size() < episodes) {
            StepResult step = env.step(actionAdapter.toValue(policy.apply(obs)));
            for (int i = 0; i < numEnvs; i++) {
                if (resetting[i]) {             // NEXT_STEP autoreset: this step only reset env i
                    resetting[i] = false;
                    continue;
                }
                running[i] += step.rewards()[i];
                if (++length[i] > MAX_EPISODE_STEPS) {
                    throw new IllegalStateException("evaluation episode of env " + i + " ran " + MAX_EPISODE_STEPS
                            + " steps without ending: is this Crafter (episodes end at 10,000 steps)?");
                }
                if (step.done(i)) {
                    if (finished[i] < quota[i]) {
                        returns.add(running[i]);
                        lengths.add(length[i]);
                        EpisodeInfo.achievements().episodeEnd(step, i).forEach((k, v) ->
                                unlockedCount.merge(k.substring(k.indexOf('/') + 1), v, Double::sum));
                        finished[i]++;
                    }
                    running[i] = 0;
                    length[i] = 0;
                    resetting[i] = true;
                }
            }
            if (recording) {
                frames.add(frameOf(step.observations()));
                recording = !step.done(0) && frames.size() < MAX_GIF_FRAMES;
            }
            obs = observationAdapter.toBatch(step.observations());
        }
        int n = returns.size();
        Map<String, Double> rates = new LinkedHashMap<>();
        unlockedCount.forEach((k, v) -> rates.put(k, v / n));
        return new Result(name, n, returns.stream().mapToDouble(Double::doubleValue).toArray(),
                lengths.stream().mapToLong(Long::longValue).toArray(), rates, CrafterScore.score(rates), frames,
                (System.nanoTime() - start) / 1e9);
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
