package org.gymbridge.agents.mcts;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.MakeOptions;
import org.gymbridge.env.VectorEnv;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * How MCTS's play improves with its budget: for each number of simulations per move, {@code episodes} episodes
 * of {@link Mcts} acting in an env (greedy moves, fixed seeds), with their mean return, success rate (episodes
 * with a positive return), wall clock and model steps; {@link #plot} draws return against simulations per move.
 */
public final class SimulationSweep {

    /** One budget's result. */
    public record Point(int simulations, double meanReturn, double successRate, double seconds, long modelSteps,
                        long modelCalls, int episodes, int lanes) {
        @Override
        public String toString() {
            return String.format("%5d sims/move (%d lanes): mean return %8.3f, success %.2f over %d episodes, %7.1f s,"
                    + " %,d model steps in %,d batched calls", simulations, lanes, meanReturn, successRate, episodes,
                    seconds, modelSteps, modelCalls);
        }
    }

    private SimulationSweep() {
    }

    /**
     * Plays {@code episodes} episodes (env reset with {@code seed}) of MCTS with {@code config} at {@code simulations}
     * per move in env {@code envId} ({@code options}: one env) on {@code client}, planning in a second session.
     */
    public static Point run(GymBridgeClient client, String envId, MakeOptions options, MctsConfig config,
                            int simulations, int episodes, long seed) {
        long t0 = System.nanoTime();
        try (VectorEnv real = client.makeVec(envId, options);
             Mcts mcts = new Mcts(client.makeVec(envId, options.toBuilder().numEnvs(config.lanes()).build()),
                     config.withSimulations(simulations), null, seed)) {
            EvalResult r = Evaluation.run(mcts, real, episodes, seed);
            double successes = 0;
            for (double x : r.returns()) {
                successes += x > 0 ? 1 : 0;
            }
            return new Point(simulations, r.mean(), successes / episodes, (System.nanoTime() - t0) / 1e9, mcts.totalModelSteps(),
                    mcts.totalModelCalls(), episodes, config.lanes());
        }
    }

    /**
     * Writes {@code png}: mean return against simulations per move (log scale), one series per env, each divided by
     * its {@code scales} entry (an env's bar, so that 1.0 is the bar for every env; 1 for raw returns).
     */
    public static void plot(Path png, String title, List<String> names, List<List<Point>> series, double[] scales,
                            String yTitle) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(480).title(title).xAxisTitle("simulations per move")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        for (int k = 0; k < names.size(); k++) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (Point p : series.get(k)) {
                xs.add((double) p.simulations());
                ys.add(p.meanReturn() / scales[k]);
            }
            XYSeries s = chart.addSeries(names.get(k), xs, ys);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        Files.createDirectories(png.toAbsolutePath().getParent());
        String name = png.toString();
        BitmapEncoder.saveBitmap(chart, name.endsWith(".png") ? name.substring(0, name.length() - 4) : name,
                BitmapEncoder.BitmapFormat.PNG);
    }
}
