package org.gymbridge.agents.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

class RewardModelTest {

    /** Segments of random features whose true reward is {@code w . (obs, act)}. */
    static List<Segment> linearRewardSegments(int count, int length, int obsDim, int actDim, double[] w, Random rng) {
        List<Segment> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            float[] obs = new float[length * obsDim];
            float[] act = new float[length * actDim];
            double[] rew = new double[length];
            for (int t = 0; t < length; t++) {
                double r = 0;
                for (int j = 0; j < obsDim; j++) {
                    obs[t * obsDim + j] = (float) rng.nextGaussian();
                    r += w[j] * obs[t * obsDim + j];
                }
                for (int j = 0; j < actDim; j++) {
                    act[t * actDim + j] = (float) rng.nextGaussian();
                    r += w[obsDim + j] * act[t * actDim + j];
                }
                rew[t] = r;
            }
            out.add(new Segment(String.format("s-%06d", k + 1), 0, 0, obsDim, actDim, obs, act, rew));
        }
        return out;
    }

    static List<Comparison> label(List<Segment> segments, int pairs, SyntheticLabeler labeler, Random rng) {
        List<Comparison> out = new ArrayList<>();
        while (out.size() < pairs) {
            Segment a = segments.get(rng.nextInt(segments.size()));
            Segment b = segments.get(rng.nextInt(segments.size()));
            if (a != b) {
                Comparison c = Comparison.of(a, b, labeler.label(a, b));
                if (c != null) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    @Test
    void lossGradientMatchesFiniteDifferences() {
        Random rng = new Random(3);
        List<Segment> segments = linearRewardSegments(6, 5, 3, 1, new double[] {1, -1, 0.5, 2}, rng);
        List<Comparison> batch = List.of(
                new Comparison(segments.get(0), segments.get(1), 1.0),
                new Comparison(segments.get(2), segments.get(3), 0.0),
                new Comparison(segments.get(4), segments.get(5), 0.5),
                new Comparison(segments.get(1), segments.get(4), 1.0));
        RewardModel model = new RewardModel(3, 1,
                RewardModel.Config.defaults().withEnsembleSize(1).withHidden(Activation.TANH, 8), 11);

        INDArray analytic = model.lossAndGradient(0, batch).gradient();
        INDArray params = model.member(0).params();
        double eps = 1e-2;
        double worst = 0;
        for (int i = 0; i < params.length(); i++) {
            double original = params.getDouble(i);
            params.putScalar(i, original + eps);
            double plus = model.loss(0, batch);
            params.putScalar(i, original - eps);
            double minus = model.loss(0, batch);
            params.putScalar(i, original);
            double numeric = (plus - minus) / (2 * eps);
            double a = analytic.getDouble(i);
            double error = Math.abs(numeric - a) / Math.max(1e-2, Math.abs(numeric) + Math.abs(a));
            worst = Math.max(worst, error);
        }
        assertTrue(worst < 2e-2, "largest relative gradient error " + worst);
    }

    @Test
    void learnsALinearRewardFromSyntheticPreferences() {
        Random rng = new Random(7);
        double[] w = {1.0, -0.5, 0.8, 0.0, -1.2};
        List<Segment> train = linearRewardSegments(300, 25, 4, 1, w, rng);
        List<Segment> test = linearRewardSegments(200, 25, 4, 1, w, rng);
        SyntheticLabeler labeler = new SyntheticLabeler(0.0, 0.0, 5);
        List<Comparison> trainPairs = label(train, 400, labeler, rng);
        List<Comparison> heldOut = label(test, 300, labeler, rng);
        RewardModel model = new RewardModel(4, 1,
                RewardModel.Config.defaults().withHidden(Activation.LEAKYRELU, 32, 32).withLearningRate(1e-3), 13);

        double before = model.accuracy(heldOut);
        model.train(trainPairs, 40);
        double after = model.accuracy(heldOut);

        assertTrue(after >= 0.90, "held-out accuracy " + after + " (before training " + before + ")");
        // Normalized over the training segments: mean ~0, std ~1.
        float[] features = new float[25 * 5 * 50];
        for (int k = 0; k < 50; k++) {
            float[] f = train.get(train.size() - 1 - k).features();
            System.arraycopy(f, 0, features, k * f.length, f.length);
        }
        float[] r = model.rewards(features, 25 * 50);
        double mean = 0;
        for (float x : r) {
            mean += x / r.length;
        }
        assertEquals(0.0, mean, 0.3);
    }

    @Test
    void membersDisagreeMoreOnUnseenKindsOfPairs() {
        Random rng = new Random(9);
        double[] w = {1, 1};
        List<Segment> segments = linearRewardSegments(100, 10, 1, 1, w, rng);
        RewardModel model = new RewardModel(1, 1, RewardModel.Config.defaults().withEnsembleSize(5)
                .withHidden(Activation.TANH, 16), 21);
        List<Comparison> pairs = label(segments, 20, new SyntheticLabeler(0, 0, 1), rng);
        double[] d = model.disagreement(pairs);
        assertEquals(pairs.size(), d.length);
        for (double x : d) {
            assertTrue(x >= 0 && x <= 0.5, "disagreement " + x + " is a std of probabilities");
        }
        int[] top = model.mostDisagreed(pairs, 3);
        assertEquals(3, top.length);
        assertTrue(d[top[0]] >= d[top[1]] && d[top[1]] >= d[top[2]]);
    }
}
