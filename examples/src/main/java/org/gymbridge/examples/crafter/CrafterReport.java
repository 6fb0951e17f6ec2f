package org.gymbridge.examples.crafter;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.render.GifWriter;
import org.gymbridge.tensor.Tensor;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The end-of-run outputs of a Crafter experiment: {@code crafter-eval.json} (per policy: episodes, mean return
 * and length, success rate per achievement in percent, Crafter score), {@code crafter-success.png} (a bar chart
 * of the success rates, policies side by side, log-scaled like the Crafter paper's figures) and
 * {@code crafter-eval.gif} (the first evaluation episode of the first policy as the agent saw it).
 */
public final class CrafterReport {

    public static final String JSON_FILE = "crafter-eval.json";
    public static final String CHART_FILE = "crafter-success.png";
    public static final String GIF_FILE = "crafter-eval.gif";
    /** Crafter runs at no declared fps; 15 frames per second shows the moves. */
    public static final double GIF_FPS = 15;

    private CrafterReport() {
    }

    /** Writes the three files into {@code dir}; {@code extra} goes into the JSON's top level (run facts). */
    public static void write(Path dir, List<CrafterEvaluation.Result> results, Map<String, Object> extra)
            throws IOException {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no evaluation results to report");
        }
        java.nio.file.Files.createDirectories(dir);
        Map<String, Object> json = new LinkedHashMap<>(extra);
        Map<String, Object> policies = new LinkedHashMap<>();
        for (CrafterEvaluation.Result r : results) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("episodes", r.episodes());
            p.put("score", r.score());
            p.put("mean_return", r.meanReturn());
            p.put("std_return", new org.gymbridge.agents.train.EvalResult(r.returns()).std());
            p.put("mean_length", r.meanLength());
            Map<String, Object> rates = new LinkedHashMap<>();
            double[] percent = r.successPercent();
            for (int i = 0; i < percent.length; i++) {
                rates.put(CrafterScore.ACHIEVEMENTS.get(i), percent[i]);
            }
            p.put("success_rates_percent", rates);
            p.put("eval_seconds", r.seconds());
            policies.put(r.policy(), p);
        }
        json.put("policies", policies);
        java.nio.file.Files.writeString(dir.resolve(JSON_FILE), Configs.toJson(json) + "\n");
        writeChart(dir.resolve(CHART_FILE), results, String.valueOf(extra.getOrDefault("title", "Crafter")));
        List<Tensor> frames = results.get(0).firstEpisodeFrames();
        if (!frames.isEmpty()) {
            GifWriter.write(dir.resolve(GIF_FILE), frames, GIF_FPS);
        }
    }

    /** Success rate per achievement (percent, log axis from 0.01 like the paper), one bar colour per policy. */
    static void writeChart(Path png, List<CrafterEvaluation.Result> results, String title) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(560).title(title)
                .xAxisTitle("achievement").yAxisTitle("success rate (%)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisLabelRotation(90);        // vertical names sit under their own bars
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setYAxisMin(0.01);
        chart.getStyler().setYAxisMax(100.0);
        chart.getStyler().setOverlapped(false);
        Color[] colors = {new Color(0x1f77b4), new Color(0xaaaaaa), new Color(0xff7f0e), new Color(0x2ca02c)};
        chart.getStyler().setSeriesColors(colors);
        List<String> names = new ArrayList<>(CrafterScore.ACHIEVEMENTS);
        for (CrafterEvaluation.Result r : results) {
            // A log axis cannot show 0: a rate of 0 is drawn at the axis minimum (no visible bar).
            List<Double> values = Arrays.stream(r.successPercent()).map(v -> Math.max(v, 0.01)).boxed().toList();
            chart.addSeries(String.format("%s (score %.2f%%)", r.policy(), r.score()), names, values);
        }
        String base = png.toString().replaceFirst("\\.png$", "");
        BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
    }

    /** The per-achievement table, policies as columns, scores at the bottom (what a run prints at the end). */
    public static void printTable(PrintStream out, List<CrafterEvaluation.Result> results) {
        StringBuilder header = new StringBuilder(String.format("%-20s", "achievement (%)"));
        results.forEach(r -> header.append(String.format(" %10s", r.policy())));
        out.println(header);
        for (int i = 0; i < CrafterScore.ACHIEVEMENTS.size(); i++) {
            StringBuilder line = new StringBuilder(String.format("%-20s", CrafterScore.ACHIEVEMENTS.get(i)));
            for (CrafterEvaluation.Result r : results) {
                line.append(String.format(" %10.1f", r.successPercent()[i]));
            }
            out.println(line);
        }
        summaryRow(out, "score", "%10.2f", results, CrafterEvaluation.Result::score);
        summaryRow(out, "mean return", "%10.2f", results, CrafterEvaluation.Result::meanReturn);
        summaryRow(out, "mean length", "%10.1f", results, CrafterEvaluation.Result::meanLength);
        summaryRow(out, "episodes", "%10.0f", results, r -> r.episodes());
    }

    private static void summaryRow(PrintStream out, String label, String format, List<CrafterEvaluation.Result> results,
                                   java.util.function.ToDoubleFunction<CrafterEvaluation.Result> value) {
        StringBuilder line = new StringBuilder(String.format("%-20s", label));
        results.forEach(r -> line.append(' ').append(String.format(format, value.applyAsDouble(r))));
        out.println(line);
    }
}
