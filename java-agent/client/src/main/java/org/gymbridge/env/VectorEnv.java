package org.gymbridge.env;

import java.util.concurrent.CompletableFuture;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;

/**
 * {@code numEnvs} copies of one environment stepped together, mirroring gymnasium.vector.VectorEnv:
 * observations, actions, rewards and flags are batched on axis 0, and finished envs reset
 * automatically according to {@link #autoresetMode()}.
 *
 * <p>Seeding as in Gymnasium: {@code reset(seed)} seeds env i with {@code seed + i}; the same seed
 * and actions give bit-identical results. Every call reports a bad request (wrong action, step
 * before reset) as a {@code GymBridgeException} from that call only; the env stays usable. Calls
 * are thread-safe but a vector env is one sequential simulation: issue them from one thread.
 * Close it (try-with-resources) to free the server session, and a local server it started.
 */
public interface VectorEnv extends AutoCloseable {

    /** Number of sub-environments. */
    int numEnvs();

    /** Batched observation space (Gymnasium batch_space of the single one). */
    Space observationSpace();

    /** Batched action space: {@code actionSpace().sample(rng)} is a valid argument of {@link #step}. */
    Space actionSpace();

    /** Observation space of one env. */
    Space singleObservationSpace();

    /** Action space of one env. */
    Space singleActionSpace();

    /** Spec metadata (id, time limit, reward range, render modes). */
    EnvSpec spec();

    /** The autoreset mode in effect. */
    AutoresetMode autoresetMode();

    /** Resets all envs (seeded by the URL's seed on the first reset, if one was given). */
    ResetResult reset();

    /** Resets all envs, env i with seed {@code seed + i}. */
    ResetResult reset(long seed);

    /** Resets all envs, env i with {@code seeds[i]}. */
    ResetResult reset(long[] seeds);

    /**
     * Gymnasium's full reset: {@code seeds} one per env (or null), {@code resetMask} the envs to reset
     * (or null for all; with {@link AutoresetMode#DISABLED} this is how finished envs are restarted, the
     * others keep their state and observation), {@code options} passed to each env's reset (JSON-like
     * values; empty for none).
     */
    ResetResult reset(long[] seeds, boolean[] resetMask, java.util.Map<String, Object> options);

    /** Steps every env with its slice of the batched {@code actions}. */
    StepResult step(Value actions);

    /**
     * Sends the step now and returns at once; the future completes when the server answers. Steps are
     * pipelined on the session stream and applied in call order, so an agent can prepare the next
     * batch while this one runs. A failed step completes its future exceptionally with a
     * GymBridgeException as the cause ({@code join()} wraps it in a CompletionException); later steps
     * are unaffected. "Async" here is client-side pipelining (this thread does not wait); it is unrelated
     * to the server's {@code vectorization=async}, which is how the server steps the envs.
     */
    CompletableFuture<StepResult> stepAsync(Value actions);

    /** Frames of every env in the env's render_mode (uint8 [n, H, W, 3] for rgb_array, text for ansi). */
    Value render();

    /**
     * The transition model of a tabular env ({@code unwrapped.P} of FrozenLake, Taxi, CliffWalking), the
     * same for every copy; fetched from the server once, then cached.
     *
     * @throws org.gymbridge.client.NoModelException if the env exposes no tabular model (CartPole ...)
     */
    default TabularModel model() {
        throw new UnsupportedOperationException(getClass().getName() + " does not provide a tabular model");
    }

    /**
     * Saves the whole state of env {@code envIndex} on the server (see {@link Snapshot}); needs a reset env.
     *
     * @throws org.gymbridge.client.SnapshotUnsupportedException for envs whose state the server cannot copy
     * @throws org.gymbridge.client.LimitExceededException over the server's --max-snapshots-per-session
     */
    default Snapshot snapshot(int envIndex) {
        throw new UnsupportedOperationException(getClass().getName() + " does not support snapshots");
    }

    /**
     * Puts env {@code envIndex} back into {@code snapshot} (taken of that env of this vector env): its next steps
     * continue exactly as they did after the snapshot was taken; the other envs are untouched.
     */
    default void restore(int envIndex, Snapshot snapshot) {
        throw new UnsupportedOperationException(getClass().getName() + " does not support snapshots");
    }

    /**
     * {@link #restore(int, Snapshot)}, then reseeds the env's random number generators with {@code reseed}: the
     * next steps draw another outcome from the same state (a planner sampling a stochastic env).
     */
    default void restore(int envIndex, Snapshot snapshot, long reseed) {
        throw new UnsupportedOperationException(getClass().getName() + " does not support snapshots");
    }

    /**
     * Snapshots every env, one handle per env in env order (a planner's lanes, all standing at one state). A remote
     * env asks in one request (one round trip, not {@code numEnvs()}); all or none are taken.
     */
    default Snapshot[] snapshotAll() {
        Snapshot[] out = new Snapshot[numEnvs()];
        for (int i = 0; i < out.length; i++) {
            out[i] = snapshot(i);
        }
        return out;
    }

    /**
     * Restores env i from {@code snapshots[i]} for every env (taken of env i, as {@link #snapshotAll} returns them),
     * then, if {@code reseeds} is not null, reseeds env i with {@code reseeds[i]}. One request, like {@link #snapshotAll}.
     */
    default void restoreAll(Snapshot[] snapshots, long[] reseeds) {
        if (snapshots.length != numEnvs() || reseeds != null && reseeds.length != numEnvs()) {
            throw new IllegalArgumentException("restoreAll needs one snapshot (and one reseed) per env: " + numEnvs()
                    + " envs, " + snapshots.length + " snapshots" + (reseeds == null ? "" : ", " + reseeds.length + " reseeds"));
        }
        for (int i = 0; i < snapshots.length; i++) {
            if (reseeds == null) {
                restore(i, snapshots[i]);
            } else {
                restore(i, snapshots[i], reseeds[i]);
            }
        }
    }

    /** Closes (releases) these snapshots of this env; a remote env frees them all in one request. */
    default void releaseAll(Snapshot... snapshots) {
        for (Snapshot s : snapshots) {
            if (s != null) {
                s.close();
            }
        }
    }

    /** Closes the session (idempotent); also stops a local server this env started. */
    @Override
    void close();
}
