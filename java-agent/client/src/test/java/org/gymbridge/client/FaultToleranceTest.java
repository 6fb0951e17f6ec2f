package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.TextValue;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Deadlines, crashed envs, dead workers and lost sessions, from the Java side, against a server with the
 * fault env (gymbridge/Fault-v0: action 0 steps, 2 aborts the process, 5 sleeps) and a short idle timeout.
 * Each fault has its exact status (or, with on_crash=recreate, a recovered step), and a healthy session
 * on the same server keeps stepping throughout.
 */
class FaultToleranceTest {
    private static final long OK = 0;
    private static final long ABORT = 2;
    private static final long SLEEP = 5;
    private static GymBridgeClient admin;
    private static String base;

    @BeforeAll
    static void startServer() {
        admin = GymBridgeClient.startLocal(null, List.of("--fault-envs", "--session-idle-timeout", "1.5"),
                ClientOptions.defaults());
        base = "grpc://" + admin.target() + "/gymbridge/Fault-v0";
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void deadlineExceededIsTypedAndTheEnvGoesOnAfterwards() throws Exception {
        try (HealthyStepper healthy = new HealthyStepper(admin);
             VectorEnv env = GymBridge.makeVec(base + "?sleep_s=1.5&timeout=300ms")) {
            long before = healthy.steps();
            env.reset(0);
            long t0 = System.nanoTime();
            DeadlineExceededException e = assertThrows(DeadlineExceededException.class,
                    () -> env.step(Tensor.ofLongs(new long[] {SLEEP})));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
            assertTrue(e.getMessage().contains("timeout="), e.getMessage());
            assertTrue((System.nanoTime() - t0) / 1e9 < 1.2, "the deadline fired on time");
            healthy.assertKeptStepping(before);
            // The abandoned step finishes on the server; then the env serves the next call on a new stream
            // (until then a step waits behind it and runs out of its deadline too).
            StepResult next = eventually(() -> env.step(Tensor.ofLongs(new long[] {OK})));
            assertArrayEquals(new double[] {1.0}, next.rewards());
        }
    }

    @Test
    void deadWorkerIsEnvCrashedAndResetRestartsIt() {
        try (HealthyStepper healthy = new HealthyStepper(admin);
             VectorEnv env = GymBridge.makeVec(base + "?num_envs=2&vectorization=async")) {
            long before = healthy.steps();
            env.reset(0);
            EnvCrashedException e = assertThrows(EnvCrashedException.class,
                    () -> env.step(Tensor.ofLongs(new long[] {OK, ABORT})));
            assertEquals(Status.Code.ABORTED, e.code());
            assertEquals("WORKER_DIED", e.reason());
            assertTrue(e.getMessage().contains("SIGABRT"), e.getMessage());
            healthy.assertKeptStepping(before);
            assertThrows(ResetRequiredException.class, () -> env.step(Tensor.ofLongs(new long[] {OK, OK})));
            env.reset(1);
            assertEquals(2, env.step(Tensor.ofLongs(new long[] {OK, OK})).numEnvs());
        }
    }

    @Test
    void onCrashRecreateRecoversAndReportsIt() {
        try (HealthyStepper healthy = new HealthyStepper(admin);
             VectorEnv env = GymBridge.makeVec(base + "?num_envs=2&vectorization=async&on_crash=recreate")) {
            long before = healthy.steps();
            env.reset(0);
            StepResult r = env.step(Tensor.ofLongs(new long[] {OK, ABORT}));
            assertArrayEquals(new boolean[] {true, true}, r.truncated(), "a recovered step truncates every episode");
            assertArrayEquals(new double[] {0.0, 0.0}, r.rewards());
            assertEquals(Tensor.ofBools(new boolean[] {true, true}, 2), r.infos().get("gymbridge_recovered"));
            String why = ((TextValue) r.infos().get("gymbridge_error")).get(0);
            assertTrue(why.contains("SIGABRT"), why);
            assertEquals(1, ((RemoteVectorEnv) env).recoveries());
            assertEquals(2, env.step(Tensor.ofLongs(new long[] {OK, OK})).numEnvs());
            healthy.assertKeptStepping(before);
        }
    }

    @Test
    void onCrashRecreateMakesANewSessionWhenTheServerReapedTheOldOne() throws Exception {
        try (HealthyStepper healthy = new HealthyStepper(admin);
             VectorEnv env = GymBridge.makeVec(base + "?num_envs=1&on_crash=recreate")) {
            long before = healthy.steps();
            env.reset(0);
            String first = ((RemoteVectorEnv) env).sessionId();
            awaitReaped(first); // idle longer than --session-idle-timeout 1.5: the server reaps it
            StepResult r = env.step(Tensor.ofLongs(new long[] {OK}));
            assertArrayEquals(new boolean[] {true}, r.truncated());
            String why = ((TextValue) r.infos().get("gymbridge_error")).get(0);
            assertTrue(why.contains("--session-idle-timeout"), why);
            assertTrue(!first.equals(((RemoteVectorEnv) env).sessionId()), "a new session was made");
            assertArrayEquals(new double[] {1.0}, env.step(Tensor.ofLongs(new long[] {OK})).rewards());
            healthy.assertKeptStepping(before);
        }
    }

    @Test
    void onCrashRecreateRemakesAReapedSessionAtItsNextReset() throws Exception {
        // What a trainer's evaluation env meets: idle between evaluations for longer than the idle timeout.
        try (VectorEnv env = GymBridge.makeVec(base + "?num_envs=1&on_crash=recreate")) {
            double[] first = env.reset(4).observations().asTensor().toDoubleArray();
            String session = ((RemoteVectorEnv) env).sessionId();
            awaitReaped(session); // idle longer than --session-idle-timeout 1.5: the server reaps it
            assertArrayEquals(first, env.reset(4).observations().asTensor().toDoubleArray(), "same seed, same start");
            assertTrue(!session.equals(((RemoteVectorEnv) env).sessionId()), "a new session was made");
        }
    }

    @Test
    void onCrashRecreateRecoversAStepAsyncAndTheStepPipelinedBehindIt() {
        try (HealthyStepper healthy = new HealthyStepper(admin);
             VectorEnv env = GymBridge.makeVec(base + "?num_envs=2&vectorization=async&on_crash=recreate")) {
            long before = healthy.steps();
            env.reset(0);
            CompletableFuture<StepResult> crashing = env.stepAsync(Tensor.ofLongs(new long[] {OK, ABORT}));
            CompletableFuture<StepResult> behind = env.stepAsync(Tensor.ofLongs(new long[] {OK, OK}));
            StepResult r = crashing.join();
            assertArrayEquals(new boolean[] {true, true}, r.truncated(), "a recovered step truncates every episode");
            assertArrayEquals(new double[] {0.0, 0.0}, r.rewards());
            assertEquals(Tensor.ofBools(new boolean[] {true, true}, 2), r.infos().get("gymbridge_recovered"));
            String why = ((TextValue) r.infos().get("gymbridge_error")).get(0);
            assertTrue(why.contains("SIGABRT"), why);
            // The step sent before the recovery was failed by the same crash: recovered too, without a second reset.
            StepResult next = behind.join();
            assertArrayEquals(new boolean[] {true, true}, next.truncated());
            assertEquals(Tensor.ofBools(new boolean[] {true, true}, 2), next.infos().get("gymbridge_recovered"));
            assertEquals(1, ((RemoteVectorEnv) env).recoveries());
            StepResult after = env.stepAsync(Tensor.ofLongs(new long[] {OK, OK})).join();
            assertArrayEquals(new double[] {1.0, 1.0}, after.rewards());
            assertFalse(after.infos().has("gymbridge_recovered"));
            healthy.assertKeptStepping(before);
        }
    }

    @Test
    void onCrashRecreateRemakesAReapedSessionForAStepAsync() throws Exception {
        try (VectorEnv env = GymBridge.makeVec(base + "?num_envs=1&on_crash=recreate")) {
            env.reset(0);
            String first = ((RemoteVectorEnv) env).sessionId();
            awaitReaped(first);
            StepResult r = env.stepAsync(Tensor.ofLongs(new long[] {OK})).get(30, TimeUnit.SECONDS);
            assertArrayEquals(new boolean[] {true}, r.truncated());
            String why = ((TextValue) r.infos().get("gymbridge_error")).get(0);
            assertTrue(why.contains("--session-idle-timeout"), why);
            assertTrue(!first.equals(((RemoteVectorEnv) env).sessionId()), "a new session was made");
            assertArrayEquals(new double[] {1.0}, env.stepAsync(Tensor.ofLongs(new long[] {OK})).join().rewards());
        }
    }

    @Test
    void withoutRecreateACrashedStepAsyncFailsWithEnvCrashed() {
        try (VectorEnv env = GymBridge.makeVec(base + "?num_envs=2&vectorization=async")) {
            env.reset(0);
            CompletionException e = assertThrows(CompletionException.class,
                    () -> env.stepAsync(Tensor.ofLongs(new long[] {OK, ABORT})).join());
            assertTrue(e.getCause() instanceof EnvCrashedException, String.valueOf(e.getCause()));
        }
    }

    @Test
    void onCrashRecreateRecoversACrashedGroupOfAPipelinedPool() {
        // A server of its own, without the short idle timeout: making and resetting the async groups on a busy
        // machine may take longer than 1.5 s, and a reaped group would be recovered for the wrong reason.
        ClientOptions recreate = ClientOptions.defaults().withOnCrash(ClientOptions.CrashPolicy.RECREATE);
        try (GymBridgeClient client = GymBridgeClient.startLocal(null, List.of("--fault-envs"), recreate);
             HealthyStepper healthy = new HealthyStepper(client);
             PipelinedEnvPool pool = PipelinedEnvPool.make(client, "gymbridge/Fault-v0",
                     MakeOptions.builder().numEnvs(4).vectorization("async").build(), 2)) {
            long before = healthy.steps();
            pool.reset(0, 0);
            pool.reset(1, 0);
            pool.send(0, Tensor.ofLongs(new long[] {OK, ABORT}));
            pool.send(1, Tensor.ofLongs(new long[] {OK, OK}));
            StepResult[] byGroup = new StepResult[2];
            for (int k = 0; k < 2; k++) {
                PipelinedEnvPool.GroupStep s = pool.recv();
                byGroup[s.group()] = s.result();
            }
            assertArrayEquals(new boolean[] {true, true}, byGroup[0].truncated());
            assertEquals(Tensor.ofBools(new boolean[] {true, true}, 2), byGroup[0].infos().get("gymbridge_recovered"));
            String why = ((TextValue) byGroup[0].infos().get("gymbridge_error")).get(0);
            assertTrue(why.contains("SIGABRT"), why);
            assertArrayEquals(new double[] {1.0, 1.0}, byGroup[1].rewards(), "the other group stepped normally");
            assertFalse(byGroup[1].infos().has("gymbridge_recovered"));
            pool.send(0, Tensor.ofLongs(new long[] {OK, OK}));
            assertArrayEquals(new double[] {1.0, 1.0}, pool.recv().result().rewards(), "the recovered group steps on");
            healthy.assertKeptStepping(before);
        }
    }

    @Test
    void withoutRecreateALostSessionIsSessionNotFound() throws Exception {
        try (VectorEnv env = GymBridge.makeVec(base + "?num_envs=1")) {
            env.reset(0);
            awaitReaped(((RemoteVectorEnv) env).sessionId());
            SessionNotFoundException e = assertThrows(SessionNotFoundException.class,
                    () -> env.step(Tensor.ofLongs(new long[] {OK})));
            assertEquals(Status.Code.NOT_FOUND, e.code());
        }
    }

    /** Waits (up to 30 s) until the server's log says it reaped {@code session} for being idle. */
    private static void awaitReaped(String session) throws InterruptedException {
        String event = "\"event\": \"reaped\", \"session\": \"" + session + "\"";
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!admin.serverStderrTail().contains(event)) {
            assertTrue(System.nanoTime() < deadline, "the server did not reap " + session + "; its log ends with:\n"
                    + admin.serverStderrTail());
            Thread.sleep(20);
        }
    }

    /** The first result of {@code call} that does not run out of its deadline, trying for up to 30 s. */
    private static <T> T eventually(java.util.function.Supplier<T> call) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                return call.get();
            } catch (DeadlineExceededException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }
}
