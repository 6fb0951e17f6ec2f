package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Box;
import org.gymbridge.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * Server-side wrappers chosen in the URL reach the server and change the env as in Gymnasium; bad wrapper
 * names, bad wrapper arguments and kwargs of the wrong type are INVALID_ARGUMENT naming what is allowed.
 */
class WrappersTest extends LocalServerFixture {

    private VectorEnv make(String url) {
        ConnectionUrl u = ConnectionUrl.parse(url);
        return client.makeVec(u.envId(), u.options());
    }

    @Test
    void frameStackFromTheUrlStacksObservations() {
        try (VectorEnv env = make("local:CartPole-v1?num_envs=2&wrappers=FrameStackObservation(stack_size=4)")) {
            Box single = (Box) env.singleObservationSpace();
            assertArrayEquals(new long[] {4, 4}, single.shape(), "4 stacked CartPole observations");
            assertEquals(DType.FLOAT32, single.dtype());
            assertArrayEquals(new long[] {2, 4, 4}, env.reset(0).observations().asTensor().shape());
        }
    }

    @Test
    void wrappersApplyInnermostFirst() {
        // TimeLimit then RecordEpisodeStatistics: the statistics see the truncation at 3 steps.
        try (VectorEnv env = make("local:CartPole-v1?wrappers=TimeLimit(max_episode_steps=3),RecordEpisodeStatistics")) {
            env.reset(0);
            org.gymbridge.env.StepResult r = null;
            for (int t = 0; t < 3; t++) {
                r = env.step(org.gymbridge.tensor.Tensor.ofLongs(new long[] {t % 2}));
            }
            assertTrue(r.truncated()[0]);
            assertEquals(3, r.infoView().episodes().get(0).length());
        }
    }

    @Test
    void aWrapperOffTheAllowlistIsRejectedNamingTheAllowedOnes() {
        GymBridgeException e = assertThrows(GymBridgeException.class,
                () -> make("local:CartPole-v1?wrappers=HumanRendering").close());
        assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("HumanRendering") && e.getMessage().contains("TimeLimit")
                && e.getMessage().contains("FrameStackObservation"), e.getMessage());
    }

    @Test
    void aBadWrapperArgumentIsRejected() {
        GymBridgeException e = assertThrows(GymBridgeException.class,
                () -> make("local:CartPole-v1?wrappers=TimeLimit(max_steps=5)").close());
        assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("TimeLimit") && e.getMessage().contains("max_steps"), e.getMessage());
    }

    @Test
    void anEnvKwargOfTheWrongTypeIsRejected() {
        // map_name=8 is typed as an int (like JSON); FrozenLake's map_name is a str.
        GymBridgeException e = assertThrows(GymBridgeException.class, () -> make("local:FrozenLake-v1?map_name=8").close());
        assertEquals(Status.Code.INVALID_ARGUMENT, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("map_name"), e.getMessage());
        e = assertThrows(GymBridgeException.class, () -> make("local:FrozenLake-v1?is_slipery=false").close());
        assertEquals(Status.Code.INVALID_ARGUMENT, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("is_slippery"), "names the accepted kwargs: " + e.getMessage());
    }

    @Test
    void tupleArgumentsWrittenAsParenthesesWork() {
        // The URL's (32,32) travels as a list; Gymnasium's ResizeObservation wants a tuple and gets one.
        try (VectorEnv env = make("local:Crafter-v1?wrappers=ResizeObservation(shape=(32,32))")) {
            assertArrayEquals(new long[] {32, 32, 3}, env.singleObservationSpace().shape());
            assertArrayEquals(new long[] {1, 32, 32, 3}, env.reset(0).observations().asTensor().shape());
        }
    }
}
