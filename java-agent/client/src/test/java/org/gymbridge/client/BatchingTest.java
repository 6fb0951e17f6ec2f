package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.DictSpace;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.tensor.ListValue;
import org.gymbridge.tensor.NoneValue;
import org.gymbridge.spaces.Space;
import org.gymbridge.spaces.TextSpace;
import org.gymbridge.spaces.TupleSpace;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;

class BatchingTest {

    @Test
    void oneEnvsValueGainsAndLosesTheBatchAxis() {
        Map<String, Space> m = new LinkedHashMap<>();
        m.put("d", new Discrete(4));
        m.put("b", Box.of(-1, 1, DType.FLOAT32, 2));
        m.put("t", new TupleSpace(List.of(new TextSpace(1, 3, "ab"), new Discrete(2))));
        DictSpace space = new DictSpace(m);
        Value v = space.sample(new SplittableRandom(3));

        DictValue batched = (DictValue) Batching.batchOne(v, space);
        assertArrayEquals(new long[] {1}, batched.tensor("d").shape());
        assertArrayEquals(new long[] {1, 2}, batched.tensor("b").shape());
        TupleValue t = (TupleValue) batched.get("t");
        assertTrue(t.get(0) instanceof TupleValue, "Text batches as a tuple of per-env strings, like Gymnasium");

        assertEquals(v, Batching.unbatchFirst(batched, space));
    }

    @Test
    void infoOfEnvZeroFollowsTheMasks() {
        DictValue infos = DictValue.of(
                "lives", Tensor.ofLongs(new long[] {3, 2}),
                "_lives", Tensor.ofBools(new boolean[] {true, true}),
                "final_obs", ListValue.of(NoneValue.INSTANCE, Tensor.scalar(1.0)),
                "_final_obs", Tensor.ofBools(new boolean[] {false, true}),
                "plain", Tensor.ofLongs(new long[] {7, 8}));
        DictValue one = Batching.unbatchInfo(infos);
        assertEquals(Tensor.ofLongs(new long[] {3}).reshape(), one.get("lives"));
        assertFalse(one.has("final_obs"), "env 0 has no final_obs");
        assertFalse(one.has("_lives"), "masks are dropped");
        assertEquals(7, one.tensor("plain").getLong(0));
    }
}
