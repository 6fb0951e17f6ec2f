package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fast lane's framing over TCP ({@code --fast-lane-port}): what a client on another host uses. Here on one
 * host, {@code -Dgymbridge.fastLane=tcp} makes the client take the TCP port instead of the unix socket.
 */
class TcpFastLaneTest {
    @AfterEach
    void clear() {
        System.clearProperty(FastLane.PROPERTY);
    }

    private static List<double[]> rollout(GymBridgeClient client) {
        List<double[]> out = new ArrayList<>();
        try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(8).build())) {
            out.add(env.reset(3).observations().asTensor().toDoubleArray());
            SplittableRandom rng = new SplittableRandom(3);
            for (int t = 0; t < 60; t++) {
                StepResult r = env.step(env.actionSpace().sample(rng));
                out.add(r.observations().asTensor().toDoubleArray());
                out.add(r.rewards());
            }
        }
        return out;
    }

    @Test
    void theTcpLaneGivesWhatGrpcGives() {
        try (GymBridgeClient client = GymBridgeClient.startLocal(null, List.of("--fast-lane-port", "0"), ClientOptions.defaults())) {
            assertTrue(client.fastLanePort() > 0, "the handshake advertises the port");
            System.setProperty(FastLane.PROPERTY, "tcp");
            assertTrue(client.fastLane());
            assertTrue(FastLane.address(client) instanceof java.net.InetSocketAddress);
            List<double[]> tcp = rollout(client);
            System.setProperty(FastLane.PROPERTY, "false");
            assertFalse(client.fastLane());
            List<double[]> grpc = rollout(client);
            assertEquals(grpc.size(), tcp.size());
            for (int i = 0; i < tcp.size(); i++) {
                assertArrayEquals(grpc.get(i), tcp.get(i), "item " + i);
            }
        }
    }

    @Test
    void theTcpLaneChecksTheToken() throws Exception {
        try (GymBridgeClient client = GymBridgeClient.startLocal(null, List.of("--fast-lane-port", "0", "--token", "t1"),
                ClientOptions.defaults().withToken("t1"))) {
            System.setProperty(FastLane.PROPERTY, "tcp");
            assertTrue(client.fastLane());
            assertEquals(121, rollout(client).size());
            var port = new java.net.InetSocketAddress("127.0.0.1", client.fastLanePort());
            FastLane.Refused e = assertThrows(FastLane.Refused.class,
                    () -> new FastLane(port, "wrong", 1 << 20, r -> { }, x -> { }).close());
            assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("token"), e.getMessage());
        }
    }
}
