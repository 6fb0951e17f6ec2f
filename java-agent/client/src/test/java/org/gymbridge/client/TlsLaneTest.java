package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TCP fast lane of a TLS server: TLS with the server's certificate, the gRPC trust, the token checked. */
class TlsLaneTest {
    private static final String TOKEN = "tls-lane-token-7";
    @TempDir
    static Path dir;
    private static Path cert;
    private static GymBridgeClient admin;

    @BeforeAll
    static void startTlsServer() throws Exception {
        TestPython.run("make_cert.py", List.of(dir.toString()));
        cert = dir.resolve("cert.pem");
        admin = GymBridgeClient.startLocal(null, List.of("--tls-cert", cert.toString(), "--tls-key",
                dir.resolve("key.pem").toString(), "--fast-lane-port", "0"),
                ClientOptions.defaults().withCaFile(cert).withToken(TOKEN));
        admin.handshake();
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    private static InetSocketAddress lane() {
        assertTrue(admin.fastLaneTls() && admin.fastLanePort() > 0, "the server offers a TLS lane");
        return new InetSocketAddress("127.0.0.1", admin.fastLanePort());
    }

    private static VectorEnv open(String lane) {
        String before = System.getProperty(FastLane.PROPERTY);
        System.setProperty(FastLane.PROPERTY, lane);
        try {
            VectorEnv env = GymBridge.makeVec("grpcs://" + admin.target() + "/CartPole-v1?num_envs=64&ca=" + cert
                    + "&token=" + TOKEN);
            env.reset(3); // the session stream opens its transport with its first call
            return env;
        } finally {
            if (before == null) {
                System.clearProperty(FastLane.PROPERTY);
            } else {
                System.setProperty(FastLane.PROPERTY, before);
            }
        }
    }

    @Test
    void cartPoleOverTheTlsLaneStepsLikeGrpc() {
        try (VectorEnv overLane = open("tcp"); VectorEnv overGrpc = open("false")) {
            GymBridgeClient client = ((RemoteVectorEnv) overLane).client();
            assertEquals(1, client.tlsLanes.size(), "the stream runs on the TLS lane");
            assertEquals(0, ((RemoteVectorEnv) overGrpc).client().tlsLanes.size(), "the other one on gRPC");
            assertArrayEquals(((Tensor) overGrpc.reset(5).observations()).toByteArray(),
                    ((Tensor) overLane.reset(5).observations()).toByteArray());
            SplittableRandom rng = new SplittableRandom(5);
            for (int t = 0; t < 100; t++) {
                Value a = overGrpc.actionSpace().sample(rng);
                StepResult want = overGrpc.step(a);
                StepResult got = overLane.step(a);
                assertArrayEquals(((Tensor) want.observations()).toByteArray(), ((Tensor) got.observations()).toByteArray(),
                        "step " + t);
                assertArrayEquals(want.rewards(), got.rewards());
                assertArrayEquals(want.terminated(), got.terminated());
                assertArrayEquals(want.truncated(), got.truncated());
            }
        }
    }

    @Test
    void aLaneThatDoesNotTrustTheCertificateFailsItsHandshake() throws Exception {
        // The JVM's default trust store does not hold the test's self-signed certificate.
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                () -> new TlsLane(lane(), SSLContext.getDefault(), TOKEN, 1 << 20));
        assertTrue(e.getMessage().contains("PKIX"), e.getMessage());
    }

    @Test
    void aLaneWithoutTheTokenIsRefused() {
        SSLContext trusted = TlsLane.trust(ClientOptions.defaults().withCaFile(cert));
        for (String token : new String[] {null, "not-it"}) {
            FastLane.Refused r = assertThrows(FastLane.Refused.class, () -> new TlsLane(lane(), trusted, token, 1 << 20));
            assertEquals(io.grpc.Status.Code.UNAUTHENTICATED.value(), r.status.getCode());
        }
    }
}
