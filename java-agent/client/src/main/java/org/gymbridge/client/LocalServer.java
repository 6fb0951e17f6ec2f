package org.gymbridge.client;

import io.grpc.Status;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A private gymbridge server process for {@code local:} URLs. Finds the {@code gymbridge-server}
 * command, starts it on a free loopback port (or a unix socket) with {@code --exit-with-parent} (so it
 * exits when this JVM's pipe to it closes, even on a crash), waits for its {@code GYMBRIDGE_READY}
 * line, and stops it on {@link #close()} or at JVM shutdown (after the holds of
 * {@link GymBridge#holdLocalServersAtShutdown} are released). The server ignores SIGINT under
 * {@code --exit-with-parent}, so Ctrl-C in a terminal reaches this JVM only, which decides when it stops.
 */
final class LocalServer implements AutoCloseable {
    static final String PROPERTY = ServerCommand.PROPERTY;
    private static final String READY = "GYMBRIDGE_READY ";
    private static final int TAIL_LINES = 40;

    private final Process process;
    private volatile String address;
    private final Deque<String> stderrTail;
    private final Thread shutdownHook;
    private boolean closed;

    private LocalServer(Process process, Deque<String> stderrTail, Thread shutdownHook) {
        this.process = process;
        this.stderrTail = stderrTail;
        this.shutdownHook = shutdownHook;
    }

    /**
     * Starts a server: on a free loopback TCP port, or on {@code unixSocket} if it is not null.
     * {@code extraArgs} are passed on (e.g. "--max-sessions", "4").
     */
    static LocalServer start(String unixSocket, List<String> extraArgs, Duration timeout) {
        return start(unixSocket, extraArgs, timeout, null);
    }

    /**
     * {@link #start(String, List, Duration)} requiring {@code token} (when not null) from its clients; the
     * token travels in the child's environment (GYMBRIDGE_TOKEN), never on its command line.
     */
    static LocalServer start(String unixSocket, List<String> extraArgs, Duration timeout, String token) {
        Path executable = findExecutable();
        List<String> cmd = new ArrayList<>();
        cmd.add(executable.toString());
        if (unixSocket != null) {
            cmd.add("--unix");
            cmd.add(unixSocket);
        } else {
            cmd.add("--host");
            cmd.add("127.0.0.1");
            cmd.add("--port");
            cmd.add("0");
        }
        cmd.add("--exit-with-parent");
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PYTHONUNBUFFERED", "1");
        if (token != null && !token.isEmpty()) {
            pb.environment().put(ClientOptions.TOKEN_ENV, token);
        }
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new ServerUnavailableException("could not start the local gymbridge server " + executable + ": "
                    + e.getMessage(), Status.Code.UNAVAILABLE, "LOCAL_SERVER_FAILED", e);
        }
        Thread hook = new Thread(() -> {
            awaitHolds();
            destroyTree(process);
        }, "gymbridge-local-server-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        Deque<String> tail = new ArrayDeque<>();
        boolean echo = Boolean.getBoolean("gymbridge.server.verbose");
        Thread stderrReader = daemon("gymbridge-server-stderr", () -> drain(process.getErrorStream(), line -> {
            synchronized (tail) {
                if (tail.size() == TAIL_LINES) {
                    tail.removeFirst();
                }
                tail.addLast(line);
            }
            if (echo) {
                System.err.println("[gymbridge-server] " + line);
            }
        }));
        CompletableFuture<String> ready = new CompletableFuture<>();
        daemon("gymbridge-server-stdout", () -> {
            drain(process.getInputStream(), line -> {
                if (!ready.isDone() && line.startsWith(READY)) {
                    ready.complete(line.substring(READY.length()).trim());
                }
            });
            ready.completeExceptionally(new IOException("the server closed its stdout before printing GYMBRIDGE_READY"));
        });

        LocalServer server = new LocalServer(process, tail, hook);
        try {
            server.address = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            server.kill();
            throw server.failure("did not print GYMBRIDGE_READY within " + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            String code = exitCode(process);
            // The process is gone, but its last stderr lines (usually the reason) may still be in the pipe.
            // Read them before kill(): Process.destroy closes the streams, dropping what was not read yet.
            // The reader ends at EOF right away; the generous bound only matters on a loaded machine.
            joinQuietly(stderrReader, 10_000);
            server.kill();
            throw server.failure("exited before it was ready" + code, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.kill();
            throw server.failure("start interrupted", e);
        }
        return server;
    }

    private static final Object HOLDS = new Object();
    private static int holds;
    private static long holdDeadline;           // System.nanoTime() after which shutdown stops waiting

    /** See {@link GymBridge#holdLocalServersAtShutdown}. */
    static AutoCloseable hold(Duration limit) {
        synchronized (HOLDS) {
            holds++;
            holdDeadline = Math.max(holdDeadline, System.nanoTime() + limit.toNanos());
        }
        boolean[] released = {false};
        return () -> {
            synchronized (HOLDS) {
                if (!released[0]) {
                    released[0] = true;
                    holds--;
                    HOLDS.notifyAll();
                }
            }
        };
    }

    /** Waits (in the shutdown hook) until no hold is left or the holds' limit has passed. */
    private static void awaitHolds() {
        synchronized (HOLDS) {
            long left;
            while (holds > 0 && (left = holdDeadline - System.nanoTime()) > 0) {
                try {
                    HOLDS.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The address printed by the server: "127.0.0.1:43521" or "unix:/path". */
    String address() {
        return address;
    }

    Process process() {
        return process;
    }

    /** The server's last stderr lines, for error messages. */
    String stderrTail() {
        synchronized (stderrTail) {
            return String.join("\n", stderrTail);
        }
    }

    /** A ServerUnavailableException describing a failure of this server, with its stderr tail. */
    ServerUnavailableException failure(String what, Throwable cause) {
        String t = stderrTail();
        return new ServerUnavailableException("the local gymbridge server (" + process.info().command().orElse("?")
                + ", pid " + process.pid() + ") " + what + (t.isEmpty() ? "" : "; its stderr ends with:\n" + t),
                Status.Code.UNAVAILABLE, "LOCAL_SERVER_FAILED", cause);
    }

    /** Stops the server: EOF on its stdin (graceful), then SIGTERM, then SIGKILL. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or about to; it destroys the process itself.
        }
        List<ProcessHandle> children = process.descendants().toList();
        try {
            process.getOutputStream().close(); // --exit-with-parent: EOF on stdin means "exit cleanly"
        } catch (IOException ignored) {
            // Already closed: the process is gone.
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** Stops a server that never became ready: no graceful phase, nothing to drain. */
    private synchronized void kill() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook destroys the process itself.
        }
        destroyTree(process);
    }

    private static void destroyTree(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** The server command ({@link ServerCommand}: a -D property, $GYMBRIDGE_SERVER, a checkout, the PATH, a cache venv). */
    static Path findExecutable() {
        return ServerCommand.find();
    }

    private static String exitCode(Process p) {
        try {
            // Its stdout is closed, so it is exiting; on a loaded machine that can still take a moment.
            if (p.waitFor(10, TimeUnit.SECONDS)) {
                return " (exit code " + p.exitValue() + ")";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "";
    }

    private static void drain(InputStream in, java.util.function.Consumer<String> sink) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                sink.accept(line);
            }
        } catch (IOException ignored) {
            // The process ended; nothing more to read.
        }
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void joinQuietly(Thread t, long millis) {
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
