package org.gymbridge.agents.core;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.gymbridge.agents.train.Trainer;
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

    /**
     * Writes everything needed to continue training exactly where it stands: networks, optimizer moments,
     * replay buffer, counters, schedules and the state of every random generator the agent draws from
     * (agents draw all randomness after construction from their own {@link java.util.Random}, which is
     * {@link java.io.Serializable}; ND4J's global generator is only used for weight init at construction).
     * {@link #load} on a fresh agent made by the same factory with the same config restores it.
     */
    void save(Path file) throws IOException;

    /**
     * Restores the state written by {@link #save} into this agent, which was made by the same
     * {@link Algorithm} factory with the same config and env shape. After loading, the agent behaves bit for
     * bit like the one that was saved (same actions, same updates, same random draws).
     */
    void load(Path file) throws IOException;
}
