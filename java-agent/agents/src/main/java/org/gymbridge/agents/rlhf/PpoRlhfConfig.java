package org.gymbridge.agents.rlhf;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import org.gymbridge.agents.ppo.PpoConfig;

/**
 * The {@code ppo-rlhf} hyperparameters: PPO's own (the {@code ppo:} map) plus where the preferences come from,
 * how many, which pairs are asked and how the reward model is fitted. Defaults are for Pendulum-v1 with 8 envs.
 *
 * @param totalSteps          env steps of the whole run; sets PPO's learning-rate schedule and the label schedule
 * @param ppo                 PPO's config (its {@code total_steps} is set to this one's)
 * @param segmentLength       steps per segment cut from the rollouts (the paper: 25-50, 1-2 s of motion)
 * @param querySelection      {@code disagreement} (the pairs the ensemble members disagree on most, out of
 *                            {@code candidateFactor} times as many random pairs) or {@code random}
 * @param candidateFactor     random candidate pairs per asked pair for {@code disagreement}
 * @param segmentPool         the newest segments pairs are drawn from
 * @param labeler             {@code synthetic} (the {@link SyntheticLabeler}, from the env's true reward) or
 *                            {@code human} (queries in RUN/rlhf/queries.jsonl, answers from the label page)
 * @param syntheticTemperature the synthetic labeler's noise (0: always the higher true return)
 * @param syntheticTieBand    true returns closer than this are answered "equal"
 * @param labelBudget         labels asked over the whole run, at most
 * @param initialLabels       labels asked at the first iteration, before the reward model has seen anything
 * @param labelDecaySteps     the label schedule's time scale tau: labels asked by step T are
 *                            {@code initial + (budget - initial) ln(1 + (T - T1)/tau) / ln(1 + (total - T1)/tau)}
 *                            (T1: the first iteration's step), a rate proportional to tau / (T + tau) as in the paper
 * @param evalPairs           synthetic labeler: fresh pairs of each iteration's segments on which the reward model's
 *                            accuracy is measured against the true returns (cost no labels, never trained on)
 * @param heldOutEvery        human labeler: every this-many-th answered pair is held out of training to measure the
 *                            reward model's accuracy (0: none)
 * @param labelWaitS          human labeler: seconds an iteration waits for its open queries to be answered
 * @param firstLabelsWaitS    human labeler: seconds the first iterations wait until {@code minLabels} answers exist
 *                            (after that the training goes on and keeps asking; it never waits longer)
 * @param minLabels           human labeler: answers needed before the first reward model is fitted
 * @param ensembleSize        reward-model ensemble members
 * @param rewardHidden        reward-model hidden layer widths
 * @param rewardLearningRate  reward-model Adam step size
 * @param rewardBatchSize     comparisons per reward-model minibatch
 * @param rewardEpochs        passes over the comparisons at each iteration's refit
 * @param clips               {@code auto}: with people, the asked segments get clips (a rendering copy of the first
 *                            {@code clipEnvs} envs follows the training and replays asked segments from env
 *                            snapshots; off when the env cannot render rgb_array or be snapshotted); {@code off}
 * @param clipEnvs            training envs that have a rendering copy (people are asked about their segments only)
 * @param clipWidth           MuJoCo clip frame width (other envs render at their own size); frames are stored at
 *                            most 240 px a side
 * @param clipHeight          MuJoCo clip frame height
 */
public record PpoRlhfConfig(long totalSteps, PpoConfig ppo, int segmentLength, String querySelection,
                            int candidateFactor, int segmentPool, String labeler, double syntheticTemperature,
                            double syntheticTieBand, int labelBudget, int initialLabels, long labelDecaySteps,
                            int evalPairs, int heldOutEvery, double labelWaitS, double firstLabelsWaitS, int minLabels,
                            int ensembleSize, int[] rewardHidden, double rewardLearningRate, int rewardBatchSize,
                            int rewardEpochs, String clips, int clipEnvs, int clipWidth, int clipHeight)
        implements Serializable {

    /** {@link #querySelection} values. */
    public static final List<String> QUERY_SELECTIONS = List.of("disagreement", "random");
    /** {@link #labeler} values. */
    public static final List<String> LABELERS = List.of("synthetic", "human");
    /** {@link #clips} values. */
    public static final List<String> CLIPS = List.of("auto", "off");

    public PpoRlhfConfig {
        querySelection = querySelection.toLowerCase(Locale.ROOT);
        labeler = labeler.toLowerCase(Locale.ROOT);
        clips = clips.toLowerCase(Locale.ROOT);
        if (clips.equals("false")) {
            clips = "off";                                  // YAML 1.1 reads a bare `off` as false
        }
        require(totalSteps > 0, "total_steps must be > 0");
        require(segmentLength >= SegmentSampler.MIN_LENGTH && segmentLength <= SegmentSampler.MAX_LENGTH,
                "segment_length must be in " + SegmentSampler.MIN_LENGTH + ".." + SegmentSampler.MAX_LENGTH);
        require(QUERY_SELECTIONS.contains(querySelection), "query_selection must be one of " + QUERY_SELECTIONS);
        require(LABELERS.contains(labeler), "labeler must be one of " + LABELERS);
        require(candidateFactor >= 1, "candidate_factor must be >= 1");
        require(segmentPool >= 2, "segment_pool must be >= 2");
        require(syntheticTemperature >= 0 && syntheticTieBand >= 0, "synthetic_temperature and synthetic_tie_band"
                + " must be >= 0");
        require(labelBudget >= 1, "label_budget must be >= 1");
        require(initialLabels >= 1 && initialLabels <= labelBudget, "initial_labels must be in 1..label_budget");
        require(labelDecaySteps > 0, "label_decay_steps must be > 0");
        require(evalPairs >= 0 && heldOutEvery >= 0, "eval_pairs and held_out_every must be >= 0");
        require(labelWaitS >= 0 && firstLabelsWaitS >= 0, "label_wait_s and first_labels_wait_s must be >= 0");
        require(minLabels >= 1, "min_labels must be >= 1");
        require(ensembleSize >= 1 && rewardBatchSize >= 1 && rewardEpochs >= 1 && rewardLearningRate > 0,
                "ensemble_size, reward_batch_size, reward_epochs must be >= 1 and reward_learning_rate > 0");
        require(CLIPS.contains(clips), "clips must be one of " + CLIPS);
        require(clipEnvs >= 1, "clip_envs must be >= 1");
        require(clipWidth >= 16 && clipHeight >= 16 && clipWidth <= 1920 && clipHeight <= 1920,
                "clip_width and clip_height must be in 16..1920");
        rewardHidden = rewardHidden.clone();
        ppo = ppo.withTotalSteps(totalSteps);               // one total: config.yaml shows the one in use
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("ppo-rlhf config: " + message);
        }
    }

    /** Pendulum-v1, 8 envs, 300k steps: {@link PpoConfig#pendulum()}, 500 synthetic labels chosen by disagreement. */
    public static PpoRlhfConfig defaults() {
        return new PpoRlhfConfig(300_000, PpoConfig.pendulum(), 25, "disagreement", 10, 512, "synthetic", 0, 0,
                500, 50, 50_000, 100, 5, 0, 600, 10, 3, new int[] {64, 64}, 1e-3, 32, 5, "auto", 2,
                240, 180);
    }

    /** PPO's config, with this run's total steps. */
    public PpoConfig ppoConfig() {
        return ppo;
    }

    /** The reward model's config. */
    public RewardModel.Config rewardModel() {
        return RewardModel.Config.defaults().withEnsembleSize(ensembleSize)
                .withHidden(RewardModel.Config.defaults().activation(), rewardHidden)
                .withLearningRate(rewardLearningRate).withBatchSize(rewardBatchSize);
    }

    /**
     * Labels the schedule has asked for by env step {@code steps}, when the first iteration (which asks the
     * {@code initial_labels}) was at {@code firstSteps}; the budget by the end of the run, never more.
     */
    public int labelsAskedBy(long steps, long firstSteps) {
        double span = Math.max(1, totalSteps - firstSteps);
        double share = Math.log1p(Math.max(0, steps - firstSteps) / (double) labelDecaySteps)
                / Math.log1p(span / labelDecaySteps);
        return (int) Math.min(labelBudget, Math.ceil(initialLabels + (labelBudget - initialLabels)
                * Math.min(1, share)));
    }

    @Override
    public int[] rewardHidden() {
        return rewardHidden.clone();
    }
}
