package org.gymbridge.client;

import org.gymbridge.env.Env;
import org.gymbridge.env.EnvSpec;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;

/** An {@link Env} over a one-env session: actions gain a batch axis, results lose it. */
final class SingleEnv implements Env {
    private final RemoteVectorEnv vec;

    SingleEnv(RemoteVectorEnv vec) {
        this.vec = vec;
    }

    @Override
    public Space observationSpace() {
        return vec.singleObservationSpace();
    }

    @Override
    public Space actionSpace() {
        return vec.singleActionSpace();
    }

    @Override
    public EnvSpec spec() {
        return vec.spec();
    }

    @Override
    public EnvResetResult reset() {
        return unbatch(vec.reset());
    }

    @Override
    public EnvResetResult reset(long seed) {
        return unbatch(vec.reset(seed));
    }

    @Override
    public EnvStepResult step(Value action) {
        if (action == null) {
            throw new IllegalArgumentException("action must not be null; pass a value of actionSpace(), "
                    + "e.g. actionSpace().sample(rng)");
        }
        StepResult r = vec.step(Batching.batchOne(action, vec.singleActionSpace()));
        return new EnvStepResult(Batching.unbatchFirst(r.observations(), vec.singleObservationSpace()),
                r.rewards()[0], r.terminated()[0], r.truncated()[0], Batching.unbatchInfo(r.infos()));
    }

    @Override
    public Value render() {
        Value frames = vec.render();
        if (frames instanceof org.gymbridge.tensor.Tensor t && t.rank() > 0) {
            return t.get(0); // uint8 [1, H, W, 3] -> [H, W, 3]
        }
        if (frames instanceof org.gymbridge.tensor.ListValue l && l.size() == 1) {
            return l.get(0);
        }
        return frames; // ansi text: one string for the one env
    }

    @Override
    public org.gymbridge.env.TabularModel model() {
        return vec.model();
    }

    @Override
    public org.gymbridge.env.Snapshot snapshot() {
        return vec.snapshot(0);
    }

    @Override
    public void restore(org.gymbridge.env.Snapshot snapshot) {
        vec.restore(0, snapshot);
    }

    @Override
    public void restore(org.gymbridge.env.Snapshot snapshot, long reseed) {
        vec.restore(0, snapshot, reseed);
    }

    @Override
    public void close() {
        vec.close();
    }

    /** The vector env underneath (one copy). */
    RemoteVectorEnv vectorEnv() {
        return vec;
    }

    private EnvResetResult unbatch(ResetResult r) {
        return new EnvResetResult(Batching.unbatchFirst(r.observations(), vec.singleObservationSpace()),
                Batching.unbatchInfo(r.infos()));
    }

    @Override
    public String toString() {
        return "Env(" + vec + ")";
    }
}
