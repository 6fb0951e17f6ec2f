package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.proto.v1.StepRequest;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;

/**
 * Property-based fuzzing of the server from the Java client (jqwik, fixed seeds, bounded tries): raw step
 * requests with random dtypes, shapes and bytes; actions of random dtype, shape and values (NaN, inf,
 * out of range) through the public API; random make options. Every call succeeds or fails with a typed
 * exception carrying an actionable status (never INTERNAL/UNKNOWN/UNAVAILABLE) and a message, the server
 * process stays alive, and a healthy session keeps stepping throughout.
 */
class ClientFuzzTest {
    private static final Set<Status.Code> ACCEPTABLE = Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND,
            Status.Code.FAILED_PRECONDITION, Status.Code.RESOURCE_EXHAUSTED);
    private static GymBridgeClient client;
    private static VectorEnv cartPoles;
    private static VectorEnv allSpaces;
    private static HealthyStepper healthy;

    @BeforeContainer
    static void start() {
        client = GymBridgeClient.startLocal(null, List.of("--max-envs-per-session", "64", "--max-message-mb", "4"),
                ClientOptions.defaults());
        cartPoles = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).seed(0).build());
        cartPoles.reset(0);
        allSpaces = client.makeVec("gymbridge/AllSpaces-v0", MakeOptions.builder().numEnvs(2).seed(0).build());
        allSpaces.reset(0);
        healthy = new HealthyStepper(client);
    }

    @AfterContainer
    static void stop() {
        if (client != null) {
            long before = healthy.steps();
            healthy.assertKeptStepping(before);
            healthy.close();
            assertTrue(client.serverProcess().orElseThrow().isAlive(), "the server survived the fuzzing");
            client.close();
        }
    }

    private static void expectActionable(GymBridgeException e) {
        assertTrue(ACCEPTABLE.contains(e.code()), () -> e.code() + ": " + e.getMessage());
        assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "every refusal says why");
    }

    private static void afterCall() {
        assertTrue(client.serverProcess().orElseThrow().isAlive(), "the server is alive");
    }

    @Property(tries = 150, seed = "20261129")
    void rawStepRequestsWithMalformedTensorsGetAPreciseStatus(
            @ForAll("dtypeNumbers") int dtype, @ForAll("shapes") List<Long> shape, @ForAll("bytes") byte[] data,
            @ForAll("targets") String target) {
        String session = switch (target) {
            case "cartpole" -> ((RemoteVectorEnv) cartPoles).sessionId();
            case "allspaces" -> ((RemoteVectorEnv) allSpaces).sessionId();
            default -> "no-such-session";
        };
        org.gymbridge.proto.v1.Tensor.Builder t = org.gymbridge.proto.v1.Tensor.newBuilder().setDtypeValue(dtype)
                .setData(ByteString.copyFrom(data));
        shape.forEach(t::addShape);
        StepRequest req = StepRequest.newBuilder().setSessionId(session)
                .setActions(org.gymbridge.proto.v1.Value.newBuilder().setTensor(t)).build();
        try {
            client.blockingStub(false).step(req);
        } catch (RuntimeException e) {
            GymBridgeException g = Errors.fromGrpc(e, "fuzz step");
            expectActionable(g);
            if (g instanceof ResetRequiredException) {
                (target.equals("cartpole") ? cartPoles : allSpaces).reset();
            }
        }
        afterCall();
    }

    @Property(tries = 150, seed = "20261129")
    void actionsOfRandomDtypeShapeAndValueGetAPreciseStatus(
            @ForAll("dtypes") DType dtype, @ForAll("shapes") List<Long> shape, @ForAll("specials") double fill) {
        long[] dims = shape.stream().mapToLong(Long::longValue).map(d -> Math.max(0, Math.min(d, 4))).toArray();
        int count = 1;
        for (long d : dims) {
            count *= (int) d;
        }
        double[] values = new double[count];
        java.util.Arrays.fill(values, fill);
        Tensor actions = Tensor.ofDoubles(values, dims);
        Tensor cast = dtype == DType.FLOAT64 ? actions : castTo(actions, dtype);
        try {
            cartPoles.step(cast);
        } catch (GymBridgeException e) {
            expectActionable(e);
            if (e instanceof ResetRequiredException) {
                cartPoles.reset();
            }
        }
        afterCall();
    }

    @Property(tries = 60, seed = "20261129")
    void randomMakeOptionsGetAPreciseStatus(@ForAll("envIds") String envId, @ForAll("numEnvs") int numEnvs,
                                            @ForAll("kwargs") Map<String, Object> kwargs) {
        try (VectorEnv env = client.makeVec(envId, MakeOptions.builder().numEnvs(numEnvs).kwargs(kwargs).build())) {
            env.reset();
        } catch (GymBridgeException e) {
            assertTrue(ACCEPTABLE.contains(e.code()) || e.code() == Status.Code.ABORTED, () -> e.code() + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            assertFalse(e.getMessage().isBlank()); // refused by the client before the wire (empty id ...)
        }
        afterCall();
    }

    private static Tensor castTo(Tensor t, DType dtype) {
        long[] shape = t.shape();
        double[] v = t.toDoubleArray();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * dtype.itemSize()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            switch (dtype) {
                case BOOL, INT8, UINT8 -> b.put((byte) x);
                case INT16, UINT16, FLOAT16 -> b.putShort((short) x);
                case INT32, UINT32 -> b.putInt((int) x);
                case FLOAT32 -> b.putFloat((float) x);
                case INT64, UINT64 -> b.putLong((long) x);
                default -> b.putDouble(x);
            }
        }
        b.flip();
        return Tensor.of(dtype, shape, b);
    }

    @Provide
    Arbitrary<Integer> dtypeNumbers() {
        return Arbitraries.integers().between(-2, 20);
    }

    @Provide
    Arbitrary<DType> dtypes() {
        return Arbitraries.of(DType.class);
    }

    @Provide
    Arbitrary<List<Long>> shapes() {
        return Arbitraries.longs().between(-2, 5).list().ofMaxSize(3);
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(48);
    }

    @Provide
    Arbitrary<String> targets() {
        return Arbitraries.of("cartpole", "allspaces", "unknown");
    }

    @Provide
    Arbitrary<Double> specials() {
        return Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1.0, 0.0, 1.0, 2.0, 1e300);
    }

    @Provide
    Arbitrary<String> envIds() {
        return Arbitraries.oneOf(Arbitraries.of("CartPole-v1", "FrozenLake-v1", "CartPol-v1", "os:system", "gymbridge/"),
                Arbitraries.strings().ofMinLength(1).ofMaxLength(12));
    }

    @Provide
    Arbitrary<Integer> numEnvs() {
        return Arbitraries.oneOf(Arbitraries.of(0, 1, 2, 65, 100_000, Integer.MAX_VALUE, -1), Arbitraries.integers().between(-2, 70));
    }

    @Provide
    Arbitrary<Map<String, Object>> kwargs() {
        Arbitrary<Object> values = Arbitraries.oneOf(Arbitraries.integers().map(i -> (Object) (long) i),
                Arbitraries.of(true, false), Arbitraries.strings().ofMaxLength(6).map(s -> (Object) s),
                Arbitraries.doubles().map(d -> (Object) d));
        return Arbitraries.maps(Arbitraries.of("map_name", "is_slippery", "render_mode", "x", "sutton_barto_reward"), values)
                .ofMaxSize(2);
    }
}
