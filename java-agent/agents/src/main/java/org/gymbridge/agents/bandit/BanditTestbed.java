package org.gymbridge.agents.bandit;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.train.StepLoop;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The k-armed testbed experiments of Sutton and Barto's chapter 2: many independent runs of one bandit
 * problem each, averaged per step into the two classic curves — average reward and % optimal action.
 *
 * <p>Two ways to run them: {@link #simulate} draws the problems in Java (2000 runs x 1000 steps take a
 * second), {@link #served} plays the {@code gymbridge/Bandit-v0} env through the bridge, one run per
 * episode per env, reading {@code optimal} from the infos. Both use the same agents.
 */
public final class BanditTestbed {

    /** Per-step averages over the runs. */
    public record Curves(double[] averageReward, double[] optimalAction, int runs) {

        /** Mean of the average-reward curve over steps [from, to) (0-based). */
        public double meanReward(int from, int to) {
            double s = 0;
            for (int t = from; t < to; t++) {
                s += averageReward[t];
            }
            return s / (to - from);
        }

        /** Mean of the %-optimal curve over steps [from, to). */
        public double meanOptimal(int from, int to) {
            double s = 0;
            for (int t = from; t < to; t++) {
                s += optimalAction[t];
            }
            return s / (to - from);
        }
    }

    private BanditTestbed() {
    }

    /**
     * Runs {@code agent.runs()} bandit problems for {@code steps} steps in Java. Stationary: q*(a) ~ N(0, 1) per
     * run; otherwise q* starts at 0 and walks N(0, walkStd) per step. Rewards ~ N(q*(a), 1).
     */
    public static Curves simulate(BanditAgent agent, int steps, boolean stationary, double walkStd, long seed) {
        int runs = agent.runs();
        int k = agent.arms();
        Random rng = new Random(seed);
        double[] q = new double[runs * k];
        if (stationary) {
            for (int i = 0; i < q.length; i++) {
                q[i] = rng.nextGaussian();
            }
        }
        double[] reward = new double[steps];
        double[] optimal = new double[steps];
        for (int t = 0; t < steps; t++) {
            for (int r = 0; r < runs; r++) {
                int a = agent.select(r);
                int best = 0;
                for (int b = 1; b < k; b++) {
                    if (q[r * k + b] > q[r * k + best]) {
                        best = b;
                    }
                }
                double x = q[r * k + a] + rng.nextGaussian();
                agent.update(r, a, x);
                reward[t] += x / runs;
                optimal[t] += (a == best ? 1.0 : 0.0) / runs;
                if (!stationary) {
                    for (int b = 0; b < k; b++) {
                        q[r * k + b] += walkStd * rng.nextGaussian();
                    }
                }
            }
        }
        return new Curves(reward, optimal, runs);
    }

    /**
     * Plays {@code episodesPerEnv} bandit problems on each env of {@code env} (a {@code gymbridge/Bandit-v0}
     * vector env, reset with {@code seed}); {@code agent.runs()} must be at least {@code env.numEnvs()}.
     * The problem length is the env's time limit ({@code steps}).
     */
    public static Curves served(VectorEnv env, BanditAgent agent, int steps, int episodesPerEnv, long seed) {
        int n = env.numEnvs();
        double[] reward = new double[steps];
        double[] optimal = new double[steps];
        int[] t = new int[n];
        int[] episodes = new int[n];
        int[] runs = {0};
        long[] arms = new long[n];
        StepLoop loop = StepLoop.acting(obs -> agent.act(obs, true), env).listen(new StepLoop.Listener() {
            @Override
            public void actions(INDArray actions) {
                float[] chosen = HostArrays.toFloats(actions);
                for (int i = 0; i < n; i++) {
                    arms[i] = (long) chosen[i];
                }
            }

            @Override
            public void stepped(StepResult step, boolean[] valid) {
                boolean[] wasOptimal = infoBools(step.infos(), "optimal", n);
                for (int i = 0; i < n; i++) {
                    if (!valid[i] || episodes[i] >= episodesPerEnv) {
                        continue;              // an autoreset step, or an env that has played its share
                    }
                    agent.update(i, (int) arms[i], step.rewards()[i]);
                    if (t[i] < steps) {
                        reward[t[i]] += step.rewards()[i];
                        optimal[t[i]] += wasOptimal[i] ? 1 : 0;
                    }
                    t[i]++;
                    if (step.done(i)) {
                        if (t[i] != steps) {
                            throw new IllegalStateException("env " + i + " ended its problem after " + t[i]
                                    + " steps, not " + steps + ": pass the env's max_episode_steps");
                        }
                        agent.reset(i);
                        episodes[i]++;
                        runs[0]++;
                        t[i] = 0;
                    }
                }
            }
        });
        loop.reset(seed);
        while (true) {
            boolean anyActive = false;
            for (int i = 0; i < n; i++) {
                anyActive |= episodes[i] < episodesPerEnv;
            }
            if (!anyActive) {
                break;
            }
            try {
                loop.step();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);   // the listener above does no I/O
            }
        }
        for (int s = 0; s < steps; s++) {
            reward[s] /= runs[0];
            optimal[s] /= runs[0];
        }
        return new Curves(reward, optimal, runs[0]);
    }

    private static boolean[] infoBools(DictValue infos, String key, int n) {
        boolean[] out = new boolean[n];
        Value v = infos.entries().get(key);
        if (v instanceof Tensor tensor) {
            boolean[] b = tensor.toBoolArray();
            Value mask = infos.entries().get("_" + key);
            boolean[] m = mask instanceof Tensor mt ? mt.toBoolArray() : null;
            for (int i = 0; i < n; i++) {
                out[i] = b[i] && (m == null || m[i]);
            }
        }
        return out;
    }

    /** Writes average-reward.png and optimal-action.png (the book's figure 2.2 layout) into {@code dir}. */
    public static void plot(Path dir, String title, Map<String, Curves> curves) throws IOException {
        System.setProperty("java.awt.headless", "true");
        java.nio.file.Files.createDirectories(dir);
        XYChart reward = chart(title, "average reward");
        XYChart optimal = chart(title, "% optimal action");
        Color[] colors = {new Color(20, 60, 160), new Color(200, 60, 20), new Color(30, 140, 60), new Color(120, 60, 160)};
        int c = 0;
        for (Map.Entry<String, Curves> e : curves.entrySet()) {
            double[] x = new double[e.getValue().averageReward().length];
            double[] pct = new double[x.length];
            for (int s = 0; s < x.length; s++) {
                x[s] = s + 1;
                pct[s] = 100 * e.getValue().optimalAction()[s];
            }
            XYSeries a = reward.addSeries(e.getKey(), x, e.getValue().averageReward());
            XYSeries b = optimal.addSeries(e.getKey(), x, pct);
            for (XYSeries s : new XYSeries[] {a, b}) {
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(colors[c % colors.length]);
            }
            c++;
        }
        BitmapEncoder.saveBitmap(reward, dir.resolve("average-reward").toString(), BitmapEncoder.BitmapFormat.PNG);
        BitmapEncoder.saveBitmap(optimal, dir.resolve("optimal-action").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart chart(String title, String y) {
        XYChart chart = new XYChartBuilder().width(800).height(420).title(title).xAxisTitle("steps").yAxisTitle(y)
                .build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        return chart;
    }
}
