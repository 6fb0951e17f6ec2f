package org.gymbridge.env;

import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.Value;

/**
 * What {@link VectorEnv#reset} returns: batched observations (a member of the batched observation
 * space) and the vector infos (Gymnasium layout: {@code key -> batch}, {@code "_key" -> mask}).
 */
public record ResetResult(Value observations, DictValue infos) {

    /** Typed, mask-aware access to the infos (see {@link Infos}). */
    public Infos infoView() {
        return Infos.of(infos);
    }
}
