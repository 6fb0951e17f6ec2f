package org.gymbridge.agents.rlhf;

import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;

/**
 * Batched observations or actions as flat float rows, the reward model's input: Box values flattened,
 * Discrete values one-hot (the agents' {@link ObservationAdapter} encoding, so policy and reward model see
 * the same numbers).
 */
final class Features {
    private final ObservationAdapter adapter;

    Features(Space singleSpace) {
        this.adapter = ObservationAdapter.forSpace(singleSpace);
    }

    int size() {
        return adapter.size();
    }

    /** {@code batch} ([numEnvs, ...]) as {@code numEnvs * size()} floats, row-major. */
    float[] rows(Value batch) {
        return HostArrays.toFloats(adapter.toBatch(batch));
    }
}
