package org.gymbridge.examples.crafter;

import java.util.List;
import java.util.Map;

/**
 * Crafter's benchmark score (Hafner 2021, "Benchmarking the Spectrum of Agent Capabilities", section 3): the
 * success rate s_i of achievement i is the percentage of episodes in which it was unlocked at least once, and
 * <pre>
 *   S = exp( (1/N) sum_i ln(1 + s_i) ) - 1        (N = 22, s_i in percent, so 0 <= S <= 100)
 * </pre>
 * a geometric mean that rewards unlocking many achievements a little over unlocking a few often.
 */
public final class CrafterScore {

    /** Crafter's 22 achievements, in the order of crafter/data.yaml (the order of its info dict). */
    public static final List<String> ACHIEVEMENTS = List.of(
            "collect_coal", "collect_diamond", "collect_drink", "collect_iron", "collect_sapling", "collect_stone",
            "collect_wood", "defeat_skeleton", "defeat_zombie", "eat_cow", "eat_plant", "make_iron_pickaxe",
            "make_iron_sword", "make_stone_pickaxe", "make_stone_sword", "make_wood_pickaxe", "make_wood_sword",
            "place_furnace", "place_plant", "place_stone", "place_table", "wake_up");

    private CrafterScore() {
    }

    /**
     * The score of success rates in percent, one per achievement (all 22 for the benchmark's score).
     *
     * @throws IllegalArgumentException for an empty array or a rate outside [0, 100]
     */
    public static double score(double[] successRatesPercent) {
        if (successRatesPercent.length == 0) {
            throw new IllegalArgumentException("the Crafter score needs at least one success rate");
        }
        double sum = 0;
        for (double s : successRatesPercent) {
            if (!(s >= 0 && s <= 100)) {
                throw new IllegalArgumentException("success rates are percentages in [0, 100], got " + s);
            }
            sum += Math.log1p(s);
        }
        return Math.expm1(sum / successRatesPercent.length);
    }

    /**
     * The score of several seeds as the benchmark reports it: the mean of each seed's {@link #score(double[])}
     * (Hafner's analysis code averages the per-seed scores; the score of the seed-averaged rates is higher, since
     * the geometric mean is concave).
     */
    public static double meanOverSeeds(List<double[]> successRatesPercentPerSeed) {
        if (successRatesPercentPerSeed.isEmpty()) {
            throw new IllegalArgumentException("the Crafter score over seeds needs at least one seed");
        }
        return successRatesPercentPerSeed.stream().mapToDouble(CrafterScore::score).average().orElseThrow();
    }

    /**
     * The score of success rates given as fractions in [0, 1] by achievement name: every one of the 22
     * {@link #ACHIEVEMENTS} counts (a missing one as 0).
     */
    public static double score(Map<String, Double> successFractions) {
        double[] percent = new double[ACHIEVEMENTS.size()];
        for (int i = 0; i < percent.length; i++) {
            percent[i] = 100 * successFractions.getOrDefault(ACHIEVEMENTS.get(i), 0.0);
        }
        return score(percent);
    }
}
