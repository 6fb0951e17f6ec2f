package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.Env;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The local: launcher, unix sockets, connection-level calls and pipelined stepping, against real servers. */
class LocalServerTest {

    @Test
    void localUrlStartsAServerAndCloseStopsIt() throws Exception {
        Process server;
        try (VectorEnv env = GymBridge.makeVec("local:CartPole-v1?num_envs=2&seed=1")) {
            server = ((RemoteVectorEnv) env).client().serverProcess().orElseThrow();
            assertTrue(server.isAlive());
            assertEquals(2, env.numEnvs());
            assertEquals(new Discrete(2), env.singleActionSpace());
            assertEquals("CartPole-v1", env.spec().envId());
            assertEquals(500, env.spec().maxEpisodeSteps());
            assertEquals(AutoresetMode.NEXT_STEP, env.autoresetMode());
            Tensor obs = env.reset().observations().asTensor();
            assertArrayEquals(new long[] {2, 4}, obs.shape());
        }
        assertTrue(server.waitFor(10, TimeUnit.SECONDS), "server process still running after close");
        assertFalse(server.isAlive());
    }

    @Test
    void connectionReportsVersionsAndListsEnvs() {
        try (GymBridgeClient client = GymBridge.connect("local:")) {
            ServerInfo info = client.serverInfo();
            assertEquals(GymBridgeClient.PROTOCOL_VERSION, info.protocolVersion());
            assertTrue(info.libraryVersions().containsKey("gymnasium"), info.libraryVersions().toString());
            assertTrue(info.maxMessageBytes() >= 64L << 20, "server accepts 64 MiB messages: " + info.maxMessageBytes());
            assertTrue(info.autoresetModes().contains(AutoresetMode.SAME_STEP));
            List<String> ids = client.listEnvs().stream().map(EnvInfo::envId).toList();
            assertTrue(ids.contains("CartPole-v1") && ids.contains("HalfCheetah-v5") && ids.contains("gymbridge/AllSpaces-v0"),
                    "listed: " + ids.size());
            assertTrue(client.listEnvs("gymbridge/").stream().allMatch(e -> e.envId().startsWith("gymbridge/")));
        }
    }

    @Test
    void unixSocketChannelsLogNoSocketOptionWarnings() throws Exception {
        // Netty warns once per channel about an option its channel type lacks (SO_KEEPALIVE on unix sockets).
        java.util.logging.Logger netty = java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty");
        List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    warnings.add(r.getLoggerName() + ": " + r.getMessage() + " " + java.util.Arrays.toString(r.getParameters()));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        netty.addHandler(capture);
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "gb");
        Path socket = dir.resolve("gym.sock");
        try (GymBridgeClient server = GymBridgeClient.startLocal(socket.toString(), List.of(), ClientOptions.defaults())) {
            assertTrue(server.target().startsWith("unix:"), server.target());
            server.handshake();
            try (GymBridgeClient tcp = GymBridgeClient.startLocal(null, List.of(), ClientOptions.defaults())) {
                tcp.handshake(); // a TCP channel, which keeps its SO_KEEPALIVE
            }
        } finally {
            netty.removeHandler(capture);
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void unixSocketUrlsReachAServer() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "gb"); // short: socket paths are limited to ~107 bytes
        Path socket = dir.resolve("gym.sock");
        try (GymBridgeClient server = GymBridgeClient.startLocal(socket.toString(), List.of(), ClientOptions.defaults())) {
            assertTrue(server.target().startsWith("unix:"), server.target());
            try (VectorEnv env = GymBridge.makeVec("unix:" + socket + "/FrozenLake-v1?num_envs=2&map_name=8x8&is_slippery=false")) {
                env.reset(3);
                StepResult r = env.step(Tensor.ofLongs(new long[] {1, 2}));
                assertEquals(2, r.numEnvs());
                assertEquals("8x8", env.spec().kwargs().get("map_name"));
            }
            try (Env env = GymBridge.make("unix://" + socket + "?env=CartPole-v1&seed=5")) {
                Env.EnvResetResult first = env.reset();
                Env.EnvResetResult again = env.reset(5);
                assertEquals(first.observation(), again.observation(), "the URL seed seeds the first reset");
                assertArrayEquals(new long[] {4}, first.observation().asTensor().shape(), "unbatched observation");
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void stepAsyncGivesTheSameResultsAsStep() {
        try (GymBridgeClient client = GymBridge.connect("local:")) {
            MakeOptions opts = MakeOptions.builder().numEnvs(4).build();
            List<Value> actions = new ArrayList<>();
            try (VectorEnv sync = client.makeVec("CartPole-v1", opts); VectorEnv async = client.makeVec("CartPole-v1", opts)) {
                SplittableRandom rng = new SplittableRandom(8);
                for (int t = 0; t < 40; t++) {
                    actions.add(sync.actionSpace().sample(rng));
                }
                assertEquals(sync.reset(21).observations(), async.reset(21).observations());
                List<CompletableFuture<StepResult>> pipelined = new ArrayList<>();
                for (Value a : actions) {
                    pipelined.add(async.stepAsync(a)); // all sent before any answer is read
                }
                for (int t = 0; t < actions.size(); t++) {
                    StepResult s = sync.step(actions.get(t));
                    StepResult a = pipelined.get(t).join();
                    assertEquals(s.observations(), a.observations(), "step " + t);
                    assertArrayEquals(s.rewards(), a.rewards());
                    assertArrayEquals(s.terminated(), a.terminated());
                    assertArrayEquals(s.truncated(), a.truncated());
                }
            }
        }
    }

    @Test
    void aServerLimitIsLimitExceededNamingTheFlag() {
        try (GymBridgeClient limited = GymBridgeClient.startLocal(null, List.of("--max-envs-per-session", "2"),
                ClientOptions.defaults())) {
            assertEquals(2, limited.serverInfo().maxEnvsPerSession());
            LimitExceededException e = assertThrows(LimitExceededException.class,
                    () -> limited.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(3).build()));
            assertTrue(e.getMessage().contains("--max-envs-per-session"), e.getMessage());
            try (VectorEnv ok = limited.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).build())) {
                assertEquals(2, ok.numEnvs());
            }
        }
    }

    @Test
    void closeIsIdempotentAndClosedEnvsRefuseCalls() {
        VectorEnv env = GymBridge.makeVec("local:CartPole-v1");
        env.close();
        env.close();
        assertThrows(IllegalStateException.class, env::reset);
    }

    @Test
    void aMissingServerCommandSaysHowToInstallIt() {
        String old = System.getProperty(LocalServer.PROPERTY);
        System.setProperty(LocalServer.PROPERTY, "/nonexistent/gymbridge-server");
        try {
            ServerUnavailableException e = assertThrows(ServerUnavailableException.class,
                    () -> GymBridge.makeVec("local:CartPole-v1"));
            assertTrue(e.getMessage().contains("/nonexistent/gymbridge-server"), e.getMessage());
            assertTrue(e.getMessage().contains("gymbridge-server"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(LocalServer.PROPERTY);
            } else {
                System.setProperty(LocalServer.PROPERTY, old);
            }
        }
    }

    @Test
    void aServerThatDiesAtStartupIsReportedWithItsStderr() throws Exception {
        Path script = fakeServer("echo 'ModuleNotFoundError: No module named gymnasium' >&2\nexit 3\n");
        ServerUnavailableException e = withServerCommand(script,
                () -> assertThrows(ServerUnavailableException.class, () -> GymBridge.makeVec("local:CartPole-v1")));
        assertTrue(e.getMessage().contains("No module named gymnasium"), e.getMessage());
        assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
    }

    @Test
    void aServerThatNeverGetsReadyIsStoppedAfterTheTimeout() throws Exception {
        Path pidFile = Files.createTempFile("gb-fake", ".pid");
        Path script = fakeServer("echo $$ > " + pidFile + "\nexec sleep 60\n");
        long start = System.nanoTime();
        ServerUnavailableException e = withServerCommand(script, () -> assertThrows(ServerUnavailableException.class,
                () -> GymBridge.makeVec("local:CartPole-v1", ClientOptions.defaults().withServerStartTimeout(Duration.ofSeconds(1)))));
        assertTrue(e.getMessage().contains("GYMBRIDGE_READY within 1000 ms"), e.getMessage());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "gave up promptly");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(pid).ifPresent(p -> assertFalse(p.isAlive(), "the unready server was killed"));
        Files.deleteIfExists(pidFile);
    }

    private static Path fakeServer(String body) throws Exception {
        Path script = Files.createTempFile("gb-fake-server", ".sh");
        Files.writeString(script, "#!/bin/sh\n" + body);
        script.toFile().setExecutable(true);
        script.toFile().deleteOnExit();
        return script;
    }

    private static <T> T withServerCommand(Path command, java.util.function.Supplier<T> body) {
        String old = System.getProperty(LocalServer.PROPERTY);
        System.setProperty(LocalServer.PROPERTY, command.toString());
        try {
            return body.get();
        } finally {
            if (old == null) {
                System.clearProperty(LocalServer.PROPERTY);
            } else {
                System.setProperty(LocalServer.PROPERTY, old);
            }
        }
    }

    @Test
    void aServerThatIsNotThereIsServerUnavailable() {
        ServerUnavailableException e = assertThrows(ServerUnavailableException.class,
                () -> GymBridge.connect("grpc://127.0.0.1:1", ClientOptions.defaults().withCallTimeout(Duration.ofSeconds(5))));
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
    }
}
