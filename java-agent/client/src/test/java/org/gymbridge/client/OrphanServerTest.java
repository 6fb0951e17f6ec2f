package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The local: launcher never leaves an orphan server, even when its JVM is killed with SIGKILL (no shutdown
 * hook runs): the server was started with --exit-with-parent and sees EOF on its stdin.
 */
class OrphanServerTest {
    @Test
    void killingTheJvmWithSigkillStopsItsLocalServer() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LocalServerHolder.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long serverPid;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String l = out.readLine(); l != null; l = out.readLine()) {
                        if (l.startsWith("SERVER_PID ")) {
                            return l;
                        }
                    }
                    return "";
                } catch (java.io.IOException e) {
                    return "";
                }
            });
            String ready = line.get(90, TimeUnit.SECONDS);
            assertTrue(ready.startsWith("SERVER_PID "), "the child JVM started a server: '" + ready + "'");
            serverPid = Long.parseLong(ready.substring("SERVER_PID ".length()).trim());
        } catch (Exception e) {
            jvm.destroyForcibly();
            throw e;
        }
        ProcessHandle server = ProcessHandle.of(serverPid).orElseThrow();
        assertTrue(server.isAlive());

        jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
        assertTrue(jvm.waitFor(10, TimeUnit.SECONDS));
        try {
            server.onExit().get(15, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            server.destroyForcibly();
            throw new AssertionError("the local server (pid " + serverPid + ") outlived its killed JVM by 15 s", e);
        }
        assertFalse(server.isAlive(), "no orphan server");
    }
}
