package org.gymbridge.tensor;

/** Python None: e.g. the {@code final_obs} entry of an env whose episode did not end. */
public enum NoneValue implements Value {
    INSTANCE;

    @Override
    public String toString() {
        return "None";
    }
}
