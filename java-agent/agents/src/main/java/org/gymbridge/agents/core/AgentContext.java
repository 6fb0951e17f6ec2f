package org.gymbridge.agents.core;

import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.Space;

/**
 * What an {@link Algorithm} factory knows about the run it builds an agent for: the single-env spaces,
 * the number of envs stepped together, the env id and the run's total env steps (for schedules that are
 * defined over the whole run, such as PPO's learning-rate annealing).
 *
 * @param observationSpace the env's {@code singleObservationSpace()}
 * @param actionSpace      the env's {@code singleActionSpace()}
 * @param numEnvs          envs per vector step (the rows of every {@link Agent#act} batch while training)
 * @param envId            the Gymnasium id, e.g. {@code CartPole-v1}
 * @param totalSteps       env steps the run trains for (over all envs)
 * @param envUrl           the URL the env was made from (planners such as MCTS make their own model session
 *                         from it); null when unknown
 * @param runDir           the run folder of a {@code gymbridge train} run (agents that exchange files with people
 *                         while training, such as ppo-rlhf's label queries, keep them there); null without one
 */
public record AgentContext(Space observationSpace, Space actionSpace, int numEnvs, String envId, long totalSteps,
                           String envUrl, java.nio.file.Path runDir) {

    /** A context without a run folder. */
    public AgentContext(Space observationSpace, Space actionSpace, int numEnvs, String envId, long totalSteps,
                        String envUrl) {
        this(observationSpace, actionSpace, numEnvs, envId, totalSteps, envUrl, null);
    }

    /** A context without the env's URL (agents that only see observations need none). */
    public AgentContext(Space observationSpace, Space actionSpace, int numEnvs, String envId, long totalSteps) {
        this(observationSpace, actionSpace, numEnvs, envId, totalSteps, null, null);
    }

    /** The observation adapter the trainer uses for this env: one-hot rows for Discrete, flat floats for Box. */
    public ObservationAdapter observations() {
        return ObservationAdapter.forSpace(observationSpace);
    }

    /** The action adapter the trainer uses for this env. */
    public ActionAdapter actions() {
        return ActionAdapter.forSpace(actionSpace);
    }

    /** Number of states of a Discrete observation space, with a clear error for other spaces. */
    public int discreteStates(String algorithm) {
        if (observationSpace instanceof Discrete d) {
            return Math.toIntExact(d.n());
        }
        throw new IllegalArgumentException(algorithm + " needs a Discrete observation space (a table of states), but "
                + envId + " observes " + observationSpace + ": use a toy-text env (FrozenLake-v1, Taxi-v4, CliffWalking-v1)"
                + " or a function-approximation algorithm such as dqn");
    }

    /** Number of actions of a Discrete action space, with a clear error for other spaces. */
    public int discreteActions(String algorithm) {
        if (actionSpace instanceof Discrete d) {
            return Math.toIntExact(d.n());
        }
        throw new IllegalArgumentException(algorithm + " needs a Discrete action space, but " + envId + " acts in "
                + actionSpace + ": use an algorithm for continuous actions (ppo, sac, td3, ddpg)");
    }
}
