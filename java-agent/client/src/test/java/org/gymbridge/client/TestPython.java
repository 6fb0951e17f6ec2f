package org.gymbridge.client;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the server venv's Python (python-env-server/.venv/bin/python, or -Dgymbridge.python) on a
 * script from the test resources: the in-process Gymnasium ground truth the bridge is compared to.
 */
public final class TestPython {
    private TestPython() {
    }

    public static Path python() {
        String prop = System.getProperty("gymbridge.python");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("python-env-server/.venv/bin/python");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("python-env-server/.venv/bin/python not found above " + Path.of("").toAbsolutePath()
                + "; build it with `mvn -B -pl python-env-server generate-resources` or set -Dgymbridge.python");
    }

    public static Path resource(String name) {
        try {
            return Path.of(TestPython.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " missing", e);
        }
    }

    /** Runs {@code python script args...} and returns its stdout lines; fails with its stderr on a non-zero exit. */
    public static List<String> run(String script, List<String> args) throws IOException, InterruptedException {
        return run(script, args, 120);
    }

    /** {@link #run(String, List)} allowing the script {@code timeoutSeconds} to finish. */
    public static List<String> run(String script, List<String> args, long timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(python().toString());
        cmd.add(resource(script).toString());
        cmd.addAll(args);
        Path err = Files.createTempFile("gymbridge-ref", ".err");
        // A scratch working directory: MuJoCo writes MUJOCO_LOG.TXT (deprecation warnings) into it.
        Path cwd = Files.createTempDirectory("gymbridge-ref");
        try {
            Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("reference script timed out: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("reference script failed (" + p.exitValue() + "): " + cmd + "\n"
                        + Files.readString(err));
            }
            return new String(out, StandardCharsets.UTF_8).lines().toList();
        } finally {
            Files.deleteIfExists(err);
            try (var files = Files.list(cwd)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(cwd);
        }
    }
}
