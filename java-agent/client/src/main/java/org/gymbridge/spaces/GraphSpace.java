package org.gymbridge.spaces;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.NoneValue;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.Value;

/**
 * gymnasium.spaces.Graph: graphs whose nodes carry {@code nodeSpace} features and whose edges (if
 * {@code edgeSpace} is not null) carry {@code edgeSpace} features. A value is a {@link DictValue}
 * {@code {nodes, edges, edge_links}} like Gymnasium's GraphInstance. Sampling is not supported.
 */
public record GraphSpace(Space nodeSpace, Space edgeSpace) implements Space {

    public GraphSpace {
        Objects.requireNonNull(nodeSpace, "nodeSpace");
    }

    @Override
    public Value sample(RandomGenerator rng) {
        throw new UnsupportedOperationException("sampling a Graph space is not supported by the Java client; "
                + "build a DictValue {nodes, edges, edge_links} yourself");
    }

    @Override
    public boolean contains(Value v) {
        if (!(v instanceof DictValue d) || !d.has("nodes") || !(d.get("nodes") instanceof Tensor nodes)) {
            return false;
        }
        if (!featuresIn(nodes, nodeSpace)) {
            return false;
        }
        if (edgeSpace == null) {
            return !d.has("edges") || d.get("edges") instanceof NoneValue;
        }
        if (!(d.get("edges") instanceof Tensor edges) || !featuresIn(edges, edgeSpace)) {
            return false;
        }
        if (!(d.get("edge_links") instanceof Tensor links) || !links.dtype().isInteger()) {
            return false;
        }
        long[] ls = links.shape();
        if (!Arrays.equals(ls, new long[] {edges.rank() == 0 ? 0 : edges.dim(0), 2})) {
            return false;
        }
        for (long i = 0; i < links.size(); i++) {
            long x = links.getLong(i);
            if (x < 0 || x >= nodes.dim(0)) {
                return false;
            }
        }
        return true;
    }

    private static boolean featuresIn(Tensor t, Space space) {
        if (t.rank() == 0) {
            return false;
        }
        for (int i = 0; i < t.dim(0); i++) {
            if (!space.contains(t.get(i))) {
                return false;
            }
        }
        return true;
    }
}
