package org.gymbridge.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bench's rows as they are measured, the targets they are held to, and the printed table. Row lists keep
 * the JSON file's names: env_rows, round_trip_rows, floor_rows, async_rows (the pipelined rows), agent, targets.
 */
final class BenchResults {
    final List<Map<String, Object>> envRows = new ArrayList<>();
    final List<Map<String, Object>> roundTripRows = new ArrayList<>();
    final List<Map<String, Object>> floorRows = new ArrayList<>();
    final List<Map<String, Object>> targetRows = new ArrayList<>();
    final List<Map<String, Object>> pipelinedRows = new ArrayList<>();
    final Map<String, Object> agentRow = new LinkedHashMap<>();
    /** --ray-vs-workers: one row per round (Crafter-v1 x16, workers and ray), then the medians in targets. */
    final List<Map<String, Object>> rayPairRows = new ArrayList<>();

    /** The rows in the results file's layout. */
    void addTo(Map<String, Object> json) {
        json.put("env_rows", envRows);
        json.put("round_trip_rows", roundTripRows);
        json.put("floor_rows", floorRows);
        json.put("async_rows", pipelinedRows);
        json.put("agent", agentRow);
        json.put("targets", targetRows);
        if (!rayPairRows.isEmpty()) {
            json.put("ray_vs_workers_rows", rayPairRows);
        }
    }

    /** The median over the rounds of ray / workers, by wall time (the bar: >= 0.9) and by CPU (load-robust). */
    void computeRayPairTargets(double inProcessEnvStepsPerSecond) {
        String rounds = rayPairRows.size() + " round" + (rayPairRows.size() == 1 ? "" : "s");
        target("Crafter-v1 x16: ray / workers, wall (median of " + rounds + ")", median(rayPairRows, "ray_vs_workers"), 0.9, true);
        target("Crafter-v1 x16: ray / workers, CPU (median of " + rounds + ")", median(rayPairRows, "ray_vs_workers_cpu"), 0.9, true);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("env", "Crafter-v1");
        row.put("num_envs", 16);
        row.put("inprocess_env_steps_per_s", inProcessEnvStepsPerSecond);
        for (String key : List.of("workers_env_steps_per_s", "ray_env_steps_per_s", "workers_cpu_us_per_step", "ray_cpu_us_per_step",
                "ray_vs_workers", "ray_vs_workers_cpu")) {
            row.put("median_" + key, median(rayPairRows, key));
        }
        envRows.add(row);
    }

    /** The median of a numeric key over rows (the mean of the middle two for an even count). */
    static double median(List<Map<String, Object>> rows, String key) {
        double[] v = rows.stream().mapToDouble(r -> (double) r.get(key)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    void printRayPair() {
        System.out.println("Crafter-v1 x16, workers (2 processes) vs ray (2 actors); CPU = client + every server process");
        System.out.printf(Locale.ROOT, "%-6s %-8s %12s %12s %7s %12s %12s %7s  %s%n", "round", "first", "workers/s", "ray/s", "ratio",
                "workers CPU", "ray CPU", "ratio", "load average");
        for (Map<String, Object> r : rayPairRows) {
            System.out.printf(Locale.ROOT, "%-6s %-8s %12.0f %12.0f %7.2f %10.1fms %10.1fms %7.2f  %s%n", r.get("round"), r.get("first"),
                    (double) r.get("workers_env_steps_per_s"), (double) r.get("ray_env_steps_per_s"), (double) r.get("ray_vs_workers"),
                    (double) r.get("workers_cpu_us_per_step") / 1e3, (double) r.get("ray_cpu_us_per_step") / 1e3,
                    (double) r.get("ray_vs_workers_cpu"), r.get("loadavg"));
        }
        System.out.println();
        System.out.println("targets:");
        for (Map<String, Object> t : targetRows) {
            System.out.printf(Locale.ROOT, "  %-62s %6.2f  target %-7s %s%n", t.get("measure"), (double) t.get("value"),
                    t.get("target"), Boolean.TRUE.equals(t.get("met")) ? "met" : "NOT met");
        }
    }

    /** The targets the figures are held to, from the rows measured so far. */
    void computeTargets() {
        for (Object[] t : new Object[][] {{"CartPole-v1", 64, 0.80}, {"CartPole-v1", 256, 0.90}, {"HalfCheetah-v5", 16, 0.90}}) {
            Map<String, Object> r = row((String) t[0], (int) t[1]);
            String key = bestKey(r);
            if (key != null) {
                target(t[0] + " x" + t[1] + ": bridge (" + key + ") / in-process", (double) r.get(key + "_ratio"), (double) t[2], true);
            }
        }
        Map<String, Object> cp64 = row("CartPole-v1", 64);
        if (cp64 != null && cp64.containsKey("tcplane_ratio")) {
            target("CartPole-v1 x64: over TCP (tcplane) / in-process", (double) cp64.get("tcplane_ratio"), 0.80, true);
        }
        Map<String, Object> ant = row("Ant-v5", 16);
        if (ant != null && ant.containsKey("workers_vs_one_process")) {
            target("Ant-v5 x16: worker processes / one process", (double) ant.get("workers_vs_one_process"), 1.6, true);
        }
        for (Map<String, Object> a : pipelinedRows) {
            target("pipelined send/recv (2 groups) / sync, policy ~ env time", (double) a.get("async_vs_sync"), 1.3, true);
        }
        Map<String, Object> noop = roundTripRows.stream().filter(r -> r.get("num_envs").equals(1)).findFirst().orElse(null);
        for (String t : List.of("tcp", "unix")) {
            Map<String, Object> floor = floorRows.stream()
                    .filter(r -> r.get("transport").equals(t) && r.get("num_envs").equals(1)).findFirst().orElse(null);
            if (noop != null && floor != null) {
                // The bridge over a unix socket is compared with the unix floor, TCP with the TCP floor.
                String key = t.equals("tcp") ? "tcp" : bestUnixKey(noop);
                double bridgeUs = (double) noop.get(key + "_p50_us");
                target("no-op x1 round trip (" + key + ", p50) / " + t + " socket floor (p50)",
                        bridgeUs / (double) floor.get("p50_us"), 2.5, false);
                if (t.equals("tcp") && noop.containsKey("tcplane_p50_us")) {
                    target("no-op x1 round trip (tcplane, p50) / tcp socket floor (p50)",
                            (double) noop.get("tcplane_p50_us") / (double) floor.get("p50_us"), 5.0, false);
                }
            }
        }
    }

    private static String bestUnixKey(Map<String, Object> row) {
        return row.containsKey("fast_p50_us") ? "fast" : "unix";
    }

    private Map<String, Object> row(String env, int n) {
        return envRows.stream().filter(r -> r.get("env").equals(env) && r.get("num_envs").equals(n)).findFirst().orElse(null);
    }

    /**
     * The transport with the best wall-clock ratio in a row (what a same-host user can get), or null. Only the
     * transports' own {@code <transport>_ratio} keys compete: {@code fast_cpu_ratio} and the like are CPU ratios.
     */
    static String bestKey(Map<String, Object> row) {
        if (row == null) {
            return null;
        }
        String best = null;
        for (String t : List.of("tcp", "unix", "fast", "workers")) {
            Object v = row.get(t + "_ratio");
            if (v != null && (best == null || (double) v > (double) row.get(best + "_ratio"))) {
                best = t;
            }
        }
        return best;
    }

    private void target(String name, double value, double target, boolean atLeast) {
        if (Double.isNaN(value)) {
            return;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("measure", name);
        row.put("value", value);
        row.put("target", (atLeast ? ">= " : "<= ") + target);
        row.put("met", atLeast ? value >= target : value <= target);
        targetRows.add(row);
    }

    void printTable(int repeats) {
        List<String> transports = new ArrayList<>();
        for (Map<String, Object> r : envRows.isEmpty() ? roundTripRows : envRows) {
            r.keySet().stream().filter(k -> k.endsWith("_env_steps_per_s") && !k.startsWith("inprocess"))
                    .map(k -> k.substring(0, k.length() - "_env_steps_per_s".length()))
                    .filter(k -> !transports.contains(k)).forEach(transports::add);
        }
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-20s %5s %12s", "env", "batch", "in-process"));
        for (String t : transports) {
            h.append(String.format(Locale.ROOT, " %12s %6s", t, "ratio"));
        }
        System.out.println("env-steps/s (best of " + repeats + " passes; ratio = bridge / in-process)");
        System.out.println(h);
        List<Map<String, Object>> all = new ArrayList<>(envRows);
        all.addAll(roundTripRows);
        for (Map<String, Object> r : all) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-20s %5d %12.0f", r.get("env"), r.get("num_envs"),
                    (double) r.get("inprocess_env_steps_per_s")));
            for (String t : transports) {
                Object v = r.get(t + "_env_steps_per_s");
                sb.append(v == null ? String.format(Locale.ROOT, " %12s %6s", "-", "-")
                        : String.format(Locale.ROOT, " %12.0f %6.2f%s", (double) v, (double) r.get(t + "_ratio"),
                        Boolean.TRUE.equals(r.get(t + "_checksum_match")) ? "" : "!"));
            }
            System.out.println(sb);
        }
        System.out.println();
        System.out.println("CPU efficiency (in-process CPU / bridge CPU incl. the server; load-independent, 1 = free)");
        for (Map<String, Object> r : all) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-20s %5d %12.1f", r.get("env"), r.get("num_envs"),
                    (double) r.get("inprocess_cpu_us_per_step")));
            for (String t : transports) {
                Object v = r.get(t + "_cpu_ratio");
                sb.append(v == null ? String.format(Locale.ROOT, " %12s %6s", "-", "-")
                        : String.format(Locale.ROOT, " %12.1f %6.2f", (double) r.get(t + "_cpu_us_per_step"), (double) v));
            }
            System.out.println(sb);
        }
        System.out.println("(columns: CPU us per batched step, ratio)");
        System.out.println();
        System.out.println("no-op step round trip, p50 us: " + roundTripRows.stream().map(r -> r.get("env") + " x" + r.get("num_envs")
                + " " + transports.stream().filter(t -> r.containsKey(t + "_p50_us"))
                .map(t -> String.format(Locale.ROOT, "%s %.0f", t, (double) r.get(t + "_p50_us"))).toList()).toList());
        System.out.println("socket floor, p50 us: " + floorRows.stream().map(r -> String.format(Locale.ROOT, "%s x%d %.0f",
                r.get("transport"), r.get("num_envs"), (double) r.get("p50_us"))).toList());
        if (!agentRow.isEmpty()) {
            System.out.printf(Locale.ROOT, "agent (%s, %s x%s): per env step env %.1f us, act %.1f us, learn %.1f us; "
                            + "greedy act on 8 observations %.0f us vs on 1 observation %.0f us (one forward per batched step)%n",
                    agentRow.get("agent"), agentRow.get("env"), agentRow.get("num_envs"), agentRow.get("env_us_per_env_step"),
                    agentRow.get("act_us_per_env_step"), agentRow.get("learn_us_per_env_step"),
                    agentRow.get("greedy_act_batch8_us"), agentRow.get("greedy_act_batch1_us"));
        }
        for (Map<String, Object> a : pipelinedRows) {
            System.out.printf(Locale.ROOT, "pipelined %s x%s (%s groups, policy %.0f us/batch): sync %.0f, pipelined %.0f env-steps/s%n",
                    a.get("env"), a.get("num_envs"), a.get("groups"), a.get("policy_us_per_batch"), a.get("sync_env_steps_per_s"),
                    a.get("async_env_steps_per_s"));
        }
        System.out.println();
        System.out.println("targets:");
        for (Map<String, Object> t : targetRows) {
            System.out.printf(Locale.ROOT, "  %-62s %6.2f  target %-7s %s%n", t.get("measure"), (double) t.get("value"),
                    t.get("target"), Boolean.TRUE.equals(t.get("met")) ? "met" : "NOT met");
        }
    }
}
