package org.gymbridge.client;

import com.google.protobuf.ByteString;
import org.gymbridge.proto.v1.DType;
import org.gymbridge.proto.v1.DictValue;
import org.gymbridge.proto.v1.SessionRequest;
import org.gymbridge.proto.v1.SessionResponse;
import org.gymbridge.proto.v1.StepRequest;
import org.gymbridge.proto.v1.StepResponse;
import org.gymbridge.proto.v1.Tensor;
import org.gymbridge.proto.v1.Value;

/**
 * Figures about the wire for tools that measure the bridge (such as {@code gymbridge bench}), so that they
 * need not reach past the client to the generated messages. Not needed to use environments.
 */
public final class Diagnostics {
    private Diagnostics() {
    }

    /** Serialized sizes in bytes of one request and its response on the session stream. */
    public record MessageSizes(int request, int response) {
    }

    /**
     * The sizes of a batched step of the no-op env ({@code gymbridge/NoOp-v0}, {@code numEnvs} envs) as this
     * client sends and receives it: int64 actions, float32 observations of 4 values, float64 rewards, bool
     * terminated/truncated, empty infos. A raw socket echo of messages this size is the floor a round trip
     * through the bridge is compared with.
     */
    public static MessageSizes noOpStep(int numEnvs) {
        Tensor action = tensor(DType.DTYPE_INT64, 8 * numEnvs, numEnvs);
        SessionRequest req = SessionRequest.newBuilder().setSeq(100_000).setStep(StepRequest.newBuilder()
                .setSessionId("0123456789abcdef0123456789abcdef").setActions(Value.newBuilder().setTensor(action))).build();
        StepResponse step = StepResponse.newBuilder()
                .setObservations(Value.newBuilder().setTensor(tensor(DType.DTYPE_FLOAT32, 16 * numEnvs, numEnvs, 4)))
                .setRewards(tensor(DType.DTYPE_FLOAT64, 8 * numEnvs, numEnvs))
                .setTerminated(tensor(DType.DTYPE_BOOL, numEnvs, numEnvs))
                .setTruncated(tensor(DType.DTYPE_BOOL, numEnvs, numEnvs))
                .setInfos(Value.newBuilder().setDict(DictValue.getDefaultInstance())).build();
        SessionResponse resp = SessionResponse.newBuilder().setSeq(100_000).setStep(step).build();
        return new MessageSizes(req.getSerializedSize(), resp.getSerializedSize());
    }

    private static Tensor tensor(DType dtype, int bytes, long... shape) {
        Tensor.Builder b = Tensor.newBuilder().setDtype(dtype).setData(ByteString.copyFrom(new byte[bytes]));
        for (long d : shape) {
            b.addShape(d);
        }
        return b.build();
    }
}
