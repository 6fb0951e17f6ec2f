package org.gymbridge.agents.core;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A learning agent driven by a {@link Trainer} over a vector env. Everything is batched: one call
 * handles all envs at once, so a DL4J forward pass is paid once per vector step, never per env.
 *
 * <p>The protocol: {@code act(obs, true)} chooses the actions of one vector step, the trainer steps the
 * env and hands the outcome to {@link #observe}; whenever {@link #readyToLearn()} says so the trainer calls
 * {@link #learn} with the observations that follow the last transition (for bootstrapping).
 * {@code act(obs, false)} is the greedy policy used for evaluation; it records nothing.
 */
public interface Agent {

    /**
     * Actions for a batch of observations (one row per env): shape [numEnvs] of action indices for a
     * discrete action space, [numEnvs, actionDim] for a continuous one.
     *
     * @param explore true while training (sample from the policy, remember what learning needs);
     *                false for the deterministic greedy policy
     */
    INDArray act(INDArray observations, boolean explore);

    /** The outcome of the actions returned by the last {@code act(observations, true)}. */
    void observe(Transition transition);

    /** True when the agent has collected what its next {@link #learn} needs (PPO: a full rollout). */
    boolean readyToLearn();

    /**
     * One learning step on what was collected.
     *
     * @param nextObservations the observations after the last observed transition
     * @return named statistics of the update (losses, KL, learning rate ...), in a stable order
     */
    Map<String, Double> learn(INDArray nextObservations);

    /** Writes the agent (network and optimizer state) to a file that the agent's {@code load} reads. */
    void save(Path file) throws IOException;
}
