package org.gymbridge.agents.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.gymbridge.agents.core.ActionAdapter;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.spaces.MultiDiscrete;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** MultiDiscrete action spaces: PolicyHead picks a MultiCategorical, ActionAdapter sends index + start. */
class MultiDiscreteActionsTest {

    private final MultiDiscrete space = new MultiDiscrete(Tensor.ofLongs(new long[] {3, 4}, 2),
            Tensor.ofLongs(new long[] {-1, 10}, 2), DType.INT64);

    @Test
    void policyHeadSamplesOneIndexPerComponentAndTheAdapterAddsTheStart() {
        PolicyHead head = PolicyHead.forSpace(space, true, 0);
        assertTrue(head.distribution() instanceof MultiCategorical);
        assertEquals(7, head.networkOutputSize());
        assertEquals(2, head.distribution().actionSize());

        float[] logits = new float[2 * 7];      // uniform
        float[] actions = new float[2 * 2];
        head.distribution().sample(logits, new Random(1), actions);
        Tensor value = (Tensor) ActionAdapter.forSpace(space).toValue(HostArrays.toArray(actions, 2, 2));
        assertArrayEquals(new long[] {2, 2}, value.shape());
        assertEquals(DType.INT64, value.dtype());
        long[] sent = value.toLongArray();
        for (int i = 0; i < 2; i++) {
            assertEquals((long) actions[i * 2] - 1, sent[i * 2]);
            assertEquals((long) actions[i * 2 + 1] + 10, sent[i * 2 + 1]);
            assertTrue(space.contains(value.get(i)), "action " + value.get(i) + " must be in " + space);
        }
    }
}
