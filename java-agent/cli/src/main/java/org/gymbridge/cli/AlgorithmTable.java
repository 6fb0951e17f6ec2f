package org.gymbridge.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.train.Configs;

/**
 * {@code gymbridge train --list}: the algorithms as a table of names and summaries; {@code --list ALGO}: one
 * algorithm's config keys with their defaults, as a config file would set them. Both fit 100 columns.
 */
final class AlgorithmTable {
    static final int WIDTH = 100;

    private AlgorithmTable() {
    }

    static void all(PrintWriter out, List<Algorithm<?>> algorithms) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ALGORITHM", "WHAT IT IS"});
        for (Algorithm<?> a : algorithms) {
            rows.add(new String[] {a.name(), a.summary()});
        }
        EnvsCommand.printTable(out, rows, WIDTH);
        out.println();
        out.println(algorithms.size() + " algorithms. Their config keys and defaults: gymbridge train --list NAME");
    }

    static void keys(PrintWriter out, Algorithm<?> algorithm) {
        EnvsCommand.wrap(algorithm.name() + ": " + algorithm.summary(), WIDTH).forEach(out::println);
        out.println();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KEY", "DEFAULT"});
        for (Map.Entry<String, Object> e : Configs.toMap(algorithm.defaults()).entrySet()) {
            rows.add(new String[] {e.getKey(), text(e.getValue())});
        }
        EnvsCommand.printTable(out, rows, WIDTH);
        out.println();
        out.println("Set any of them in a YAML or JSON file next to env, algo, steps, seed (and a trainer: map):");
        out.println("  gymbridge train --config my.yaml      my.yaml:  algo: " + algorithm.name() + "   "
                + example(algorithm));
    }

    /** Schedules and other nested records as {@code {start: 1.0, end: 0.05, ...}}, like a YAML flow map. */
    private static String text(Object value) {
        if (value instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            m.forEach((k, v) -> parts.add(k + ": " + text(v)));
            return "{" + String.join(", ", parts) + "}";
        }
        if (value instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            l.forEach(v -> parts.add(text(v)));
            return "[" + String.join(", ", parts) + "]";
        }
        return String.valueOf(value);
    }

    private static String example(Algorithm<?> algorithm) {
        Map.Entry<String, Object> first = Configs.toMap(algorithm.defaults()).entrySet().stream()
                .filter(e -> !(e.getValue() instanceof Map<?, ?>)).findFirst().orElse(null);
        return first == null ? "" : first.getKey() + ": " + text(first.getValue());
    }
}
