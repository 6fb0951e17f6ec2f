/**
 * {@link org.gymbridge.tensor.Tensor}: an immutable n-d array of raw little-endian bytes with a numpy
 * {@link org.gymbridge.tensor.DType} — exactly the wire format, so values cross without conversion.
 */
package org.gymbridge.tensor;
