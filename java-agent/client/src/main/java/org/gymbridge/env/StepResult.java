package org.gymbridge.env;

import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.Value;

/**
 * What {@link VectorEnv#step} returns for all envs at once: batched observations, and per env the
 * reward (float64, exactly as Python computed it), whether the episode terminated (a terminal state
 * of the MDP) or was truncated (time limit), plus the vector infos.
 */
public record StepResult(Value observations, double[] rewards, boolean[] terminated, boolean[] truncated,
                         DictValue infos) {

    /** Whether env {@code i}'s episode ended in this step: terminated or truncated. */
    public boolean done(int i) {
        return terminated[i] || truncated[i];
    }

    /** Typed, mask-aware access to the infos: {@code infoView().getDouble("episode/r", i)}, {@code episodes()}. */
    public Infos infoView() {
        return Infos.of(infos);
    }

    /** Number of envs in this batch. */
    public int numEnvs() {
        return rewards.length;
    }
}
