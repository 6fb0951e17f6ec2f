package org.gymbridge.client;

import io.grpc.Status;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Finds the {@code gymbridge-server} command a {@code local:} URL starts, in this order: the system
 * property {@code gymbridge.server}, the environment variable {@code GYMBRIDGE_SERVER},
 * {@code python-env-server/.venv/bin/gymbridge-server} in the working directory or a parent (a checkout),
 * {@code gymbridge-server} on the PATH, and last a venv in the user's cache folder
 * ({@code $XDG_CACHE_HOME} or {@code ~/.cache}, then {@code gymbridge/<version>/venv}).
 *
 * <p>That venv is created on first use from the server and client Python packages shipped in this jar
 * ({@code python-sources.zip}): {@code python3 -m venv}, then one {@code pip install} of both packages and
 * their dependencies from PyPI (a minute or a few; pip's output goes to {@code install.log} beside it).
 * A stamp of the shipped sources makes a changed jar reinstall; a file lock lets several JVMs share it.
 */
final class ServerCommand {
    static final String PROPERTY = "gymbridge.server";
    static final String ENV_VAR = "GYMBRIDGE_SERVER";
    static final String PYTHON_PROPERTY = "gymbridge.python";
    static final String PYTHON_ENV_VAR = "GYMBRIDGE_PYTHON";
    static final String VENV_EXECUTABLE = "python-env-server/.venv/bin/gymbridge-server";
    static final String SOURCES = "python-sources.zip";
    /** The server's {@code requires-python}. */
    static final int MIN_PYTHON_MINOR = 10;

    /** Runs a command with its output appended to {@code log}; returns its exit code. Tests record instead. */
    interface Runner {
        int run(List<String> command, Path log) throws IOException, InterruptedException;
    }

    /** Where to look: the parts of the process's surroundings the lookup reads, so tests can set them. */
    record Lookup(Path workingDir, Map<String, String> env, String serverProperty, String pythonProperty,
                  PrintStream progress, Runner runner) {
        static Lookup current() {
            return new Lookup(Path.of("").toAbsolutePath(), System.getenv(), System.getProperty(PROPERTY),
                    System.getProperty(PYTHON_PROPERTY), System.err, ServerCommand::runLogged);
        }
    }

    private ServerCommand() {
    }

    static Path find() {
        return find(Lookup.current());
    }

    static Path find(Lookup lookup) {
        if (lookup.serverProperty() != null && !lookup.serverProperty().isBlank()) {
            return requireExecutable(Path.of(lookup.serverProperty()), "system property " + PROPERTY);
        }
        String env = lookup.env().get(ENV_VAR);
        if (env != null && !env.isBlank()) {
            return requireExecutable(Path.of(env), "environment variable " + ENV_VAR);
        }
        for (Path dir = lookup.workingDir(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(VENV_EXECUTABLE);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path onPath = onPath(lookup.env(), "gymbridge-server");
        if (onPath != null) {
            return onPath;
        }
        return cachedVenv(lookup);
    }

    /** {@code $XDG_CACHE_HOME/gymbridge/<version>} or {@code ~/.cache/gymbridge/<version>}. */
    static Path cacheDir(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path base;
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            base = Path.of(xdg);
        } else {
            String home = env.get("HOME");
            base = Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"), ".cache");
        }
        return base.resolve("gymbridge").resolve(clientVersion());
    }

    static String clientVersion() {
        Properties p = new Properties();
        try (InputStream in = ServerCommand.class.getResourceAsStream("gymbridge-client.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version", "unknown");
    }

    /** The cache venv's server, created (or recreated for other shipped sources) under a lock. */
    private static synchronized Path cachedVenv(Lookup lookup) {
        Path dir = cacheDir(lookup.env());
        Path venv = dir.resolve("venv");
        Path server = venv.resolve("bin").resolve("gymbridge-server");
        Path stamp = venv.resolve(".gymbridge-sources");
        try {
            byte[] sources = shippedSources();
            String want = contentHash(sources);
            Files.createDirectories(dir);
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
                if (Files.isExecutable(server) && Files.isRegularFile(stamp)
                        && want.equals(Files.readString(stamp).trim())) {
                    return server;
                }
                create(lookup, dir, venv, sources);
                Files.writeString(stamp, want + "\n");
                return server;
            }
        } catch (IOException e) {
            throw notFound("could not create the gymbridge server's venv in " + venv + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw notFound("interrupted while creating the gymbridge server's venv in " + venv, e);
        }
    }

    private static void create(Lookup lookup, Path dir, Path venv, byte[] sources)
            throws IOException, InterruptedException {
        String python = python(lookup);
        Path log = dir.resolve("install.log");
        lookup.progress().println("gymbridge: first use of local: creating the server's Python venv in " + venv
                + " (pip install from PyPI, 1-3 minutes; log: " + log + ")");
        deleteTree(venv);
        Path src = dir.resolve("src");
        deleteTree(src);
        unzip(sources, src);
        Files.deleteIfExists(log);
        run(lookup, List.of(python, "-m", "venv", venv.toString()), log,
                "`" + python + " -m venv` failed (Debian/Ubuntu: install python3-venv)");
        Path venvPython = venv.resolve("bin").resolve("python");
        run(lookup, List.of(venvPython.toString(), "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
                src.resolve("python-client").toString(), src.resolve("python-env-server").toString()), log,
                "pip could not install the gymbridge server and its dependencies from PyPI");
        if (!Files.isExecutable(venv.resolve("bin").resolve("gymbridge-server"))) {
            throw notFound("pip finished but " + venv.resolve("bin/gymbridge-server") + " is missing; see " + log, null);
        }
    }

    private static void run(Lookup lookup, List<String> command, Path log, String what)
            throws IOException, InterruptedException {
        int code = lookup.runner().run(command, log);
        if (code != 0) {
            throw notFound(what + " (exit code " + code + "); its output is in " + log + ":\n" + tail(log), null);
        }
    }

    /** The interpreter that creates the venv: -Dgymbridge.python, $GYMBRIDGE_PYTHON or python3 on the PATH, 3.10+. */
    static String python(Lookup lookup) throws IOException, InterruptedException {
        String python = lookup.pythonProperty();
        if (python == null || python.isBlank()) {
            python = lookup.env().get(PYTHON_ENV_VAR);
        }
        if (python == null || python.isBlank()) {
            Path p = onPath(lookup.env(), "python3");
            if (p == null) {
                throw notFound("local: URLs need Python 3." + MIN_PYTHON_MINOR + " or newer to create the gymbridge "
                        + "server's venv, and there is no python3 on the PATH. Install it (Debian/Ubuntu: "
                        + "`apt-get install python3 python3-venv`, macOS: `brew install python`), or name one with "
                        + "$" + PYTHON_ENV_VAR + " / -D" + PYTHON_PROPERTY + ", or point $" + ENV_VAR + " / -D" + PROPERTY
                        + " at an installed gymbridge-server.", null);
            }
            python = p.toString();
        }
        String version = probeVersion(python);
        String[] parts = version.split("\\.");
        boolean ok = parts.length == 2 && parts[0].equals("3") && parts[1].matches("\\d+")
                && Integer.parseInt(parts[1]) >= MIN_PYTHON_MINOR;
        if (!ok) {
            throw notFound(python + " is Python " + version + ", but the gymbridge server needs 3." + MIN_PYTHON_MINOR
                    + " or newer. Install a newer Python and name it with $" + PYTHON_ENV_VAR + " / -D" + PYTHON_PROPERTY
                    + ", or point $" + ENV_VAR + " / -D" + PROPERTY + " at an installed gymbridge-server.", null);
        }
        return python;
    }

    private static String probeVersion(String python) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw notFound("cannot run " + python + " (" + e.getMessage() + "); local: URLs need Python 3."
                    + MIN_PYTHON_MINOR + " or newer to create the gymbridge server's venv: install it or name it with $"
                    + PYTHON_ENV_VAR + " / -D" + PYTHON_PROPERTY + ".", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            return "unknown (" + out + ")";
        }
        return out;
    }

    private static int runLogged(List<String> command, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        p.getOutputStream().close();
        return p.waitFor();
    }

    private static byte[] shippedSources() throws IOException {
        try (InputStream in = ServerCommand.class.getResourceAsStream(SOURCES)) {
            if (in == null) {
                throw notFound("this gymbridge-client has no " + SOURCES + " to create a server venv from; point $"
                        + ENV_VAR + " / -D" + PROPERTY + " at an installed gymbridge-server", null);
            }
            return in.readAllBytes();
        }
    }

    /** A hash of the zip's entry names and contents (not its timestamps, which change with every build). */
    static String contentHash(byte[] zip) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            List<String> entries = new ArrayList<>();
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (!e.isDirectory()) {
                    entries.add(e.getName() + "\0" + HexFormat.of().formatHex(
                            MessageDigest.getInstance("SHA-256").digest(in.readAllBytes())));
                }
            }
            entries.sort(Comparator.naturalOrder());
            entries.forEach(s -> sha.update(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void unzip(byte[] zip, Path to) throws IOException {
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                Path target = to.resolve(e.getName()).normalize();
                if (!target.startsWith(to)) {
                    throw new IOException("zip entry outside its folder: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.write(target, in.readAllBytes());
                }
            }
        }
    }

    private static Path onPath(Map<String, String> env, String name) {
        String path = env.get("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static Path requireExecutable(Path p, String source) {
        if (!Files.isExecutable(p)) {
            throw notFound(source + " names " + p + ", which is not an executable file; point it "
                    + "at gymbridge-server (e.g. python-env-server/.venv/bin/gymbridge-server)", null);
        }
        return p;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    private static ServerUnavailableException notFound(String message, Throwable cause) {
        return new ServerUnavailableException(message, Status.Code.UNAVAILABLE, "SERVER_NOT_FOUND", cause);
    }
}
