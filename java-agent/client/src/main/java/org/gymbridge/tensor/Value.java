package org.gymbridge.tensor;


/**
 * An observation, action or info of any nesting, as it crosses the wire: a {@link Tensor} leaf, a
 * {@link DictValue} (key order kept), a {@link TupleValue}, a {@link TextValue} (strings), a
 * {@link ListValue} (one value per env when they cannot be stacked) or {@link NoneValue}.
 *
 * <p>Exactly these six kinds exist, so a {@code switch} over a value can be exhaustive.
 */
public sealed interface Value permits Tensor, DictValue, TupleValue, TextValue, ListValue, NoneValue {

    /** This value as a tensor, or an IllegalStateException naming what it is instead. */
    default Tensor asTensor() {
        return cast(Tensor.class, this);
    }

    /** This value as a dict, or an IllegalStateException naming what it is instead. */
    default DictValue asDict() {
        return cast(DictValue.class, this);
    }

    /** This value as a tuple, or an IllegalStateException naming what it is instead. */
    default TupleValue asTuple() {
        return cast(TupleValue.class, this);
    }

    /** This value as text, or an IllegalStateException naming what it is instead. */
    default TextValue asText() {
        return cast(TextValue.class, this);
    }

    /** This value as a list, or an IllegalStateException naming what it is instead. */
    default ListValue asList() {
        return cast(ListValue.class, this);
    }

    private static <T extends Value> T cast(Class<T> type, Value v) {
        if (type.isInstance(v)) {
            return type.cast(v);
        }
        throw new IllegalStateException("expected a " + type.getSimpleName() + " but the value is a "
                + v.getClass().getSimpleName() + ": " + v);
    }
}
