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
 * out of range) through the public API; random make options; shapes of more than 64 dims or of huge dims, OneOf
 * indices of the wrong shape, type or value, stacked Sequence items of mixed shapes or float values. Every call
 * succeeds or fails with a typed exception carrying an actionable status (never INTERNAL/UNKNOWN/UNAVAILABLE)
 * and a message -- INVALID_ARGUMENT for input malformed by construction --, the server process stays alive,
 * and a healthy session keeps stepping throughout.
 */
class ClientFuzzTest {
    private static final Set<Status.Code> ACCEPTABLE = Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND,
            Status.Code.FAILED_PRECONDITION, Status.Code.RESOURCE_EXHAUSTED);
    private static GymBridgeClient client;
    private static VectorEnv cartPoles;
    private static VectorEnv allSpaces;
    private static String extraSpaces; // a session of gymbridge/ExtraSpaces-v0 (Sequence, Graph, OneOf), num_envs 1
    private static org.gymbridge.proto.v1.Value extraTemplate; // a valid action of it: its reset observation
    private static HealthyStepper healthy;

    @BeforeContainer
    static void start() {
        client = GymBridgeClient.startLocal(null, List.of("--max-envs-per-session", "64", "--max-message-mb", "4"),
                ClientOptions.defaults());
        cartPoles = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).seed(0).build());
        cartPoles.reset(0);
        allSpaces = client.makeVec("gymbridge/AllSpaces-v0", MakeOptions.builder().numEnvs(2).seed(0).build());
        allSpaces.reset(0);
        extraSpaces = client.blockingStub(true).make(org.gymbridge.proto.v1.MakeRequest.newBuilder()
                .setEnvId("gymbridge/ExtraSpaces-v0").setNumEnvs(1).build()).getSessionId();
        extraTemplate = resetExtra();
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
            @ForAll("dtypeNumbers") int dtype, @ForAll("rawShapes") List<Long> shape, @ForAll("bytes") byte[] data,
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
        boolean malformed = shape.size() > 64 || shape.stream().anyMatch(d -> d < 0 || d > (1L << 40));
        GymBridgeException g = rawStep(req, () -> (target.equals("cartpole") ? cartPoles : allSpaces).reset());
        if (malformed && !target.equals("unknown")) {
            assertTrue(g != null && g.code() == Status.Code.INVALID_ARGUMENT,
                    () -> "shape " + shape + ": " + (g == null ? "accepted" : g.code() + ": " + g.getMessage()));
        }
        afterCall();
    }

    @Property(tries = 40, seed = "20261129")
    void oneOfIndicesOfTheWrongShapeTypeOrValueGetInvalidArgument(
            @ForAll("indexDtypes") int dtype, @ForAll("indexShapes") List<Long> shape, @ForAll("indexValues") double value) {
        org.gymbridge.proto.v1.Value index = tensorOf(dtype, shape, value);
        double sent = switch (dtype) { // what the tensor holds: Java casts NaN to 0 and 1e300 to MAX_VALUE
            case 6 -> (int) value;
            case 8 -> (long) value;
            case 11 -> (float) value;
            default -> value;
        };
        boolean oneElement = shape.stream().reduce(1L, (x, y) -> x * y) == 1; // a scalar, or [1], [1, 1] ...
        boolean malformed = !oneElement || Double.isNaN(sent) || sent != Math.rint(sent) || sent < 0 || sent > 2;
        org.gymbridge.proto.v1.Value.Builder action = extraTemplate.toBuilder();
        entry(action, "one_of").getTupleBuilder().getItemsBuilder(0).getTupleBuilder().setItems(0, index);
        GymBridgeException g = rawStep(StepRequest.newBuilder().setSessionId(extraSpaces).setActions(action).build(),
                ClientFuzzTest::resetExtra);
        if (malformed) {
            assertTrue(g != null && g.code() == Status.Code.INVALID_ARGUMENT, () -> "OneOf index dtype " + dtype
                    + " shape " + shape + " value " + value + ": " + (g == null ? "accepted" : g.code() + ": " + g.getMessage()));
        }
        afterCall();
    }

    @Property(tries = 40, seed = "20261129")
    void stackedSequenceItemsOfMixedShapesOrFloatValuesGetInvalidArgument(
            @ForAll("stackedItems") List<org.gymbridge.proto.v1.Value> items) {
        // A stacked Sequence of Discrete(4): every item an int64 scalar; anything else is malformed.
        boolean malformed = items.stream().anyMatch(v -> v.getTensor().getShapeCount() != 0
                || v.getTensor().getDtype() != org.gymbridge.proto.v1.DType.DTYPE_INT64);
        org.gymbridge.proto.v1.Value.Builder action = extraTemplate.toBuilder();
        entry(action, "stacked").getTupleBuilder().setItems(0, org.gymbridge.proto.v1.Value.newBuilder()
                .setList(org.gymbridge.proto.v1.ValueList.newBuilder().addAllItems(items)));
        GymBridgeException g = rawStep(StepRequest.newBuilder().setSessionId(extraSpaces).setActions(action).build(),
                ClientFuzzTest::resetExtra);
        if (malformed) {
            assertTrue(g != null && g.code() == Status.Code.INVALID_ARGUMENT, () -> "stacked items " + items.stream()
                    .map(v -> v.getTensor().getDtype() + v.getTensor().getShapeList().toString()).toList() + ": "
                    + (g == null ? "accepted" : g.code() + ": " + g.getMessage()));
        }
        afterCall();
    }

    /**
     * Sends a raw step; its refusal (null if it was accepted) after checking it is actionable. A session that
     * needs a reset (its episode ended) is reset and the step sent again, so the refusal is the action's own.
     */
    private static GymBridgeException rawStep(StepRequest req, Runnable reset) {
        for (int attempt = 0; ; attempt++) {
            try {
                client.blockingStub(false).step(req);
                return null;
            } catch (RuntimeException e) {
                GymBridgeException g = Errors.fromGrpc(e, "fuzz step");
                expectActionable(g);
                if (!(g instanceof ResetRequiredException) || attempt > 0) {
                    return g;
                }
                reset.run();
            }
        }
    }

    private static org.gymbridge.proto.v1.Value resetExtra() {
        return client.blockingStub(true).reset(org.gymbridge.proto.v1.ResetRequest.newBuilder()
                .setSessionId(extraSpaces).setSeed(0).build()).getObservations();
    }

    private static org.gymbridge.proto.v1.Value.Builder entry(org.gymbridge.proto.v1.Value.Builder dict, String key) {
        for (org.gymbridge.proto.v1.NamedValue.Builder e : dict.getDictBuilder().getEntriesBuilderList()) {
            if (e.getKey().equals(key)) {
                return e.getValueBuilder();
            }
        }
        throw new AssertionError("no entry " + key + " in " + dict);
    }

    /** A tensor of dtype 6 (int32), 8 (int64), 11 (float32) or 12 (float64) filled with {@code value}. */
    private static org.gymbridge.proto.v1.Value tensorOf(int dtype, List<Long> shape, double value) {
        long n = shape.stream().reduce(1L, (a, b) -> a * b);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) n * (dtype == 6 || dtype == 11 ? 4 : 8))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long k = 0; k < n; k++) {
            switch (dtype) {
                case 6 -> b.putInt((int) value);
                case 8 -> b.putLong((long) value);
                case 11 -> b.putFloat((float) value);
                default -> b.putDouble(value);
            }
        }
        return org.gymbridge.proto.v1.Value.newBuilder().setTensor(org.gymbridge.proto.v1.Tensor.newBuilder()
                .setDtypeValue(dtype).addAllShape(shape).setData(ByteString.copyFrom(b.array()))).build();
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

    /** Small shapes, and shapes past the server's bounds: more than 64 dims, dims of 2**31 .. 2**63-1. */
    @Provide
    Arbitrary<List<Long>> rawShapes() {
        Arbitrary<Long> huge = Arbitraries.of(1L << 31, 1L << 40, 1L << 62, Long.MAX_VALUE);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, shapes()),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(0, 2).list().ofMinSize(65).ofMaxSize(70)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(0, 3).list().ofMinSize(0).ofMaxSize(2)
                        .flatMap(head -> huge.map(h -> { List<Long> l = new java.util.ArrayList<>(head); l.add(h); return l; }))));
    }

    @Provide
    Arbitrary<Integer> indexDtypes() {
        return Arbitraries.of(6, 8, 11, 12);
    }

    @Provide
    Arbitrary<List<Long>> indexShapes() {
        return Arbitraries.of(List.of(), List.of(), List.of(0L), List.of(1L), List.of(2L), List.of(1L, 1L));
    }

    @Provide
    Arbitrary<Double> indexValues() {
        return Arbitraries.of(0.0, 1.0, 2.0, 3.0, -1.0, 0.9, 1.5, Double.NaN, Double.POSITIVE_INFINITY, 1e300);
    }

    /** Items of a stacked Sequence of Discrete(4): int64 scalars, mixed with other shapes and float values. */
    @Provide
    Arbitrary<List<org.gymbridge.proto.v1.Value>> stackedItems() {
        Arbitrary<org.gymbridge.proto.v1.Value> item = Arbitraries.oneOf(
                Arbitraries.longs().between(0, 3).map(v -> tensorOf(8, List.of(), v)),
                Arbitraries.longs().between(0, 3).map(v -> tensorOf(8, List.of(2L), v)),
                Arbitraries.of(0.0, 1.5, Double.NaN).map(v -> tensorOf(12, List.of(), v)),
                Arbitraries.of(0.0, 2.5).map(v -> tensorOf(11, List.of(1L), v)));
        return item.list().ofMinSize(1).ofMaxSize(4);
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
