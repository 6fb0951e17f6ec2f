package org.gymbridge.examples.crafter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.train.TrainingRun;

/**
 * Crafter's benchmark protocol (Hafner 2021, "Benchmarking the Spectrum of Agent Capabilities"): an agent is
 * scored on the episodes it played <em>while training</em>, all episodes that ended within the step budget
 * (1M env steps in the paper), not on a separate evaluation afterwards. The success rate of an achievement is the
 * percentage of those episodes that unlocked it at least once, and the score is {@link CrafterScore}'s geometric
 * mean of the 22 rates. Over several seeds the paper averages the seeds' scores ({@link CrafterScore#meanOverSeeds}),
 * which is lower than the score of the seed-averaged rates.
 *
 * <p>The episodes come from the run folder's {@code metrics.jsonl}: {@link TrainingRun} writes one {@code episode}
 * row per finished training episode with its return, length, the env step count at its end and
 * {@code achievements/<name>} = 1 when Crafter's {@code achievements} info counted it. A resumed run cuts the file
 * back to its checkpoint and replays to the same rows, so the record of a resumed run is that of an uninterrupted
 * one.
 */
public final class CrafterProtocol {

    /** How the report names this protocol. */
    public static final String NAME = "Hafner 2021 benchmark protocol: success rate = %% of the training episodes"
            + " that ended within the first %,d env steps and unlocked the achievement at least once;"
            + " score = exp(mean over the 22 achievements of ln(1 + s_i)) - 1";

    private CrafterProtocol() {
    }

    /** The protocol's name for a budget of {@code budgetSteps} env steps. */
    public static String name(long budgetSteps) {
        return String.format(NAME, budgetSteps);
    }

    /** The protocol applied to the training episodes recorded in the run folder {@code runDir}. */
    public static CrafterEvaluation.Result ofRun(String policy, Path runDir, long budgetSteps) throws IOException {
        return ofEpisodes(policy, TrainingRun.readMetrics(runDir), budgetSteps);
    }

    /**
     * The protocol applied to metrics rows: every {@code episode} row whose {@code step} (env steps at the episode's
     * end) is at most {@code budgetSteps} counts, other rows are ignored.
     *
     * @throws IllegalStateException when no episode ended within the budget (no rate can be measured)
     */
    public static CrafterEvaluation.Result ofEpisodes(String policy, List<Map<String, Object>> rows, long budgetSteps) {
        List<Map<String, Object>> episodes = rows.stream()
                .filter(r -> "episode".equals(r.get("kind")))
                .filter(r -> ((Number) r.get("step")).longValue() <= budgetSteps)
                .toList();
        if (episodes.isEmpty()) {
            throw new IllegalStateException("no training episode ended within the first " + budgetSteps
                    + " env steps: the benchmark protocol has nothing to score");
        }
        int n = episodes.size();
        double[] returns = new double[n];
        long[] lengths = new long[n];
        Map<String, Double> unlocked = new LinkedHashMap<>();
        CrafterScore.ACHIEVEMENTS.forEach(a -> unlocked.put(a, 0.0));
        for (int i = 0; i < n; i++) {
            Map<String, Object> row = episodes.get(i);
            returns[i] = ((Number) row.get("return")).doubleValue();
            lengths[i] = ((Number) row.get("length")).longValue();
            for (String a : CrafterScore.ACHIEVEMENTS) {
                if (row.get("achievements/" + a) instanceof Number v && v.doubleValue() > 0) {
                    unlocked.merge(a, 1.0, Double::sum);
                }
            }
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        unlocked.forEach((a, count) -> rates.put(a, count / n));
        return new CrafterEvaluation.Result(policy, n, returns, lengths, rates, CrafterScore.score(rates), List.of(), 0);
    }
}
