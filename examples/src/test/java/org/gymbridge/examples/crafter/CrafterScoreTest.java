package org.gymbridge.examples.crafter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.train.Configs;
import org.junit.jupiter.api.Test;

/**
 * The Crafter score S = exp(mean ln(1 + s_i)) - 1 against values computed by hand and against the scores the Crafter
 * paper publishes for its baselines, recomputed from its success rates (test resource
 * crafter/hafner2021-crafter-baselines.json, which names its source).
 */
class CrafterScoreTest {

    @Test
    void scoreMatchesHandComputedValues() {
        // All rates equal: the geometric mean of (1 + s) is 1 + s, so S = s.
        assertEquals(0.0, CrafterScore.score(new double[22]), 1e-12);
        double[] all100 = new double[22];
        java.util.Arrays.fill(all100, 100);
        assertEquals(100.0, CrafterScore.score(all100), 1e-9);
        // Two rates 0% and 99%: exp((ln 1 + ln 100) / 2) - 1 = sqrt(100) - 1 = 9.
        assertEquals(9.0, CrafterScore.score(new double[] {0, 99}), 1e-12);
        // 22 rates: one 100%, the rest 0%: exp(ln(101) / 22) - 1 = exp(4.61512 / 22) - 1 = exp(0.209778) - 1 = 0.23340
        double[] one = new double[22];
        one[6] = 100;
        assertEquals(Math.pow(101, 1.0 / 22) - 1, CrafterScore.score(one), 1e-12);
        assertEquals(0.23340, CrafterScore.score(one), 1e-5);
        // Three rates 3%, 15%, 63%: exp((ln 4 + ln 16 + ln 64) / 3) - 1 = (4 * 16 * 64)^(1/3) - 1 = 16 - 1 = 15.
        assertEquals(15.0, CrafterScore.score(new double[] {3, 15, 63}), 1e-12);
    }

    @Test
    void fractionsByNameCountAll22AchievementsAndMissingOnesAsZero() {
        assertEquals(22, CrafterScore.ACHIEVEMENTS.size());
        assertEquals(22, new HashSet<>(CrafterScore.ACHIEVEMENTS).size());
        // collect_wood 100% (fraction 1.0), all others absent -> as the one-rate case above.
        assertEquals(Math.pow(101, 1.0 / 22) - 1, CrafterScore.score(Map.of("collect_wood", 1.0)), 1e-12);
        // A name outside Crafter's 22 does not count.
        assertEquals(0.0, CrafterScore.score(Map.of("not_an_achievement", 1.0)), 1e-12);
    }

    @Test
    @SuppressWarnings("unchecked")
    void randomAgentScoreOfThePaperIsRecomputedFromItsPerSeedSuccessCounts() throws IOException {
        // Random agent, 5 seeds x 1M steps (~5,950 episodes each): the published score is 1.6 +- 0.0 %.
        Map<String, Object> random = method("random");
        List<double[]> perSeed = new ArrayList<>();
        for (Map<String, Object> seed : (List<Map<String, Object>>) random.get("seed_counts")) {
            double episodes = ((Number) seed.get("episodes")).doubleValue();
            Map<String, Object> unlocked = (Map<String, Object>) seed.get("unlocked");
            perSeed.add(CrafterScore.ACHIEVEMENTS.stream()
                    .mapToDouble(a -> 100 * ((Number) unlocked.get(a)).doubleValue() / episodes).toArray());
        }
        assertEquals(5, perSeed.size());
        assertEquals(1.6, round1(CrafterScore.meanOverSeeds(perSeed)), 1e-9);
        // The rates read off the paper's bar chart are these counts' seed averages (which validates the reading).
        double[] plotted = meanRates(random);
        for (int i = 0; i < 22; i++) {
            final int k = i;
            double mean = perSeed.stream().mapToDouble(p -> p[k]).average().orElseThrow();
            assertEquals(mean, plotted[i], 1e-3, CrafterScore.ACHIEVEMENTS.get(i));
        }
    }

    @Test
    void agentScoresOfThePaperAreBoundedByTheScoresOfTheirSeedAveragedRates() throws IOException {
        // For PPO, Rainbow and DreamerV2 the paper gives seed-averaged rates only (its per-seed data is not public).
        // The score of averaged rates is an upper bound of the published mean of per-seed scores (the geometric
        // mean is concave); with little spread between seeds it is the published score: PPO 4.6 %.
        assertEquals(4.6, round1(CrafterScore.score(meanRates(method("ppo")))), 1e-9);
        for (String name : List.of("random", "ppo", "rainbow", "dreamerv2")) {
            Map<String, Object> m = method(name);
            double published = ((Number) m.get("published_score")).doubleValue();
            double ofMeans = CrafterScore.score(meanRates(m));
            assertTrue(round1(ofMeans) >= published, name + ": " + ofMeans + " < " + published);
            assertTrue(ofMeans - published < 1.0, name + ": " + ofMeans + " vs " + published);
        }
        assertEquals(4.4, round1(CrafterScore.score(meanRates(method("rainbow")))), 1e-9);
        assertEquals(10.8, round1(CrafterScore.score(meanRates(method("dreamerv2")))), 1e-9);
    }

    @Test
    void meanOverSeedsAveragesTheSeedsScores() {
        double[] one = new double[22];
        one[6] = 100;
        double expected = (0 + CrafterScore.score(one)) / 2;
        assertEquals(expected, CrafterScore.meanOverSeeds(List.of(new double[22], one)), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> CrafterScore.meanOverSeeds(List.of()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> method(String name) throws IOException {
        try (InputStream in = CrafterScoreTest.class.getResourceAsStream("/crafter/hafner2021-crafter-baselines.json")) {
            Map<String, Object> file = (Map<String, Object>) Configs.parseJson(
                    new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return (Map<String, Object>) ((Map<String, Object>) file.get("methods")).get(name);
        }
    }

    @SuppressWarnings("unchecked")
    private static double[] meanRates(Map<String, Object> method) {
        Map<String, Object> rates = (Map<String, Object>) method.get("mean_rates_percent");
        assertEquals(CrafterScore.ACHIEVEMENTS, List.copyOf(rates.keySet()));
        return rates.values().stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
    }

    private static double round1(double x) {
        return Math.round(x * 10) / 10.0;
    }

    @Test
    void ratesOutsidePercentRangeAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CrafterScore.score(new double[] {50, 101}));
        assertTrue(e.getMessage().contains("[0, 100]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CrafterScore.score(new double[] {Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> CrafterScore.score(new double[0]));
    }
}
