/**
 * Gymnasium spaces ({@link org.gymbridge.spaces.Space}: Box, Discrete, MultiDiscrete, MultiBinary, Dict,
 * Tuple, Text, Sequence, Graph, OneOf) with {@code sample} and {@code contains}; the values they sample and
 * contain are {@link org.gymbridge.tensor.Value}s.
 */
package org.gymbridge.spaces;
