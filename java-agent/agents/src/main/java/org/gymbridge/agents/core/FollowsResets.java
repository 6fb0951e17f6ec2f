package org.gymbridge.agents.core;

/**
 * An agent that keeps its own copy of the env it acts on — a planner's model session (MCTS) — and so must
 * hear of every seeded reset of that env. {@link org.gymbridge.agents.train.StepLoop} and
 * {@link org.gymbridge.agents.train.Evaluation} call {@link #envReset} right before they reset the env with
 * {@code seed}; the agent then resets its copy with the same seed and follows the env step by step through
 * {@link Agent#observe} (evaluations, which observe nothing, are followed through the actions it returned).
 */
public interface FollowsResets {

    /** The env this agent acts on is about to be reset with {@code seed} (env i with seed + i). */
    void envReset(long seed);
}
