package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** {@code num_workers} (URL key and {@link MakeOptions#numWorkers}) reaches the server's MakeRequest. */
class NumWorkersTest extends LocalServerFixture {

    @Test
    void oneWorkerProcessStepsExactlyLikeTheInProcessVectorEnv() {
        MakeOptions sync = MakeOptions.builder().numEnvs(4).seed(3).build();
        MakeOptions workers = sync.toBuilder().vectorization("workers").numWorkers(1).build();
        try (VectorEnv a = client.makeVec("CartPole-v1", sync); VectorEnv b = client.makeVec("CartPole-v1", workers)) {
            assertEquals(a.reset(3).observations(), b.reset(3).observations());
            for (int t = 0; t < 40; t++) {
                Tensor actions = Tensor.ofLongs(new long[] {t % 2, 1, 0, (t / 3) % 2});
                StepResult x = a.step(actions);
                StepResult y = b.step(actions);
                assertEquals(x.observations(), y.observations(), "step " + t);
                assertArrayEquals(x.rewards(), y.rewards());
                assertArrayEquals(x.terminated(), y.terminated());
            }
        }
    }

    @Test
    void numWorkersWithoutWorkerVectorizationIsRejectedNamingBothKeys() {
        GymBridgeException e = assertThrows(GymBridgeException.class, () -> client.makeVec("CartPole-v1",
                MakeOptions.builder().numEnvs(2).numWorkers(2).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("num_workers=2") && e.getMessage().contains("workers"), e.getMessage());
    }

    @Test
    void theUrlKeyIsAnOptionNotAnEnvKwarg() {
        MakeOptions o = ConnectionUrl.parse("local:Crafter-v1?num_envs=8&vectorization=workers&num_workers=2").options();
        assertEquals(2, o.numWorkers());
        assertEquals("workers", o.vectorization());
        assertTrue(o.kwargs().isEmpty(), o.kwargs().toString());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ConnectionUrl.parse("local:CartPole-v1?num_workers=-1"));
        assertTrue(bad.getMessage().contains("num_workers must be >= 0"), bad.getMessage());
    }
}
