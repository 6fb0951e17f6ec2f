package org.gymbridge.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The bench's processes and files: servers it starts and stops, CPU time from /proc, the repository root. */
final class BenchProcesses {
    private BenchProcesses() {
    }

    /** Starts a gymbridge server (stopped by {@code cleanup}); its stderr goes to tmp/server.log. */
    static Process startServer(Path server, Path tmp, List<String> args, List<AutoCloseable> cleanup) throws IOException {
        return startServer(List.of(), server, tmp, args, cleanup);
    }

    /**
     * A command prefix that runs a program in a new network namespace with only loopback (user namespace too,
     * when not root), exec'ing it so that the process is the program: how the tests run Ray (tests/raynet.py).
     */
    static final List<String> NETWORK_NAMESPACE = List.of("unshare",
            "root".equals(System.getProperty("user.name")) ? "-n" : "-rn", "bash", "-c", "ip link set lo up && exec \"$@\"", "netns");

    /** {@link #startServer(Path, Path, List, List)} run under {@code prefix} (e.g. {@link #NETWORK_NAMESPACE}). */
    static Process startServer(List<String> prefix, Path server, Path tmp, List<String> args, List<AutoCloseable> cleanup)
            throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(server.toString(), "--exit-with-parent", "--log-level", "warning"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(tmp.resolve("server.log").toFile()))
                .start();
        cleanup.add(() -> stop(p));
        return p;
    }

    static String readyAddress(Process p, Path tmp, String what) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (line == null || !line.startsWith("GYMBRIDGE_READY ")) {
            throw new IllegalStateException("the " + what + " server did not start: " + line + "\n"
                    + Files.readString(tmp.resolve("server.log")));
        }
        return line.substring("GYMBRIDGE_READY ".length()).trim();
    }

    static void stop(Process p) throws InterruptedException {
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.flush(); // closing stdin stops a --exit-with-parent server and the echo server
        } catch (IOException ignored) {
            // already gone
        }
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /*
     * CPU time comes from /proc/PID/task/TID/schedstat (nanoseconds on CPU per thread). The 10 ms clock ticks of
     * /proc/PID/stat and of the JVM's getProcessCpuTime are too coarse for short passes: a quick pass measured 0.
     */

    /**
     * Nanoseconds on CPU of a process and all its descendants (a server, its worker processes; a private Ray's
     * raylet and its actor processes).
     */
    static long treeCpuNanos(long pid) {
        java.util.Map<Long, List<Long>> children = new java.util.HashMap<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    long p = Long.parseLong(name);
                    children.computeIfAbsent(parentOf(p), k -> new ArrayList<>()).add(p);
                }
            }
        } catch (IOException e) {
            // no /proc: CPU figures stay 0
        }
        long total = 0;
        java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>(List.of(pid));
        while (!todo.isEmpty()) {
            long p = todo.pop();
            total += cpuNanos(p);
            todo.addAll(children.getOrDefault(p, List.of()));
        }
        return total;
    }

    /** The parent pid of {@code pid}, or -1. */
    static long parentOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Sum over the threads of {@code pid} of their time on CPU (first field of schedstat), or 0. */
    static long cpuNanos(long pid) {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String line = Files.readString(t.resolve("schedstat")).trim();
                    total += Long.parseLong(line.substring(0, line.indexOf(' ')));
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return total;
        }
        return total;
    }

    static long javaCpuNanos() {
        return cpuNanos(ProcessHandle.current().pid());
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The repository root: the first ancestor of the working directory (or of this class) with python-env-server/. */
    static Path repoRoot() {
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        try {
            starts.add(Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (Exception ignored) {
            // no code source: the working directory must do
        }
        for (Path start : starts) {
            for (Path p = start; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("python-env-server/scripts"))) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("cannot find the gymbridge checkout (python-env-server/) above " + starts
                + "; run bin/gymbridge bench from inside the repository");
    }

    static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
