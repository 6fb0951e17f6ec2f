package org.gymbridge.agents.rlhf;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.core.ActionAdapter;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.agents.core.Seeding;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.ppo.Ppo;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PPO on a reward learned from preferences (Christiano et al. 2017), {@code gymbridge train --algo ppo-rlhf}.
 * Every rollout step is rewarded by the {@link RewardModel} (the ensemble-mean reward of the observation and the
 * action, as {@link LearnedRewardEnv} computes it; the env's own reward is kept for the segments and the
 * metrics only). Each iteration, when PPO's rollout is full:
 * <ol>
 *   <li>PPO updates on the rollout and its learned rewards;</li>
 *   <li>the rollout is cut into segments of {@code segment_length} steps inside one episode, added to a pool;</li>
 *   <li>the label schedule says how many new pairs to ask ({@link PpoRlhfConfig#labelsAskedBy}); the pairs are
 *       the ones the ensemble disagrees on most (std of P(left better) across members) among random candidates
 *       of the pool, or random ones;</li>
 *   <li>the synthetic labeler answers at once; with people, the pairs go to RUN/rlhf/queries.jsonl and the
 *       answers that have come in RUN/rlhf/labels.jsonl are used (waiting at most {@code label_wait_s});</li>
 *   <li>the reward model is refitted on all comparisons, which changes the reward from the next step on.</li>
 * </ol>
 * The learn() statistics add {@code true_return} and {@code learned_return} (mean episode return under the
 * env's and under the learned reward, episodes that ended in the rollout), {@code rm_accuracy} (held-out),
 * {@code labels_used}, {@code rm_loss} and {@code reward_corr} (correlation of learned and true step rewards
 * over the rollout).
 */
public final class PpoRlhf implements Agent, AutoCloseable {

    private final PpoRlhfConfig config;
    private final Ppo ppo;
    private final RewardModel model;
    private final int numEnvs;
    private final int obsDim;
    private final int actDim;
    private final ActionAdapter actionAdapter;
    private final Features actionFeatures;
    private final Path runDir;
    // The current rollout as the reward model and the segments see it: [step][env * dim].
    private final float[][] stepObs;
    private final float[][] stepAct;
    private final double[][] stepTrue;
    private final double[][] stepLearned;
    private final boolean[][] stepValid;
    private final boolean[][] stepDone;
    private int filled;
    private final List<Double> trueReturns = new ArrayList<>();
    private final List<Double> learnedReturns = new ArrayList<>();
    private State state;
    // People: the run folder's segment store and logs, opened on first use.
    private SegmentStore store;
    private QueryLog queries;
    private LabelLog labels;
    // Clips for people (clips: auto): the rendering copy of the first envs, and where each env's window started in
    // this rollout (-1: none open), tracked as cutSegments() will cut, so the copy snapshots where segments start.
    private ClipRecorder clips;
    private final int[] windowAt;

    /** Everything besides the networks that a checkpoint must hold to continue exactly. */
    private static final class State implements Serializable {
        Random rng;
        SyntheticLabeler labeler;
        ArrayList<Segment> pool = new ArrayList<>();
        ArrayList<Comparison> training = new ArrayList<>();
        ArrayList<Comparison> heldOut = new ArrayList<>();
        int asked;
        long segments;
        long steps;
        long firstIterationSteps;
        double[] trueRunning;
        double[] learnedRunning;
    }

    /** The registry's factory: PPO for the context's spaces, a fresh reward model, the run folder for people. */
    public static PpoRlhf create(AgentContext context, PpoRlhfConfig config, long seed) {
        return new PpoRlhf(context, config, seed);
    }

    private PpoRlhf(AgentContext context, PpoRlhfConfig config, long seed) {
        this.config = config;
        this.numEnvs = context.numEnvs();
        this.runDir = context.runDir();
        this.ppo = Ppo.create(context, config.ppoConfig(), seed);
        this.obsDim = ObservationAdapter.forSpace(context.observationSpace()).size();
        this.actionAdapter = ActionAdapter.forSpace(context.actionSpace());
        this.actionFeatures = new Features(context.actionSpace());
        this.actDim = actionFeatures.size();
        Random seeds = new Random(seed);                    // one seed per generator, all from the run seed
        this.model = new RewardModel(obsDim, actDim, config.rewardModel(), seeds.nextLong());
        int steps = config.ppo().numSteps();
        this.stepObs = new float[steps][];
        this.stepAct = new float[steps][];
        this.stepTrue = new double[steps][];
        this.stepLearned = new double[steps][];
        this.stepValid = new boolean[steps][];
        this.stepDone = new boolean[steps][];
        this.state = new State();
        state.rng = Seeding.seed(seeds.nextLong());
        state.labeler = new SyntheticLabeler(config.syntheticTemperature(), config.syntheticTieBand(),
                seeds.nextLong());
        state.trueRunning = new double[numEnvs];
        state.learnedRunning = new double[numEnvs];
        this.windowAt = new int[numEnvs];
        java.util.Arrays.fill(windowAt, -1);
        // Clips only for a training that asks people (an agent built to be evaluated has no run folder and asks none).
        if ("human".equals(config.labeler()) && "auto".equals(config.clips()) && runDir != null) {
            if (context.envUrl() == null) {
                System.out.println("ppo-rlhf clips: off, the env's URL is not known");
            } else {
                // The trainer resets the training env with the run's seed, which is this seed.
                clips = ClipRecorder.open(context.envUrl(), numEnvs, config.clipEnvs(), config.clipWidth(),
                        config.clipHeight(), seed, System.out);
            }
        }
    }

    /** Whether the asked segments get clips (people, clips: auto, an env that renders and can be snapshotted). */
    public boolean recordsClips() {
        return clips != null;
    }

    /** Closes the rendering copy of the clips, if any. */
    @Override
    public void close() {
        if (clips != null) {
            clips.close();
        }
    }

    public RewardModel rewardModel() {
        return model;
    }

    public Ppo ppo() {
        return ppo;
    }

    /** Labels asked so far (synthetic: all answered at once; people: pairs written to queries.jsonl). */
    public int labelsAsked() {
        return state.asked;
    }

    // ---- Acting and the learned reward --------------------------------------------------------------------

    @Override
    public INDArray act(INDArray observations, boolean explore) {
        return ppo.act(observations, explore);
    }

    @Override
    public void observe(Transition t) {
        float[] obs = HostArrays.toFloats(t.observations());
        float[] act = actionFeatures.rows(actionAdapter.toValue(t.actions()));
        int width = obsDim + actDim;
        float[] rows = new float[numEnvs * width];
        for (int i = 0; i < numEnvs; i++) {
            System.arraycopy(obs, i * obsDim, rows, i * width, obsDim);
            System.arraycopy(act, i * actDim, rows, i * width + obsDim, actDim);
        }
        float[] r = model.rewards(rows, numEnvs);          // one batched forward per member for all envs
        double[] learned = new double[numEnvs];
        boolean[] done = new boolean[numEnvs];
        for (int i = 0; i < numEnvs; i++) {
            done[i] = t.done(i);
            if (!t.valid()[i]) {
                continue;                                  // an autoreset step: no reward, not learned from
            }
            learned[i] = r[i];
            state.trueRunning[i] += t.rewards()[i];
            state.learnedRunning[i] += learned[i];
            if (done[i]) {
                trueReturns.add(state.trueRunning[i]);
                learnedReturns.add(state.learnedRunning[i]);
                state.trueRunning[i] = 0;
                state.learnedRunning[i] = 0;
            }
        }
        if (clips != null && filled < stepObs.length) {
            clips.follow(t.observations(), t.actions(), windowStarts(t.valid(), done, filled), filled);
        }
        if (filled < stepObs.length) {
            stepObs[filled] = obs;
            stepAct[filled] = act;
            stepTrue[filled] = t.rewards().clone();
            stepLearned[filled] = learned;
            stepValid[filled] = t.valid().clone();
            stepDone[filled] = done;
            filled++;
        }
        state.steps += numEnvs;
        ppo.observe(new Transition(t.observations(), t.actions(), learned, t.terminated(), t.truncated(),
                t.nextObservations(), t.valid()));
    }

    /**
     * The clip envs whose segment window starts at rollout step {@code t}: the same windows {@link #cutSegments}
     * cuts (consecutive valid steps inside one episode, {@code segment_length} long), tracked step by step.
     */
    private boolean[] windowStarts(boolean[] valid, boolean[] done, int t) {
        int length = config.segmentLength();
        boolean[] starts = new boolean[clips.clipEnvs()];
        for (int i = 0; i < starts.length; i++) {
            if (!valid[i]) {
                windowAt[i] = -1;
                continue;
            }
            if (windowAt[i] < 0) {
                windowAt[i] = t;
                starts[i] = true;
            }
            if (t - windowAt[i] + 1 == length || done[i]) {
                windowAt[i] = -1;
            }
        }
        return starts;
    }

    @Override
    public boolean readyToLearn() {
        return ppo.readyToLearn();
    }

    // ---- One iteration: PPO, segments, queries, labels, reward model ----------------------------------------

    @Override
    public Map<String, Double> learn(INDArray nextObservations) {
        Map<String, Double> stats = new LinkedHashMap<>(ppo.learn(nextObservations));
        double correlation = rewardCorrelation();
        List<Segment> fresh = cutSegments();
        filled = 0;
        if (clips != null) {
            clips.endRollout();
            java.util.Arrays.fill(windowAt, -1);
        }
        state.pool.addAll(fresh);
        while (state.pool.size() > config.segmentPool()) {
            Segment gone = state.pool.remove(0);
            if (clips != null) {
                clips.forget(gone.id());
            }
        }

        if (state.firstIterationSteps == 0) {
            state.firstIterationSteps = state.steps;
        }
        int want = config.labelsAskedBy(state.steps, state.firstIterationSteps) - state.asked;
        List<Comparison> pairs = want > 0 ? choosePairs(want) : List.of();
        if ("synthetic".equals(config.labeler())) {
            for (Comparison pair : pairs) {
                Comparison c = Comparison.of(pair.left(), pair.right(), state.labeler.label(pair.left(), pair.right()));
                if (c != null) {
                    state.training.add(c);
                }
            }
            state.asked += pairs.size();
        } else {
            askPeople(pairs);
        }

        double loss = Double.NaN;
        if (!state.training.isEmpty()) {
            loss = model.train(state.training, config.rewardEpochs());
        }
        stats.put("true_return", mean(trueReturns));
        stats.put("learned_return", mean(learnedReturns));
        stats.put("rm_accuracy", accuracy(fresh));
        stats.put("labels_used", (double) labelsUsed());
        stats.put("rm_loss", loss);
        stats.put("reward_corr", correlation);
        trueReturns.clear();
        learnedReturns.clear();
        return stats;
    }

    /** Labels the reward model has from the labeler (synthetic: every asked pair; people: the answers so far). */
    private int labelsUsed() {
        return "synthetic".equals(config.labeler()) ? state.asked : labels.labels().size();
    }

    /**
     * Each env's stream of the rollout cut into consecutive windows of {@code segment_length} valid steps; a window
     * that an episode end interrupts is dropped, so a segment never spans two episodes.
     */
    private List<Segment> cutSegments() {
        int length = config.segmentLength();
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < numEnvs; i++) {
            int start = -1;
            for (int t = 0; t < filled; t++) {
                if (!stepValid[t][i]) {
                    start = -1;
                    continue;
                }
                if (start < 0) {
                    start = t;
                }
                if (t - start + 1 == length) {
                    out.add(segment(i, start, length));
                    start = -1;
                } else if (stepDone[t][i]) {
                    start = -1;
                }
            }
        }
        return out;
    }

    private Segment segment(int env, int start, int length) {
        float[] obs = new float[length * obsDim];
        float[] act = new float[length * actDim];
        double[] rewards = new double[length];
        for (int k = 0; k < length; k++) {
            System.arraycopy(stepObs[start + k], env * obsDim, obs, k * obsDim, obsDim);
            System.arraycopy(stepAct[start + k], env * actDim, act, k * actDim, actDim);
            rewards[k] = stepTrue[start + k][env];
        }
        long startStep = state.steps / numEnvs - filled + start;
        Segment s = new Segment(String.format("s-%06d", state.segments++), env, startStep, obsDim, actDim, obs, act,
                rewards);
        if (clips != null && env < clips.clipEnvs()) {
            clips.attach(s.id(), env, start, length);
        }
        return s;
    }

    /**
     * {@code k} pairs of distinct pool segments: with {@code disagreement} the k the ensemble members disagree on
     * most among {@code candidate_factor * k} random pairs (random ones while the model has seen no labels).
     */
    private List<Comparison> choosePairs(int k) {
        List<Segment> pool = state.pool;
        if (clips != null) {
            pool = pool.stream().filter(s -> clips.has(s.id())).toList();   // people see only segments with clips
        }
        if (pool.size() < 2) {
            return List.of();
        }
        boolean disagreement = "disagreement".equals(config.querySelection()) && !state.training.isEmpty();
        int candidates = disagreement ? k * config.candidateFactor() : k;
        List<Comparison> pairs = randomPairs(pool, candidates, state.rng);
        if (!disagreement) {
            return pairs;
        }
        List<Comparison> chosen = new ArrayList<>();
        for (int index : model.mostDisagreed(pairs, k)) {
            chosen.add(pairs.get(index));
        }
        return chosen;
    }

    private static List<Comparison> randomPairs(List<Segment> segments, int n, Random rng) {
        List<Comparison> pairs = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            int a = rng.nextInt(segments.size());
            int b = rng.nextInt(segments.size() - 1);
            if (b >= a) {
                b++;
            }
            pairs.add(new Comparison(segments.get(a), segments.get(b), 0.5));
        }
        return pairs;
    }

    /**
     * Held-out accuracy. Synthetic: on {@code eval_pairs} fresh pairs of this rollout's segments, against the
     * noiseless true-return preference (these pairs cost no labels and are never trained on). People: on every
     * {@code held_out_every}-th answered pair.
     */
    private double accuracy(List<Segment> fresh) {
        if (state.training.isEmpty()) {
            return Double.NaN;
        }
        if ("human".equals(config.labeler())) {
            return state.heldOut.isEmpty() ? Double.NaN : model.accuracy(state.heldOut);
        }
        if (fresh.size() < 2 || config.evalPairs() == 0) {
            return Double.NaN;
        }
        // Its own generator, drawn from the run's: the evaluation does not shift the queries' random stream.
        Random evalRng = new Random(state.rng.nextLong());
        List<Comparison> truth = new ArrayList<>();
        for (Comparison pair : randomPairs(fresh, config.evalPairs(), evalRng)) {
            double diff = pair.left().trueReturn() - pair.right().trueReturn();
            if (diff != 0) {
                truth.add(new Comparison(pair.left(), pair.right(), diff > 0 ? 1 : 0));
            }
        }
        return model.accuracy(truth);
    }

    // ---- People ---------------------------------------------------------------------------------------------

    private SegmentStore store() {
        if (runDir == null) {
            throw new IllegalStateException("ppo-rlhf with labeler: human needs a run folder (gymbridge train --out RUN)"
                    + " to exchange queries and labels with the label page");
        }
        if (store == null) {
            LabelLog.reopenRun(runDir);                     // this training takes labels (again, if resumed)
            store = SegmentStore.open(runDir);
            queries = QueryLog.open(runDir);
            labels = LabelLog.open(runDir);
        }
        return store;
    }

    /**
     * Appends the pairs to queries.jsonl and takes the answers that are in labels.jsonl. The wait policy: until
     * {@code min_labels} answers exist the iteration waits up to {@code first_labels_wait_s} (the reward model has
     * nothing to learn from before), afterwards up to {@code label_wait_s} for the open queries; either way the
     * training then goes on with the answers it has, and later answers are picked up at a later iteration.
     */
    private void askPeople(List<Comparison> pairs) {
        store();
        Map<String, List<org.gymbridge.tensor.Tensor>> frames = Map.of();
        if (clips != null && !pairs.isEmpty()) {
            List<Segment> asked = new ArrayList<>();
            for (Comparison pair : pairs) {
                asked.add(pair.left());
                asked.add(pair.right());
            }
            frames = clips.render(asked);                   // replayed from their snapshots, rendered only now
        }
        Map<String, String> storedIds = new java.util.HashMap<>();
        for (Comparison pair : pairs) {
            // Stored under the store's ids when asked: the pool's ids are the training's own, and a resumed run
            // must not overwrite a segment that an earlier answer refers to.
            queries.add(stored(pair.left(), frames, storedIds), stored(pair.right(), frames, storedIds));
        }
        state.asked += pairs.size();
        labels.refresh();
        boolean starting = labels.labels().size() < config.minLabels();
        double waitS = starting ? config.firstLabelsWaitS() : config.labelWaitS();
        long deadline = System.nanoTime() + (long) (waitS * 1e9);
        while (System.nanoTime() < deadline) {
            int answered = labels.labels().size();
            if (starting ? answered >= config.minLabels() : answered >= state.asked) {
                break;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            labels.refresh();
        }
        List<Label> standing = labels.labels();
        state.training.clear();
        state.heldOut.clear();
        List<Comparison> all = Comparison.fromLabels(standing, store);
        for (int j = 0; j < all.size(); j++) {
            boolean held = config.heldOutEvery() > 0 && j % config.heldOutEvery() == config.heldOutEvery() - 1;
            (held ? state.heldOut : state.training).add(all.get(j));
        }
        if (state.steps + (long) numEnvs * config.ppo().numSteps() > config.totalSteps()) {
            LabelLog.closeRun(runDir);                      // the last iteration: later answers would be lost
        }
    }

    /**
     * Writes the segment to the run's store under a fresh id, with its clip's frames if it has any, and returns that
     * id; a segment asked twice in one iteration is stored once.
     */
    private String stored(Segment s, Map<String, List<org.gymbridge.tensor.Tensor>> frames, Map<String, String> ids) {
        String known = ids.get(s.id());
        if (known != null) {
            return known;
        }
        String id = store.newId();
        store.save(new Segment(id, s.env(), s.startStep(), s.obsDim(), s.actDim(), s.observations(), s.actions(),
                s.trueRewards()), frames.getOrDefault(s.id(), List.of()), clips != null ? clips.fps() : 0);
        ids.put(s.id(), id);
        return id;
    }

    // ---- Checkpoints ----------------------------------------------------------------------------------------

    /**
     * PPO's checkpoint (as bytes), the reward model (members, optimizers, normalization) and the loop state: segment
     * pool, comparisons, labels asked, random generators. Saved right after learn() it continues exactly (with the
     * synthetic labeler; people's answers are re-read from labels.jsonl).
     */
    @Override
    public void save(Path file) throws IOException {
        Path ppoFile = Files.createTempFile(file.toAbsolutePath().getParent(), "ppo", ".bin");
        try {
            ppo.save(ppoFile);
            Checkpoint checkpoint = Checkpoint.of("ppo-rlhf").put("ppo", Files.readAllBytes(ppoFile))
                    .put("config", config).put("state", state);
            model.save(checkpoint, "reward/");
            checkpoint.write(file);
        } finally {
            Files.deleteIfExists(ppoFile);
        }
    }

    @Override
    public void load(Path file) throws IOException {
        Checkpoint checkpoint = Checkpoint.read(file, "ppo-rlhf");
        Path ppoFile = Files.createTempFile(file.toAbsolutePath().getParent(), "ppo", ".bin");
        try {
            Files.write(ppoFile, checkpoint.get("ppo", byte[].class));
            ppo.load(ppoFile);
        } finally {
            Files.deleteIfExists(ppoFile);
        }
        model.restore(checkpoint, "reward/");
        state = checkpoint.get("state", State.class);
        filled = 0;
        if (clips != null) {
            // The copy follows from the run's start: replay the logged actions to where the training env stands (the
            // pool's older segments have no snapshots on this server and are not asked about).
            java.util.Arrays.fill(windowAt, -1);
            clips.catchUp(runDir.resolve(org.gymbridge.agents.train.TrainingRun.CHECKPOINT_DIR).resolve("actions.bin"),
                    state.steps / numEnvs);
        }
        trueReturns.clear();
        learnedReturns.clear();
    }

    // ---- Small helpers --------------------------------------------------------------------------------------

    /** Pearson correlation of learned and true rewards over the rollout's valid steps (NaN when undefined). */
    private double rewardCorrelation() {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double syy = 0;
        double sxy = 0;
        for (int t = 0; t < filled; t++) {
            for (int i = 0; i < numEnvs; i++) {
                if (stepValid[t][i]) {
                    double x = stepLearned[t][i];
                    double y = stepTrue[t][i];
                    n++;
                    sx += x;
                    sy += y;
                    sxx += x * x;
                    syy += y * y;
                    sxy += x * y;
                }
            }
        }
        double cov = sxy / n - sx / n * sy / n;
        double vx = sxx / n - sx / n * sx / n;
        double vy = syy / n - sy / n * sy / n;
        return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : Double.NaN;
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
