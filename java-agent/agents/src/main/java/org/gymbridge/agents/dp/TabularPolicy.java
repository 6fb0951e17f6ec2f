package org.gymbridge.agents.dp;

import java.nio.file.Path;
import java.util.Map;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Transition;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A fixed deterministic policy (action per state, e.g. from {@link DynamicProgramming}) as an {@link Agent},
 * so that {@link org.gymbridge.agents.train.Evaluation} can run it on the env through the bridge. It reads the
 * trainer's one-hot observation rows and never learns.
 */
public final class TabularPolicy implements Agent {

    private final int[] policy;

    public TabularPolicy(int[] policy) {
        this.policy = policy.clone();
    }

    @Override
    public INDArray act(INDArray observations, boolean explore) {
        float[] rows = HostArrays.toFloats(observations);
        int n = rows.length / policy.length;
        float[] actions = new float[n];
        for (int i = 0; i < n; i++) {
            int s = 0;
            while (s < policy.length && rows[i * policy.length + s] == 0) {
                s++;
            }
            if (s == policy.length) {
                throw new IllegalArgumentException("observation row " + i + " is not a one-hot state of " + policy.length);
            }
            actions[i] = policy[s];
        }
        return HostArrays.toArray(actions, n, 1);
    }

    @Override
    public void observe(Transition transition) {
    }

    @Override
    public boolean readyToLearn() {
        return false;
    }

    @Override
    public Map<String, Double> learn(INDArray nextObservations) {
        return Map.of();
    }

    @Override
    public void save(Path file) {
        throw new UnsupportedOperationException("a fixed policy has nothing to save");
    }

    @Override
    public void load(Path file) {
        throw new UnsupportedOperationException("a fixed policy has nothing to load");
    }
}
