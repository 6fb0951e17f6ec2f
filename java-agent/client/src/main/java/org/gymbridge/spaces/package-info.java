/**
 * Gymnasium spaces ({@link org.gymbridge.spaces.Space}: Box, Discrete, MultiDiscrete, MultiBinary, Dict,
 * Tuple, Text, Sequence, Graph, OneOf) with {@code sample} and {@code contains}, and the
 * {@link org.gymbridge.spaces.Value} kinds that observations, actions and infos are made of.
 */
package org.gymbridge.spaces;
