package org.gymbridge.spaces;

import java.util.Objects;
import java.util.random.RandomGenerator;
import org.gymbridge.tensor.TextValue;
import org.gymbridge.tensor.Value;

/**
 * gymnasium.spaces.Text: strings of {@code minLength..maxLength} characters (Unicode code points, as
 * Python counts them) drawn from {@code charset}. A value is a {@link TextValue} with one item.
 */
public record TextSpace(int minLength, int maxLength, String charset) implements Space {

    public TextSpace {
        Objects.requireNonNull(charset, "charset");
        if (minLength < 0 || maxLength < minLength) {
            throw new IllegalArgumentException("Text needs 0 <= minLength <= maxLength, got " + minLength + ".." + maxLength);
        }
    }

    @Override
    public TextValue sample(RandomGenerator rng) {
        // Gymnasium: length = integers(min_length, max_length + 1); characters uniformly from the charset.
        int[] chars = charset.codePoints().toArray();
        int length = minLength + rng.nextInt(maxLength - minLength + 1);
        if (chars.length == 0 && length > 0) {
            throw new IllegalStateException("cannot sample a non-empty string from an empty charset");
        }
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.appendCodePoint(chars[rng.nextInt(chars.length)]);
        }
        return TextValue.of(sb.toString());
    }

    @Override
    public boolean contains(Value v) {
        if (!(v instanceof TextValue t) || t.size() != 1) {
            return false;
        }
        String s = t.get(0);
        int len = s.codePointCount(0, s.length());
        return len >= minLength && len <= maxLength && s.codePoints().allMatch(c -> charset.indexOf(c) >= 0);
    }
}
