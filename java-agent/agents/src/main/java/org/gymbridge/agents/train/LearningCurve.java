package org.gymbridge.agents.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Learning-curve PNGs (XChart, headless): episode returns against env steps, their moving average, and
 * marks for the greedy evaluations: each periodic one's mean with a ±std bar, and the final one (eval.json) as a
 * triangle whose figures are in the legend.
 */
public final class LearningCurve {

    private LearningCurve() {
    }

    /** The final evaluation of a run (eval.json): drawn as its own marker with a ±std bar and its figures in the legend. */
    public record FinalEvaluation(long step, double mean, double std, int episodes) {
    }

    /** Plots and writes {@code png}. Series may be empty; the title names the run. */
    public static void write(Path png, String title, long[] episodeSteps, double[] episodeReturns, int window,
                             long[] evalSteps, double[] evalMeans) throws IOException {
        write(png, title, episodeSteps, episodeReturns, window, evalSteps, evalMeans, null, null);
    }

    /**
     * Plots and writes {@code png}, marking each periodic evaluation (mean, with a ±std bar when {@code evalStds} is
     * given) and the final evaluation ({@code finalEval}, may be null).
     */
    public static void write(Path png, String title, long[] episodeSteps, double[] episodeReturns, int window,
                             long[] evalSteps, double[] evalMeans, double[] evalStds, FinalEvaluation finalEval)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(480).title(title).xAxisTitle("env steps")
                .yAxisTitle("episode return").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        chart.getStyler().setMarkerSize(6);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        if (episodeSteps.length > 0) {
            int stride = Math.max(1, episodeSteps.length / 4000);   // keep the PNG readable for 100k episodes
            List<Double> xs = new ArrayList<>();
            List<Double> raw = new ArrayList<>();
            List<Double> avg = new ArrayList<>();
            double sum = 0;
            for (int i = 0; i < episodeSteps.length; i++) {
                sum += episodeReturns[i];
                if (i >= window) {
                    sum -= episodeReturns[i - window];
                }
                if (i % stride == 0 || i == episodeSteps.length - 1) {
                    xs.add((double) episodeSteps[i]);
                    raw.add(episodeReturns[i]);
                    avg.add(sum / Math.min(i + 1, window));
                }
            }
            XYSeries episodes = chart.addSeries("episode return", xs, raw);
            episodes.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            episodes.setMarkerColor(new Color(120, 160, 220, 90));
            episodes.setMarker(SeriesMarkers.CIRCLE);
            XYSeries mean = chart.addSeries("mean of last " + window, xs, avg);
            mean.setMarker(SeriesMarkers.NONE);
            mean.setLineColor(new Color(20, 60, 160));
            mean.setLineStyle(new BasicStroke(2f));
        }
        if (evalSteps.length > 0) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int i = 0; i < evalSteps.length; i++) {
                xs.add((double) evalSteps[i]);
                ys.add(evalMeans[i]);
            }
            XYSeries eval;
            if (evalStds != null) {
                List<Double> bars = new ArrayList<>();
                for (double std : evalStds) {
                    bars.add(std);
                }
                eval = chart.addSeries("greedy evaluation (mean, ±std)", xs, ys, bars);
            } else {
                eval = chart.addSeries("greedy evaluation", xs, ys);
            }
            eval.setMarker(SeriesMarkers.DIAMOND);
            eval.setMarkerColor(new Color(200, 60, 20));
            eval.setLineColor(new Color(200, 60, 20));
        }
        if (finalEval != null) {
            XYSeries last = chart.addSeries(String.format("final evaluation: %.2f ± %.2f over %d episodes",
                    finalEval.mean(), finalEval.std(), finalEval.episodes()),
                    new double[] {finalEval.step()}, new double[] {finalEval.mean()}, new double[] {finalEval.std()});
            last.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            last.setMarker(SeriesMarkers.TRIANGLE_UP);
            last.setMarkerColor(new Color(20, 140, 60));
            last.setLineColor(new Color(20, 140, 60));
        }
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        if (episodeSteps.length == 0 && evalSteps.length == 0 && finalEval == null) {
            chart.addSeries("no finished episode yet", new double[] {0}, new double[] {0});
        }
        writePng(png, BitmapEncoder.getBufferedImage(chart));
    }

    /**
     * Plots statistics of the {@code train} rows of metrics.jsonl against env steps, one panel per entry of
     * {@code panels} (the row keys drawn in it), stacked top to bottom; rows without a key leave a gap.
     */
    public static void writeStats(Path png, String title, List<java.util.Map<String, Object>> trainRows,
                                  List<List<String>> panels) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<java.awt.image.BufferedImage> images = new ArrayList<>();
        for (List<String> keys : panels) {
            XYChart chart = new XYChartBuilder().width(800).height(240).title(images.isEmpty() ? title : "")
                    .xAxisTitle("env steps").yAxisTitle(String.join(", ", keys)).build();
            chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setMarkerSize(4);
            for (String key : keys) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (java.util.Map<String, Object> row : trainRows) {
                    if (row.get(key) instanceof Number y && Double.isFinite(y.doubleValue())) {
                        xs.add(((Number) row.get("step")).doubleValue());
                        ys.add(y.doubleValue());
                    }
                }
                if (xs.isEmpty()) {
                    xs.add(0.0);
                    ys.add(0.0);
                }
                chart.addSeries(key, xs, ys);
            }
            images.add(BitmapEncoder.getBufferedImage(chart));
        }
        int height = images.stream().mapToInt(java.awt.image.BufferedImage::getHeight).sum();
        java.awt.image.BufferedImage all = new java.awt.image.BufferedImage(800, Math.max(1, height),
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = all.createGraphics();
        int y = 0;
        for (java.awt.image.BufferedImage image : images) {
            g.drawImage(image, 0, y, null);
            y += image.getHeight();
        }
        g.dispose();
        writePng(png, all);
    }

    private static void writePng(Path png, java.awt.image.BufferedImage image) throws IOException {
        // Encoded in memory (ImageIO's default file cache registers a JVM shutdown hook on first use, which
        // fails while a Ctrl-C shutdown saves the run) and moved into place, so a reader never sees half a PNG.
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream out = new javax.imageio.stream.MemoryCacheImageOutputStream(bytes)) {
            if (!javax.imageio.ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer in this JVM");
            }
        }
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        java.nio.file.Files.write(tmp, bytes.toByteArray());
        java.nio.file.Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
