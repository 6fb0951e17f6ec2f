package org.gymbridge.agents.rlhf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.agents.nn.Mlp;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A reward learned from preferences (Christiano et al. 2017): an ensemble of small MLPs r(o, a), each fitted
 * with the Bradley-Terry cross-entropy on {@link Comparison}s,
 * <pre>
 *   P(left &gt; right) = exp(sum_t r(left_t)) / (exp(sum_t r(left_t)) + exp(sum_t r(right_t)))
 *                    = sigmoid(R_left - R_right)
 *   loss = -mean( mu log P + (1 - mu) log(1 - P) )          mu = 1, 0, or 0.5 for "equal"
 * </pre>
 * each member on its own bootstrap resample of the comparisons and its own initial weights. The
 * {@link #rewards reward} it gives the agent is the ensemble mean, normalized to zero mean and unit standard
 * deviation over the most recent training segments. The ensemble's disagreement (standard deviation of
 * P(left &gt; right) across members) picks the queries worth asking a person.
 *
 * <p>Everything is batched: a minibatch of comparisons is one forward and one backward per member, all steps
 * of all its segments as rows of one matrix. Not thread-safe.
 */
public final class RewardModel {

    /**
     * @param ensembleSize         number of members (the paper: 3)
     * @param hidden               hidden layer widths
     * @param activation           hidden activation
     * @param learningRate         Adam learning rate
     * @param batchSize            comparisons per minibatch
     * @param normalizationSegments how many of the latest segments fix the reward's mean and std
     */
    public record Config(int ensembleSize, int[] hidden, Activation activation, double learningRate, int batchSize,
                         int normalizationSegments) {
        public Config {
            if (ensembleSize < 1 || batchSize < 1 || normalizationSegments < 1 || !(learningRate > 0)) {
                throw new IllegalArgumentException("reward model config needs ensembleSize, batchSize,"
                        + " normalizationSegments >= 1 and learningRate > 0");
            }
        }

        /** Three members of 64x64 leaky-ReLU MLPs, Adam 3e-4, 32 comparisons per batch. */
        public static Config defaults() {
            return new Config(3, new int[] {64, 64}, Activation.LEAKYRELU, 3e-4, 32, 256);
        }

        public Config withEnsembleSize(int n) {
            return new Config(n, hidden, activation, learningRate, batchSize, normalizationSegments);
        }

        public Config withHidden(Activation a, int... widths) {
            return new Config(ensembleSize, widths, a, learningRate, batchSize, normalizationSegments);
        }

        public Config withLearningRate(double lr) {
            return new Config(ensembleSize, hidden, activation, lr, batchSize, normalizationSegments);
        }

        public Config withBatchSize(int comparisons) {
            return new Config(ensembleSize, hidden, activation, learningRate, comparisons, normalizationSegments);
        }
    }

    private final int obsDim;
    private final int actDim;
    private final Config config;
    private final Mlp[] members;
    private final Adam[] optimizers;
    private Random rng;
    private double mean;
    private double std = 1;

    /** A fresh ensemble for observations of {@code obsDim} and actions of {@code actDim} features. */
    public RewardModel(int obsDim, int actDim, Config config, long seed) {
        this.obsDim = obsDim;
        this.actDim = actDim;
        this.config = config;
        this.rng = new Random(seed);
        this.members = new Mlp[config.ensembleSize()];
        this.optimizers = new Adam[config.ensembleSize()];
        for (int m = 0; m < members.length; m++) {
            members[m] = Mlp.create(obsDim + actDim, config.hidden(), 1, config.activation(), rng);
            optimizers[m] = new Adam(members[m].params().length(), 0.9, 0.999, 1e-8);
        }
    }

    public int ensembleSize() {
        return members.length;
    }

    /** Input features per step: observation then action. */
    public int inputSize() {
        return obsDim + actDim;
    }

    /**
     * Trains every member for {@code epochs} passes over its own bootstrap resample of {@code data}, then
     * re-fits the normalization on the latest segments of {@code data}.
     *
     * @return the mean loss of the last epoch, over members
     */
    public double train(List<Comparison> data, int epochs) {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("no comparisons to train on");
        }
        double lastLoss = 0;
        for (int m = 0; m < members.length; m++) {
            int[] sample = new int[data.size()];
            for (int i = 0; i < sample.length; i++) {
                sample[i] = rng.nextInt(data.size());
            }
            double loss = 0;
            for (int epoch = 0; epoch < epochs; epoch++) {
                shuffle(sample);
                loss = 0;
                int batches = 0;
                for (int from = 0; from < sample.length; from += config.batchSize()) {
                    List<Comparison> batch = new ArrayList<>();
                    for (int i = from; i < Math.min(sample.length, from + config.batchSize()); i++) {
                        batch.add(data.get(sample[i]));
                    }
                    Step s = lossAndGradient(m, batch);
                    optimizers[m].step(members[m].params(), s.gradient(), config.learningRate());
                    loss += s.loss();
                    batches++;
                }
                loss /= batches;
            }
            lastLoss += loss / members.length;
        }
        fitNormalization(data);
        return lastLoss;
    }

    /**
     * Puts the members' weights, their optimizer states, the random generator and the reward normalization into
     * {@code checkpoint}, every entry named {@code prefix} and a suffix; {@link #restore} reads them back.
     */
    public void save(Checkpoint checkpoint, String prefix) {
        for (int m = 0; m < members.length; m++) {
            checkpoint.putNetwork(prefix + "member-" + m, members[m].network())
                    .putOptimizer(prefix + "member-" + m, optimizers[m]);
        }
        checkpoint.put(prefix + "rng", rng).put(prefix + "normalization", new double[] {mean, std});
    }

    /** Restores what {@link #save} wrote into this model, which must have the same sizes and ensemble. */
    public void restore(Checkpoint checkpoint, String prefix) throws IOException {
        for (int m = 0; m < members.length; m++) {
            checkpoint.restoreNetwork(prefix + "member-" + m, members[m].params());
            checkpoint.restoreOptimizer(prefix + "member-" + m, optimizers[m]);
        }
        rng = checkpoint.get(prefix + "rng", Random.class);
        double[] normalization = checkpoint.get(prefix + "normalization", double[].class);
        mean = normalization[0];
        std = normalization[1];
    }

    /** A member's loss on a batch and its gradient with respect to the member's flat parameters. */
    record Step(double loss, INDArray gradient) {
    }

    /** Loss and parameter gradient of member {@code m} on {@code batch}: one forward, one backward. */
    Step lossAndGradient(int m, List<Comparison> batch) {
        Rows rows = Rows.of(batch);
        float[] r = members[m].forward(rows.features, rows.count);
        float[] dr = new float[rows.count];
        double loss = 0;
        int n = batch.size();
        for (int b = 0; b < n; b++) {
            double d = sum(r, rows.leftFrom[b], rows.leftTo[b]) - sum(r, rows.rightFrom[b], rows.rightTo[b]);
            double mu = batch.get(b).leftProbability();
            // -(mu log sigmoid(d) + (1-mu) log sigmoid(-d)), with log sigmoid(x) = -softplus(-x), stable for any d
            loss += mu * softplus(-d) + (1 - mu) * softplus(d);
            float g = (float) ((sigmoid(d) - mu) / n); // dLoss/dd
            for (int t = rows.leftFrom[b]; t < rows.leftTo[b]; t++) {
                dr[t] = g;
            }
            for (int t = rows.rightFrom[b]; t < rows.rightTo[b]; t++) {
                dr[t] = -g;
            }
        }
        return new Step(loss / n, members[m].backward(dr).params().dup());
    }

    /** Member {@code m}'s loss on {@code batch} at its current weights (no training). */
    double loss(int m, List<Comparison> batch) {
        Rows rows = Rows.of(batch);
        float[] r = members[m].predict(rows.features, rows.count);
        double loss = 0;
        for (int b = 0; b < batch.size(); b++) {
            double d = sum(r, rows.leftFrom[b], rows.leftTo[b]) - sum(r, rows.rightFrom[b], rows.rightTo[b]);
            double mu = batch.get(b).leftProbability();
            loss += mu * softplus(-d) + (1 - mu) * softplus(d);
        }
        return loss / batch.size();
    }

    /** Member {@code m}'s network (for tests and checkpoints). */
    Mlp member(int m) {
        return members[m];
    }

    /**
     * P(left better) per pair and member: {@code [pair][member]}. One forward per member for all pairs.
     */
    public double[][] preferenceProbabilities(List<Comparison> pairs) {
        Rows rows = Rows.of(pairs);
        double[][] p = new double[pairs.size()][members.length];
        for (int m = 0; m < members.length; m++) {
            float[] r = members[m].predict(rows.features, rows.count);
            for (int b = 0; b < pairs.size(); b++) {
                p[b][m] = sigmoid(sum(r, rows.leftFrom[b], rows.leftTo[b]) - sum(r, rows.rightFrom[b], rows.rightTo[b]));
            }
        }
        return p;
    }

    /**
     * The share of {@code heldOut} comparisons with a strict preference (ties left out) where the ensemble's
     * mean P(left better) is on the labeled side of 0.5; NaN when there is none.
     */
    public double accuracy(List<Comparison> heldOut) {
        List<Comparison> strict = heldOut.stream().filter(c -> c.leftProbability() != 0.5).toList();
        if (strict.isEmpty()) {
            return Double.NaN;
        }
        double[][] p = preferenceProbabilities(strict);
        int right = 0;
        for (int b = 0; b < strict.size(); b++) {
            if ((mean(p[b]) > 0.5) == (strict.get(b).leftProbability() > 0.5)) {
                right++;
            }
        }
        return (double) right / strict.size();
    }

    /** Per candidate pair (its leftProbability is ignored), the std across members of P(left better). */
    public double[] disagreement(List<Comparison> candidates) {
        double[][] p = preferenceProbabilities(candidates);
        double[] out = new double[p.length];
        for (int b = 0; b < p.length; b++) {
            double mu = mean(p[b]);
            double var = 0;
            for (double x : p[b]) {
                var += (x - mu) * (x - mu);
            }
            out[b] = Math.sqrt(var / p[b].length);
        }
        return out;
    }

    /** The indices of the {@code k} candidates the members disagree on most, most disagreed first. */
    public int[] mostDisagreed(List<Comparison> candidates, int k) {
        double[] d = disagreement(candidates);
        return java.util.stream.IntStream.range(0, d.length).boxed()
                .sorted((a, b) -> Double.compare(d[b], d[a]))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    /**
     * The learned reward of {@code rows} steps ({@code rows * inputSize()} floats: observation then action per
     * row): the ensemble mean, normalized. One forward per member.
     */
    public float[] rewards(float[] features, int rows) {
        float[] out = new float[rows];
        for (Mlp member : members) {
            float[] r = member.predict(features, rows);
            for (int i = 0; i < rows; i++) {
                out[i] += r[i];
            }
        }
        for (int i = 0; i < rows; i++) {
            out[i] = (float) ((out[i] / members.length - mean) / std);
        }
        return out;
    }

    /** Sets the normalization so the ensemble-mean reward over these rows has mean 0 and std 1. */
    public void fitNormalization(float[] features, int rows) {
        double savedMean = mean;
        double savedStd = std;
        mean = 0;
        std = 1;
        float[] raw = rewards(features, rows);
        double mu = 0;
        for (float x : raw) {
            mu += x;
        }
        mu /= rows;
        double var = 0;
        for (float x : raw) {
            var += (x - mu) * (x - mu);
        }
        double sd = Math.sqrt(var / rows);
        if (rows == 0 || !Double.isFinite(sd)) {
            mean = savedMean;
            std = savedStd;
            return;
        }
        mean = mu;
        std = Math.max(sd, 1e-8);
    }

    /** The current normalization: {@code {mean, std}} of the raw ensemble reward. */
    public double[] normalization() {
        return new double[] {mean, std};
    }

    private void fitNormalization(List<Comparison> data) {
        java.util.LinkedHashMap<String, Segment> latest = new java.util.LinkedHashMap<>();
        for (int i = data.size() - 1; i >= 0 && latest.size() < config.normalizationSegments(); i--) {
            latest.putIfAbsent(data.get(i).left().id(), data.get(i).left());
            latest.putIfAbsent(data.get(i).right().id(), data.get(i).right());
        }
        List<Segment> segments = new ArrayList<>(latest.values());
        int count = segments.stream().mapToInt(Segment::length).sum();
        float[] features = new float[count * inputSize()];
        int at = 0;
        for (Segment s : segments) {
            float[] f = s.features();
            System.arraycopy(f, 0, features, at, f.length);
            at += f.length;
        }
        fitNormalization(features, count);
    }

    private void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** The steps of a batch of comparisons as one matrix, and where each segment's rows are. */
    private record Rows(float[] features, int count, int[] leftFrom, int[] leftTo, int[] rightFrom, int[] rightTo) {
        static Rows of(List<Comparison> batch) {
            int n = batch.size();
            int count = 0;
            for (Comparison c : batch) {
                count += c.left().length() + c.right().length();
            }
            int width = batch.get(0).left().obsDim() + batch.get(0).left().actDim();
            float[] features = new float[count * width];
            int[] lf = new int[n];
            int[] lt = new int[n];
            int[] rf = new int[n];
            int[] rt = new int[n];
            int row = 0;
            for (int b = 0; b < n; b++) {
                Comparison c = batch.get(b);
                lf[b] = row;
                row = put(c.left(), features, row, width);
                lt[b] = row;
                rf[b] = row;
                row = put(c.right(), features, row, width);
                rt[b] = row;
            }
            return new Rows(features, count, lf, lt, rf, rt);
        }

        private static int put(Segment s, float[] features, int row, int width) {
            if (s.obsDim() + s.actDim() != width) {
                throw new IllegalArgumentException("segment " + s.id() + " has " + (s.obsDim() + s.actDim())
                        + " features per step, the batch " + width);
            }
            float[] f = s.features();
            System.arraycopy(f, 0, features, row * width, f.length);
            return row + s.length();
        }
    }

    private static double sum(float[] r, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += r[i];
        }
        return s;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    private static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    private static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }
}
