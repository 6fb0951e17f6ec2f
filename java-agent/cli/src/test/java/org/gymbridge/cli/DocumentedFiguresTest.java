package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gymbridge.agents.train.Configs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures the docs publish are what their commands give today: the test reads the figure from the doc's
 * table row of a fast documented command, runs that command through the CLI, and compares. Figures of long runs
 * (minutes to hours) are not rechecked here; the doc's table says which.
 */
class DocumentedFiguresTest {

    private static final String DOC = "java-agent/agents/docs/training-runs-and-value-methods.md";

    @TempDir
    Path tmp;

    @Test
    void qLearningOnTaxiGivesTheDocumentedFinalEvaluation() throws Exception {
        Path root = repositoryRoot();
        String config = "java-agent/agents/configs/q-learning-taxi.yaml";
        String row = Files.readAllLines(root.resolve(DOC)).stream()
                .filter(l -> l.startsWith("|") && l.contains("configs/q-learning-taxi.yaml"))
                .findFirst().orElseThrow(() -> new AssertionError(DOC + " has no table row for " + config));
        Matcher figure = Pattern.compile("mean return \\*\\*(-?[0-9.]+)\\*\\* over ([0-9]+) episodes").matcher(row);
        assertTrue(figure.find(), "no 'mean return **X** over N episodes' in: " + row);

        Path dir = tmp.resolve("q-taxi");
        CliRun run = CliRun.of("train", "--config", root.resolve(config).toString(), "--out", dir.toString());
        assertEquals(0, run.code(), run.all());
        @SuppressWarnings("unchecked")
        Map<String, Object> eval = (Map<String, Object>) Configs.parseJson(Files.readString(dir.resolve("eval.json")));
        assertEquals(Integer.parseInt(figure.group(2)), ((Number) eval.get("episodes")).intValue());
        assertEquals(figure.group(1), String.format("%.2f", ((Number) eval.get("mean_return")).doubleValue()),
                "the documented figure of `bin/gymbridge train --config " + config + "` drifted: regenerate it in "
                        + DOC);
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(DOC))) {
                return dir;
            }
        }
        throw new AssertionError("no " + DOC + " above " + Path.of("").toAbsolutePath());
    }
}
