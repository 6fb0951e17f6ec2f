/**
 * The values that observations, actions and infos are made of: the sealed {@link org.gymbridge.tensor.Value}
 * with its kinds — {@link org.gymbridge.tensor.Tensor} (an immutable n-d array of raw little-endian bytes
 * with a numpy {@link org.gymbridge.tensor.DType}, exactly the wire format, so values cross without
 * conversion), dict, tuple, text, per-env list and none.
 */
package org.gymbridge.tensor;
