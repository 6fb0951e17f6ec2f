package org.gymbridge.env;

import org.gymbridge.tensor.DictValue;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;

/**
 * One environment, mirroring gymnasium.Env: unbatched observations and actions. (It is a server
 * session with one env; Gymnasium's autoreset does not apply, so call {@link #reset} after an
 * episode ends, as with a plain gymnasium.Env.) Close it to free the session.
 */
public interface Env extends AutoCloseable {

    /** Observation space. */
    Space observationSpace();

    /** Action space: {@code actionSpace().sample(rng)} is a valid argument of {@link #step}. */
    Space actionSpace();

    /** Spec metadata. */
    EnvSpec spec();

    /** Starts an episode (seeded by the URL's seed on the first reset, if one was given). */
    EnvResetResult reset();

    /** Starts an episode with this seed. */
    EnvResetResult reset(long seed);

    /** Advances the env by one step. */
    EnvStepResult step(Value action);

    /** The current frame in the env's render_mode. */
    Value render();

    /**
     * The transition model of a tabular env ({@code unwrapped.P} of FrozenLake, Taxi, CliffWalking);
     * fetched from the server once, then cached.
     *
     * @throws org.gymbridge.client.NoModelException if the env exposes no tabular model (CartPole ...)
     */
    default TabularModel model() {
        throw new UnsupportedOperationException(getClass().getName() + " does not provide a tabular model");
    }

    /**
     * Saves the env's whole state on the server (see {@link Snapshot}); needs a reset env.
     *
     * @throws org.gymbridge.client.SnapshotUnsupportedException for envs whose state the server cannot copy
     */
    default Snapshot snapshot() {
        throw new UnsupportedOperationException(getClass().getName() + " does not support snapshots");
    }

    /** Puts the env back into {@code snapshot}; its next steps continue exactly as after the snapshot. */
    default void restore(Snapshot snapshot) {
        throw new UnsupportedOperationException(getClass().getName() + " does not support snapshots");
    }

    /** {@link #restore(Snapshot)}, then reseeds the env's random number generators (another sampled outcome). */
    default void restore(Snapshot snapshot, long reseed) {
        throw new UnsupportedOperationException(getClass().getName() + " does not support snapshots");
    }

    /** Closes the session (idempotent); also stops a local server this env started. */
    @Override
    void close();

    /** Observation and info after a reset. */
    record EnvResetResult(Value observation, DictValue info) {
    }

    /** One step's outcome. */
    record EnvStepResult(Value observation, double reward, boolean terminated, boolean truncated, DictValue info) {

        /** Whether the episode ended: terminated or truncated. */
        public boolean done() {
            return terminated || truncated;
        }
    }
}
