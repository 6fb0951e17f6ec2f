package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.proto.v1.CloseRequest;
import org.gymbridge.proto.v1.StepRequest;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Bad input gets a typed exception carrying the server's message, and fails only its own call. */
class ErrorsTest extends LocalServerFixture {
    private static VectorEnv cartPoles() {
        return client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).seed(1).build());
    }

    private static Tensor validActions() {
        return Tensor.ofLongs(new long[] {0, 1});
    }

    @Test
    void unknownEnvIdIsEnvNotFoundWithTheServersSuggestion() {
        EnvNotFoundException e = assertThrows(EnvNotFoundException.class,
                () -> client.makeVec("CartPol-v1", MakeOptions.defaults()));
        assertEquals(Status.Code.NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("CartPol-v1"), e.getMessage());
        assertTrue(e.getMessage().contains("CartPole-v1"), "suggests the close match: " + e.getMessage());
    }

    @Test
    void unknownEnvIdThroughAUrlStopsTheLocalServerItStarted() throws Exception {
        java.util.Set<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
        EnvNotFoundException e = assertThrows(EnvNotFoundException.class, () -> GymBridge.makeVec("local:NoSuchEnv-v0"));
        assertTrue(e.getMessage().contains("NoSuchEnv-v0"), e.getMessage());
        for (ProcessHandle p : ProcessHandle.current().children().filter(p -> !before.contains(p.pid())).toList()) {
            p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(!p.isAlive(), "the server started for the failed make is gone: pid " + p.pid());
        }
    }

    @Test
    void actionOfWrongShapeIsRejectedAndTheEnvStepsOnAfterwards() {
        try (VectorEnv env = cartPoles()) {
            env.reset(1);
            InvalidActionException e = assertThrows(InvalidActionException.class,
                    () -> env.step(Tensor.ofLongs(new long[] {0, 1, 1})));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
            assertTrue(e.getMessage().contains("shape"), e.getMessage());
            StepResult ok = env.step(validActions());
            assertEquals(2, ok.numEnvs());
        }
    }

    @Test
    void actionOfWrongDtypeIsRejected() {
        try (VectorEnv env = cartPoles()) {
            env.reset(1);
            InvalidActionException e = assertThrows(InvalidActionException.class,
                    () -> env.step(Tensor.ofDoubles(new double[] {0, 1})));
            assertTrue(e.getMessage().contains("float64"), e.getMessage());
            env.step(validActions());
        }
    }

    @Test
    void outOfRangeDiscreteActionNamesTheEnvAndValue() {
        try (VectorEnv env = cartPoles()) {
            env.reset(1);
            InvalidActionException e = assertThrows(InvalidActionException.class,
                    () -> env.step(Tensor.ofLongs(new long[] {0, 2})));
            assertTrue(e.getMessage().contains("env 1"), e.getMessage());
            assertTrue(e.getMessage().contains("2"), e.getMessage());
            assertEquals(2, env.step(validActions()).numEnvs());
        }
    }

    @Test
    void continuousActionOutsideTheBoxIsRejected() {
        try (VectorEnv env = client.makeVec("Pendulum-v1", MakeOptions.defaults())) {
            env.reset(0);
            assertThrows(InvalidActionException.class,
                    () -> env.step(Tensor.fromDoubles(DType.FLOAT32, new double[] {5.0}, 1, 1)));
            env.step(Tensor.fromDoubles(DType.FLOAT32, new double[] {1.0}, 1, 1));
        }
    }

    @Test
    void stepBeforeResetIsRejected() {
        try (VectorEnv env = cartPoles()) {
            ResetRequiredException e = assertThrows(ResetRequiredException.class, () -> env.step(validActions()));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
            assertTrue(e.getMessage().contains("reset"), e.getMessage());
            env.reset();
            env.step(validActions());
        }
    }

    @Test
    void aClosedSessionIsSessionNotFound() {
        try (VectorEnv env = cartPoles()) {
            env.reset(1);
            String id = ((RemoteVectorEnv) env).sessionId();
            client.blockingStub(false).close(CloseRequest.newBuilder().setSessionId(id).build()); // behind the env's back
            SessionNotFoundException e = assertThrows(SessionNotFoundException.class, () -> env.step(validActions()));
            assertEquals(Status.Code.NOT_FOUND, e.code());
        } // close() of a session the server no longer has is quiet
    }

    @Test
    void anUnknownSessionIdIsSessionNotFoundOnUnaryCalls() {
        RuntimeException raw = assertThrows(RuntimeException.class, () -> client.blockingStub(false)
                .step(StepRequest.newBuilder().setSessionId("no-such-session").build()));
        GymBridgeException e = client.translate(raw, "step");
        assertTrue(e instanceof SessionNotFoundException, e.getClass() + ": " + e.getMessage());
        assertEquals("SESSION_NOT_FOUND", e.reason());
    }

    @Test
    void aBadPipelinedStepFailsOnlyItsOwnFuture() {
        try (VectorEnv env = cartPoles()) {
            env.reset(1);
            CompletableFuture<StepResult> good1 = env.stepAsync(validActions());
            CompletableFuture<StepResult> bad = env.stepAsync(Tensor.ofLongs(new long[] {5, 5}));
            CompletableFuture<StepResult> good2 = env.stepAsync(validActions());
            assertEquals(2, good1.join().numEnvs());
            CompletionException e = assertThrows(CompletionException.class, bad::join);
            assertTrue(e.getCause() instanceof InvalidActionException, String.valueOf(e.getCause()));
            assertEquals(2, good2.join().numEnvs());
        }
    }

    @Test
    void anEnvConstructorThatRefusesItsArgumentIsInvalidArgumentWithThePythonError() {
        GymBridgeException e = assertThrows(GymBridgeException.class, () -> client.makeVec("FrozenLake-v1",
                MakeOptions.builder().kwarg("map_name", "no-such-map").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
        assertEquals("BAD_KWARGS", e.reason());
        assertTrue(e.getMessage().contains("no-such-map"), e.getMessage());
    }

    @Test
    void anUnknownKwargIsAnInvalidArgumentNotAnInvalidAction() {
        GymBridgeException e = assertThrows(GymBridgeException.class, () -> client.makeVec("CartPole-v1",
                MakeOptions.builder().kwarg("no_such_kwarg", 1L).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
        assertTrue(!(e instanceof InvalidActionException), e.getClass().getName());
        assertTrue(e.getMessage().contains("no_such_kwarg"), e.getMessage());
    }

    @Test
    void resetWithTheWrongNumberOfSeedsFailsLocally() {
        try (VectorEnv env = cartPoles()) {
            assertThrows(IllegalArgumentException.class, () -> env.reset(new long[] {1}));
            assertEquals(env.reset(new long[] {4, 5}).observations(), env.reset(new long[] {4, 5}).observations());
        }
    }

    @Test
    void nullActionsAreRejectedLocally() {
        try (VectorEnv env = cartPoles()) {
            assertThrows(IllegalArgumentException.class, () -> env.step(null));
        }
    }
}
