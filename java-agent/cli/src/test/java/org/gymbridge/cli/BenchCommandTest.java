package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of {@code gymbridge bench --quick}: it runs the real Python in-process benchmark, real servers
 * over TCP and a unix socket and the echo floor, and writes every row with positive figures. It asserts
 * completeness and the bridge's bit-identical reward checksums, never speed (the suite runs on a loaded machine).
 */
class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void quickBenchWritesEveryRowWithPositiveFiguresAndMatchingChecksums() throws Exception {
        Path out = tmp.resolve("bench.json");
        int code = Main.commandLine().execute("bench", "--quick", "--out", out.toString());
        assertEquals(0, code, "bench exit code");
        String text = Files.readString(out);
        JsonObject json = JsonParser.parseString(text).getAsJsonObject();

        List<JsonObject> stepRows = new ArrayList<>(objects(json.getAsJsonArray("env_rows")));
        stepRows.addAll(objects(json.getAsJsonArray("round_trip_rows")));
        for (BenchCommand.Case c : BenchCommand.cases(null)) {
            assertTrue(stepRows.stream().anyMatch(r -> r.get("env").getAsString().equals(c.env())
                            && r.get("num_envs").getAsInt() == c.numEnvs()),
                    "missing row " + c.env() + " x" + c.numEnvs() + " in\n" + text);
        }
        for (String figure : List.of("inprocess_env_steps_per_s", "tcp_env_steps_per_s", "unix_env_steps_per_s", "fast_env_steps_per_s",
                "tcp_ratio", "unix_ratio", "fast_ratio", "tcp_p50_us", "fast_p50_us", "mean_us", "p50_us",
                "inprocess_cpu_us_per_step", "fast_cpu_us_per_step", "workers_env_steps_per_s")) {
            List<JsonElement> values = new ArrayList<>();
            collect(json, figure, values);
            for (JsonElement v : values) {
                assertTrue(v.isJsonPrimitive() && v.getAsDouble() > 0, figure + " = " + v + " is not positive");
            }
            assertTrue(values.size() >= 4, figure + " appears " + values.size() + " times");
        }
        List<String> floorTransports = objects(json.getAsJsonArray("floor_rows")).stream()
                .map(r -> r.get("transport").getAsString()).toList();
        assertTrue(floorTransports.contains("tcp") && floorTransports.contains("unix"), "floor rows: " + floorTransports);
        // Same seeds and actions through the bridge: every reward checksum equals the in-process one.
        List<Map.Entry<String, JsonElement>> checksums = stepRows.stream().flatMap(r -> r.entrySet().stream())
                .filter(e -> e.getKey().endsWith("_checksum_match")).toList();
        assertFalse(checksums.isEmpty(), text);
        for (Map.Entry<String, JsonElement> e : checksums) {
            assertTrue(e.getValue().getAsBoolean(), "a bridge row differs from in-process Gymnasium (" + e.getKey() + "):\n" + text);
        }
        assertTrue(json.has("targets") && json.get("targets").isJsonArray(), "targets section");
    }

    @Test
    void theBestTransportIsChosenByWallClockRatioNeverByACpuRatio() {
        java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("tcp_ratio", 0.5);
        row.put("fast_ratio", 0.76);
        row.put("fast_cpu_ratio", 0.77);
        row.put("workers_cpu_ratio", 0.9);
        assertEquals("fast", BenchResults.bestKey(row));
        row.put("workers_ratio", 1.06);
        assertEquals("workers", BenchResults.bestKey(row));
    }

    @Test
    void theRayAgainstWorkersBarIsTheMedianOfItsRoundsByWallAndByCpu() {
        BenchResults results = new BenchResults();
        double[][] rounds = {{0.80, 0.95}, {1.30, 0.88}, {0.92, 0.91}}; // wall ratio, CPU ratio
        for (double[] r : rounds) {
            Map<String, Object> row = new java.util.LinkedHashMap<>();
            for (String key : List.of("workers_env_steps_per_s", "ray_env_steps_per_s", "workers_cpu_us_per_step", "ray_cpu_us_per_step")) {
                row.put(key, 1.0);
            }
            row.put("ray_vs_workers", r[0]);
            row.put("ray_vs_workers_cpu", r[1]);
            results.rayPairRows.add(row);
        }
        results.computeRayPairTargets(100.0);
        assertEquals(2, results.targetRows.size());
        assertEquals(0.92, (double) results.targetRows.get(0).get("value"), 1e-12, "wall: the median, not the mean or the best");
        assertEquals(true, results.targetRows.get(0).get("met"));
        assertEquals(0.91, (double) results.targetRows.get(1).get("value"), 1e-12);
        assertEquals(1.5, BenchResults.median(List.of(Map.of("k", 1.0), Map.of("k", 2.0)), "k"), 1e-12);
    }

    private static List<JsonObject> objects(JsonArray rows) {
        return StreamSupport.stream(rows.spliterator(), false).map(JsonElement::getAsJsonObject).toList();
    }

    /** Every value of {@code key} anywhere in {@code e}. */
    private static void collect(JsonElement e, String key, List<JsonElement> out) {
        if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                if (m.getKey().equals(key)) {
                    out.add(m.getValue());
                }
                collect(m.getValue(), key, out);
            }
        } else if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> collect(x, key, out));
        }
    }
}
