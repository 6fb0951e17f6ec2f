package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token auth and TLS from the Java side: one server started with a self-signed certificate (made by the
 * test) and a token; each refused connection has its exact status, and a healthy session keeps stepping.
 */
class SecurityTest {
    private static final String TOKEN = "java-test-token-42";
    @TempDir
    static Path dir;
    private static Path cert;
    private static GymBridgeClient admin;
    private static String hostPort;

    @BeforeAll
    static void startTlsServer() throws Exception {
        TestPython.run("make_cert.py", List.of(dir.toString()));
        cert = dir.resolve("cert.pem");
        assertTrue(Files.isReadable(cert));
        admin = GymBridgeClient.startLocal(null, List.of("--tls-cert", cert.toString(), "--tls-key",
                dir.resolve("key.pem").toString()), ClientOptions.defaults().withCaFile(cert).withToken(TOKEN));
        hostPort = admin.target();
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    private static String url(String scheme, String query) {
        return scheme + "://" + hostPort + "/CartPole-v1?num_envs=2" + query;
    }

    @Test
    void grpcsWithTheCaAndTheTokenSteps() {
        try (HealthyStepper healthy = new HealthyStepper(admin);
             VectorEnv env = GymBridge.makeVec(url("grpcs", "&seed=1&ca=" + cert + "&token=" + TOKEN))) {
            long before = healthy.steps();
            env.reset(1);
            StepResult r = env.step(Tensor.ofLongs(new long[] {0, 1}));
            assertEquals(2, r.numEnvs());
            healthy.assertKeptStepping(before);
        }
    }

    @Test
    void missingOrWrongTokenIsUnauthenticated() {
        try (HealthyStepper healthy = new HealthyStepper(admin)) {
            long before = healthy.steps();
            UnauthenticatedException missing = assertThrows(UnauthenticatedException.class,
                    () -> GymBridge.makeVec(url("grpcs", "&ca=" + cert)));
            assertEquals(Status.Code.UNAUTHENTICATED, missing.code());
            assertTrue(missing.getMessage().contains("carried none"), missing.getMessage());
            UnauthenticatedException wrong = assertThrows(UnauthenticatedException.class,
                    () -> GymBridge.makeVec(url("grpcs", "&ca=" + cert + "&token=not-it")));
            assertEquals(Status.Code.UNAUTHENTICATED, wrong.code());
            assertTrue(wrong.getMessage().contains("wrong"), wrong.getMessage());
            assertFalse(wrong.getMessage().contains(TOKEN), "the server never echoes the token");
            healthy.assertKeptStepping(before);
        }
    }

    @Test
    void plaintextOrUntrustedTlsCannotConnect() {
        try (HealthyStepper healthy = new HealthyStepper(admin)) {
            long before = healthy.steps();
            ClientOptions quick = ClientOptions.defaults().withCallTimeout(java.time.Duration.ofSeconds(5));
            ServerUnavailableException plain = assertThrows(ServerUnavailableException.class,
                    () -> GymBridge.makeVec(url("grpc", "&token=" + TOKEN), quick));
            assertEquals(Status.Code.UNAVAILABLE, plain.code());
            // TLS with the JVM's default trust store does not trust a self-signed certificate.
            ServerUnavailableException untrusted = assertThrows(ServerUnavailableException.class,
                    () -> GymBridge.makeVec(url("grpcs", "&token=" + TOKEN), quick));
            assertEquals(Status.Code.UNAVAILABLE, untrusted.code());
            healthy.assertKeptStepping(before);
        }
    }

    @Test
    void connectionKeysAreNotEnvKwargsAndTheTokenIsNeverShown() {
        ConnectionUrl u = ConnectionUrl.parse(
                "grpcs://h:1/CartPole-v1?num_envs=2&token=abc&timeout=1.5s&reset_timeout=10m&on_crash=recreate&x=1",
                ClientOptions.defaults());
        // What reaches the server: grpc://h:1/CartPole-v1?num_envs=2&x=1.
        assertEquals("h:1", u.grpcTarget());
        assertEquals("CartPole-v1", u.envId());
        assertEquals(2, u.options().numEnvs());
        assertEquals(java.util.Map.of("x", 1L), u.options().kwargs());
        ClientOptions o = u.clientOptions();
        assertTrue(o.tls());
        assertEquals("abc", o.token());
        assertEquals(1500, o.callTimeout().toMillis());
        assertEquals(600_000, o.resetTimeout().toMillis());
        assertEquals(ClientOptions.CrashPolicy.RECREATE, o.onCrash());
        assertFalse(o.toString().contains("abc"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ConnectionUrl.parse("grpc://h:1/E?token=abc&timeout=soon", ClientOptions.defaults()));
        assertTrue(bad.getMessage().contains("timeout=soon") && !bad.getMessage().contains("abc"), bad.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ConnectionUrl.parse("ftp://h:1/E?token=abc", ClientOptions.defaults()));
        assertFalse(unknown.getMessage().contains("abc"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ConnectionUrl.parse("local:E?ca=" + cert, ClientOptions.defaults()));
    }
}
