package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        String json = Files.readString(out);

        for (BenchCommand.Case c : BenchCommand.cases(null)) {
            String row = "\"env\": \"" + c.env() + "\",\n      \"num_envs\": " + c.numEnvs() + ",";
            assertTrue(json.contains(row), "missing row " + c.env() + " x" + c.numEnvs() + " in\n" + json);
        }
        for (String figure : List.of("inprocess_env_steps_per_s", "tcp_env_steps_per_s", "unix_env_steps_per_s", "fast_env_steps_per_s",
                "tcp_ratio", "unix_ratio", "fast_ratio", "tcp_p50_us", "fast_p50_us", "mean_us", "p50_us",
                "inprocess_cpu_us_per_step", "fast_cpu_us_per_step", "workers_env_steps_per_s")) {
            Matcher m = Pattern.compile("\"" + figure + "\": ([^,\\n]+)").matcher(json);
            int count = 0;
            while (m.find()) {
                count++;
                assertTrue(Double.parseDouble(m.group(1)) > 0, figure + " = " + m.group(1) + " is not positive");
            }
            assertTrue(count >= 4, figure + " appears " + count + " times");
        }
        assertTrue(json.contains("\"transport\": \"tcp\"") && json.contains("\"transport\": \"unix\""), "floor rows");
        // Same seeds and actions through the bridge: every reward checksum equals the in-process one.
        assertTrue(json.contains("_checksum_match\": true"), json);
        assertTrue(!json.contains("_checksum_match\": false"), "a bridge row differs from in-process Gymnasium:\n" + json);
        assertTrue(json.contains("\"targets\": ["), "targets section");
    }

    @Test
    void theBestTransportIsChosenByWallClockRatioNeverByACpuRatio() {
        java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("tcp_ratio", 0.5);
        row.put("fast_ratio", 0.76);
        row.put("fast_cpu_ratio", 0.77);
        row.put("workers_cpu_ratio", 0.9);
        assertEquals("fast", BenchCommand.bestKey(row));
        row.put("workers_ratio", 1.06);
        assertEquals("workers", BenchCommand.bestKey(row));
    }
}
