package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.util.Map;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Box;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Masked resets (how DISABLED autoreset restarts finished envs) and server-side wrappers. */
class ResetAndWrappersTest extends LocalServerFixture {
    @Test
    void aMaskedResetRestartsOnlyTheFinishedEnv() {
        MakeOptions opts = MakeOptions.builder().numEnvs(2).autoreset(AutoresetMode.DISABLED).build();
        try (VectorEnv env = client.makeVec("CartPole-v1", opts); VectorEnv fresh = client.makeVec("CartPole-v1", opts)) {
            env.reset(0);
            StepResult r;
            int t = 0;
            do {
                r = env.step(Tensor.ofLongs(new long[] {0, t % 2})); // env 0 falls left, env 1 wobbles
                t++;
            } while (!r.done(0));
            assertTrue(!r.done(1), "env 1 is still running");
            Tensor before = r.observations().asTensor();

            ResetResult masked = env.reset(new long[] {7, 8}, new boolean[] {true, false}, Map.of());
            Tensor after = masked.observations().asTensor();
            assertEquals(before.get(1), after.get(1), "env 1 keeps its state");
            assertNotEquals(before.get(0), after.get(0), "env 0 starts a new episode");
            Tensor seeded = fresh.reset(new long[] {7, 8}).observations().asTensor();
            assertEquals(seeded.get(0), after.get(0), "env 0 was reset with its seed 7");
            assertEquals(2, env.step(Tensor.ofLongs(new long[] {1, 1})).numEnvs());
        }
    }

    @Test
    void maskAndSeedsOfTheWrongLengthFailLocally() {
        try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).build())) {
            assertThrows(IllegalArgumentException.class, () -> env.reset(null, new boolean[] {true}, Map.of()));
            assertThrows(IllegalArgumentException.class, () -> env.reset(new long[3], null, Map.of()));
        }
    }

    @Test
    void wrappersFromTheAllowlistShapeTheSpaces() {
        MakeOptions opts = MakeOptions.builder().numEnvs(2).wrapper("FrameStackObservation", Map.of("stack_size", 3)).build();
        try (VectorEnv env = client.makeVec("CartPole-v1", opts)) {
            assertArrayEquals(new long[] {3, 4}, ((Box) env.singleObservationSpace()).shape());
            env.reset(1);
            Tensor obs = env.step(Tensor.ofLongs(new long[] {0, 1})).observations().asTensor();
            assertArrayEquals(new long[] {2, 3, 4}, obs.shape());
            assertTrue(env.observationSpace().contains(obs));
        }
    }

    @Test
    void aWrapperOutsideTheAllowlistIsRefused() {
        GymBridgeException e = assertThrows(GymBridgeException.class, () -> client.makeVec("CartPole-v1",
                MakeOptions.builder().wrapper("HumanRendering", Map.of()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("TimeLimit"), "lists what is allowed: " + e.getMessage());
    }
}
