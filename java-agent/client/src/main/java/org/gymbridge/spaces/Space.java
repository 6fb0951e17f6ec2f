package org.gymbridge.spaces;

import java.util.random.RandomGenerator;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Value;

/**
 * A Gymnasium space (gymnasium.spaces.Space): the set of valid observations or actions.
 * {@link #sample} draws a random member with Gymnasium's distributions (the same distributions, not
 * the same numbers: Java and numpy generators differ); {@link #contains} checks membership exactly
 * as the server's Gymnasium would (dtype, shape, bounds).
 */
public sealed interface Space
        permits Box, Discrete, MultiDiscrete, MultiBinary, DictSpace, TupleSpace, TextSpace,
                SequenceSpace, GraphSpace, OneOfSpace {

    /** A random member of this space drawn from {@code rng}. */
    Value sample(RandomGenerator rng);

    /** Whether {@code v} is a member of this space. */
    boolean contains(Value v);

    /** Shape of one sample; empty for scalars and for composite spaces (Dict, Tuple, Text ...). */
    default long[] shape() {
        return new long[0];
    }

    /** Element type of samples; null for composite spaces. */
    default DType dtype() {
        return null;
    }
}
