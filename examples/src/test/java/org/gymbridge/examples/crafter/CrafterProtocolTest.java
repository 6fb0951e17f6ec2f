package org.gymbridge.examples.crafter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.train.Configs;
import org.junit.jupiter.api.Test;

/**
 * The benchmark protocol on recorded episodes: the budget decides which episodes count, and on the human experts'
 * episodes published with the Crafter paper it gives the paper's human score.
 */
class CrafterProtocolTest {

    @Test
    void onlyEpisodesEndingWithinTheBudgetCountAndOtherRowsAreIgnored() {
        List<Map<String, Object>> rows = List.of(
                episode(100, 1.0, 100, "collect_wood", "place_table"),
                Map.of("kind", "train", "step", 150L, "achievements/collect_wood", 1.0),
                episode(200, 2.0, 100, "collect_wood"),
                episode(300, 5.0, 100, "collect_wood", "collect_diamond", "wake_up"),
                episode(400, 0.0, 100));
        CrafterEvaluation.Result r = CrafterProtocol.ofEpisodes("agent", rows, 300);
        assertEquals(3, r.episodes());
        assertArrayEquals(new double[] {1, 2, 5}, r.returns());
        assertEquals(100 * 3 / 3.0, r.successRates().get("collect_wood") * 100, 1e-12);
        assertEquals(1 / 3.0, r.successRates().get("place_table"), 1e-12);
        assertEquals(1 / 3.0, r.successRates().get("collect_diamond"), 1e-12);
        assertEquals(0.0, r.successRates().get("eat_cow"), 1e-12);
        assertEquals(22, r.successRates().size());
        assertEquals(CrafterScore.score(r.successPercent()), r.score(), 1e-12);
        // One more step of budget admits the fourth episode, which unlocked nothing.
        assertEquals(4, CrafterProtocol.ofEpisodes("agent", rows, 400).episodes());
        assertEquals(0.25, CrafterProtocol.ofEpisodes("agent", rows, 400).successRates().get("place_table"), 1e-12);
    }

    @Test
    void theProtocolIsNamedWithItsBudget() {
        String name = CrafterProtocol.name(1_000_000);
        assertTrue(name.startsWith("Hafner 2021 benchmark protocol: success rate = % of the training episodes"
                + " that ended within the first 1,000,000 env steps"), name);
    }

    @Test
    void aBudgetBeforeTheFirstEpisodeEndIsRejected() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CrafterProtocol.ofEpisodes("agent", List.of(episode(500, 1, 500)), 499));
        assertEquals(true, e.getMessage().contains("499"), e.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void humanExpertEpisodesOfThePaperGiveItsHumanScore() throws IOException {
        // Hafner 2021 publishes the human experts' episodes (5 players, 20 episodes each) and their score,
        // 50.5 +- 6.8 %: each player's success rates and score, then the mean and std over players.
        List<Map<String, Object>> players;
        try (InputStream in = getClass().getResourceAsStream("/crafter/crafter_reward-human.json")) {
            players = (List<Map<String, Object>>) Configs.parseJson(new String(in.readAllBytes(),
                    StandardCharsets.UTF_8));
        }
        assertEquals(5, players.size());
        List<double[]> rates = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (Map<String, Object> player : players) {
            CrafterEvaluation.Result r = CrafterProtocol.ofEpisodes("human", metricsRows(player), 1_000_000);
            assertEquals(20, r.episodes());
            rates.add(r.successPercent());
            scores.add(r.score());
        }
        double mean = CrafterScore.meanOverSeeds(rates);
        double std = Math.sqrt(scores.stream().mapToDouble(s -> (s - mean) * (s - mean)).average().orElseThrow());
        assertEquals(50.5, Math.round(mean * 10) / 10.0, 1e-9, "human score " + mean);
        assertEquals(6.8, Math.round(std * 10) / 10.0, 1e-9, "std over players " + std);
        // The score of the player-averaged rates is not the published score: the paper averages scores.
        double[] meanRates = new double[22];
        rates.forEach(p -> { for (int i = 0; i < 22; i++) { meanRates[i] += p[i] / rates.size(); } });
        assertEquals(52.0, Math.round(CrafterScore.score(meanRates) * 10) / 10.0, 1e-9);
    }

    /** A player's run in the paper's format (per-episode lists) as TrainingRun's episode rows. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> metricsRows(Map<String, Object> run) {
        List<Number> xs = (List<Number>) run.get("xs");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("kind", "episode");
            row.put("step", xs.get(i).longValue());
            row.put("return", ((List<Number>) run.get("reward")).get(i));
            row.put("length", ((List<Number>) run.get("length")).get(i));
            for (String a : CrafterScore.ACHIEVEMENTS) {
                double count = ((List<Number>) run.get("achievement_" + a)).get(i).doubleValue();
                row.put("achievements/" + a, count > 0 ? 1.0 : 0.0);
            }
            rows.add(row);
        }
        return rows;
    }

    private static Map<String, Object> episode(long step, double ret, long length, String... unlocked) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("kind", "episode");
        row.put("step", step);
        row.put("return", ret);
        row.put("length", length);
        for (String a : CrafterScore.ACHIEVEMENTS) {
            row.put("achievements/" + a, List.of(unlocked).contains(a) ? 1.0 : 0.0);
        }
        return row;
    }
}
