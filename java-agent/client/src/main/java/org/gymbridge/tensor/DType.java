package org.gymbridge.tensor;

/**
 * Element type of a {@link Tensor}, named after its numpy dtype. The wire carries these as raw
 * little-endian bytes, so every value (float64, int64, uint64, float16 ...) crosses exactly.
 */
public enum DType {
    BOOL(1, Kind.BOOL, "bool"),
    INT8(1, Kind.SIGNED, "int8"),
    UINT8(1, Kind.UNSIGNED, "uint8"),
    INT16(2, Kind.SIGNED, "int16"),
    UINT16(2, Kind.UNSIGNED, "uint16"),
    INT32(4, Kind.SIGNED, "int32"),
    UINT32(4, Kind.UNSIGNED, "uint32"),
    INT64(8, Kind.SIGNED, "int64"),
    UINT64(8, Kind.UNSIGNED, "uint64"),
    FLOAT16(2, Kind.FLOAT, "float16"),
    FLOAT32(4, Kind.FLOAT, "float32"),
    FLOAT64(8, Kind.FLOAT, "float64");

    private enum Kind { BOOL, SIGNED, UNSIGNED, FLOAT }

    private final int itemSize;
    private final Kind kind;
    private final String numpyName;

    DType(int itemSize, Kind kind, String numpyName) {
        this.itemSize = itemSize;
        this.kind = kind;
        this.numpyName = numpyName;
    }

    /** Bytes per element (BOOL is one byte holding 0 or 1). */
    public int itemSize() {
        return itemSize;
    }

    /** True for FLOAT16, FLOAT32 and FLOAT64. */
    public boolean isFloating() {
        return kind == Kind.FLOAT;
    }

    /** True for the signed and unsigned integer types (not BOOL). */
    public boolean isInteger() {
        return kind == Kind.SIGNED || kind == Kind.UNSIGNED;
    }

    /** True for UINT8 ... UINT64. */
    public boolean isUnsigned() {
        return kind == Kind.UNSIGNED;
    }

    /** The numpy name, e.g. "float32". */
    public String numpyName() {
        return numpyName;
    }

    /** The dtype with this numpy name ("float32", "uint8", "bool" ...). */
    public static DType fromNumpyName(String name) {
        for (DType d : values()) {
            if (d.numpyName.equals(name) || (d == BOOL && name.equals("bool_"))) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown numpy dtype '" + name + "'; expected one of bool, int8, uint8, "
                + "int16, uint16, int32, uint32, int64, uint64, float16, float32, float64");
    }

    /**
     * numpy's safe-casting rule ({@code np.can_cast(this, to)}): whether every value of this type is
     * exactly representable in {@code to}. Gymnasium's {@code Box.contains} uses it to accept, say,
     * an int32 array in a float64 box.
     */
    public boolean canCastTo(DType to) {
        if (this == to || this == BOOL) {
            return true;
        }
        if (to == BOOL) {
            return false;
        }
        switch (kind) {
            case FLOAT:
                return to.isFloating() && to.itemSize >= itemSize;
            case SIGNED:
                if (to.kind == Kind.SIGNED) {
                    return to.itemSize >= itemSize;
                }
                if (to.kind == Kind.FLOAT) {
                    return to.itemSize > itemSize || to == FLOAT64;
                }
                return false;
            case UNSIGNED:
                if (to.kind == Kind.UNSIGNED) {
                    return to.itemSize >= itemSize;
                }
                if (to.kind == Kind.SIGNED) {
                    return to.itemSize > itemSize;
                }
                return to.itemSize > itemSize || to == FLOAT64;
            default:
                return false;
        }
    }
}
