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
 * The end-of-run outputs of a Crafter experiment: {@code crafter-eval.json} (the benchmark protocol's score of the
 * training episodes and, per evaluated policy: episodes, mean return and length, success rate per achievement in
 * percent, Crafter score, each with the protocol that measured it named), {@code crafter-success.png} (a bar chart
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

    /**
     * The benchmark-protocol score of a run: {@link CrafterProtocol} applied to its training episodes within
     * {@code budgetSteps} env steps.
     */
    public record Benchmark(long budgetSteps, CrafterEvaluation.Result training) {
        public String protocol() {
            return CrafterProtocol.name(budgetSteps);
        }
    }

    /**
     * Writes the three files into {@code dir}: the JSON holds {@code benchmark} (the training episodes scored by
     * the paper's protocol; absent when {@code benchmark} is null), {@code evaluation_protocol} and {@code policies}
     * (the post-training evaluations); {@code extra} goes into the JSON's top level (run facts).
     */
    public static void write(Path dir, Benchmark benchmark, List<CrafterEvaluation.Result> results,
                             String evaluationProtocol, Map<String, Object> extra) throws IOException {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no evaluation results to report");
        }
        java.nio.file.Files.createDirectories(dir);
        Map<String, Object> json = new LinkedHashMap<>(extra);
        if (benchmark != null) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("protocol", benchmark.protocol());
            b.put("budget_steps", benchmark.budgetSteps());
            b.put("policy", benchmark.training().policy());
            b.putAll(policyJson(benchmark.training()));
            b.remove("eval_seconds");
            json.put("benchmark", b);
        }
        json.put("evaluation_protocol", evaluationProtocol);
        Map<String, Object> policies = new LinkedHashMap<>();
        for (CrafterEvaluation.Result r : results) {
            policies.put(r.policy(), policyJson(r));
        }
        json.put("policies", policies);
        java.nio.file.Files.writeString(dir.resolve(JSON_FILE), Configs.toJson(json) + "\n");
        writeChart(dir.resolve(CHART_FILE), columns(benchmark, results),
                String.valueOf(extra.getOrDefault("title", "Crafter")));
        List<Tensor> frames = results.get(0).firstEpisodeFrames();
        if (!frames.isEmpty()) {
            GifWriter.write(dir.resolve(GIF_FILE), frames, GIF_FPS);
        }
    }

    /** The columns of the table and the chart: the benchmark's training episodes first, then the evaluations. */
    public static List<CrafterEvaluation.Result> columns(Benchmark benchmark, List<CrafterEvaluation.Result> results) {
        List<CrafterEvaluation.Result> columns = new ArrayList<>();
        if (benchmark != null) {
            columns.add(benchmark.training());
        }
        columns.addAll(results);
        return columns;
    }

    private static Map<String, Object> policyJson(CrafterEvaluation.Result r) {
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
        return p;
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
        Color[] colors = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xaaaaaa), new Color(0xff7f0e)};
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

    /**
     * The per-achievement table, policies as columns, scores at the bottom (what a run prints at the end), after a
     * line per protocol: the benchmark's (its column is the first) and the evaluation's.
     */
    public static void printTable(PrintStream out, Benchmark benchmark, List<CrafterEvaluation.Result> evaluations,
                                  String evaluationProtocol) {
        if (benchmark != null) {
            out.println("column " + benchmark.training().policy() + ": " + benchmark.protocol());
        }
        out.println("other columns: " + evaluationProtocol);
        List<CrafterEvaluation.Result> results = columns(benchmark, evaluations);
        StringBuilder header = new StringBuilder(String.format("%-20s", "achievement (%)"));
        results.forEach(r -> header.append(String.format(" %14s", r.policy())));
        out.println(header);
        for (int i = 0; i < CrafterScore.ACHIEVEMENTS.size(); i++) {
            StringBuilder line = new StringBuilder(String.format("%-20s", CrafterScore.ACHIEVEMENTS.get(i)));
            for (CrafterEvaluation.Result r : results) {
                line.append(String.format(" %14.2f", r.successPercent()[i]));
            }
            out.println(line);
        }
        summaryRow(out, "score", "%14.2f", results, CrafterEvaluation.Result::score);
        summaryRow(out, "mean return", "%14.2f", results, CrafterEvaluation.Result::meanReturn);
        summaryRow(out, "mean length", "%14.1f", results, CrafterEvaluation.Result::meanLength);
        summaryRow(out, "episodes", "%14.0f", results, r -> r.episodes());
    }

    private static void summaryRow(PrintStream out, String label, String format, List<CrafterEvaluation.Result> results,
                                   java.util.function.ToDoubleFunction<CrafterEvaluation.Result> value) {
        StringBuilder line = new StringBuilder(String.format("%-20s", label));
        results.forEach(r -> line.append(' ').append(String.format(format, value.applyAsDouble(r))));
        out.println(line);
    }
}
