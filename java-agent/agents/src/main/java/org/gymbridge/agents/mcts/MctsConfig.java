package org.gymbridge.agents.mcts;

import java.io.Serializable;

/**
 * Hyperparameters of {@link Mcts} (UCT, Kocsis and Szepesvári 2006).
 *
 * @param simulations     simulations per move: each restores the root snapshot and descends the tree once
 * @param exploration     UCT's constant c in Q(s,a) + c sqrt(ln N(s) / N(s,a)), with Q normalised to [0, 1] over
 *                        the values seen in the tree (so one c fits CartPole's returns and Taxi's alike)
 * @param depth           at most this many model steps per simulation (tree descent plus rollout)
 * @param gamma           discount of the simulated returns
 * @param rollout         how a new leaf is valued: RANDOM (uniform actions) or AGENT (a trained agent's greedy
 *                        policy, loaded from {@code rolloutAgentRun})
 * @param rolloutAgentRun with rollout AGENT: a {@code gymbridge train} run folder whose checkpoint/agent.bin plays
 *                        the rollouts
 * @param reseed          restore each simulation's root with a fresh seed for the env's random number generator, so
 *                        chance nodes see sampled outcomes rather than the real env's own future (keep it on)
 * @param transpositions  one node per state (observation and end flags) for the whole episode, however it was
 *                        reached: the search runs over a graph of states rather than a tree of paths (right when the
 *                        observation is the env's state, as in FrozenLake, Taxi and CartPole; off: one node per
 *                        path, the subtree of the real outcome reused)
 * @param lanes           simulations run side by side, one per env of the model session (its {@code num_envs}): each
 *                        walk or rollout step of all lanes is one batched model step, each round's restore one
 *                        call, so a round of {@code lanes} simulations costs about as many round trips as
 *                        one simulation; lanes choosing in the same round spread out by counting each other's pending
 *                        visits
 * @param backup          BELLMAN: {@code Q(s,a) = sum_o p(o) (r_o + gamma V(s_o))}, {@code V(s) = max_a Q(s,a)}, carried
 *                        to every parent of a changed state (for small stochastic graphs: FrozenLake, Taxi); MEAN:
 *                        classic UCT, Q(s,a) the mean discounted return of the simulations through (s,a) (for long
 *                        deterministic horizons valued by noisy rollouts: CartPole)
 */
public record MctsConfig(int simulations, double exploration, int depth, double gamma, Rollout rollout,
                         String rolloutAgentRun, boolean reseed, boolean transpositions, int lanes, Backup backup)
        implements Serializable {

    /** How a new leaf is valued. */
    public enum Rollout { RANDOM, AGENT }

    /** How simulated returns become action values. */
    public enum Backup { BELLMAN, MEAN }

    public MctsConfig {
        require(simulations > 0, "simulations must be > 0");
        require(exploration >= 0, "exploration must be >= 0");
        require(depth > 0, "depth must be > 0");
        require(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]");
        require(lanes > 0, "lanes must be > 0");
        backup = backup == null ? Backup.BELLMAN : backup;
        rolloutAgentRun = rolloutAgentRun == null ? "" : rolloutAgentRun;
        require(rollout != Rollout.AGENT || !rolloutAgentRun.isEmpty(),
                "rollout: agent needs rollout_agent_run, the run folder of a trained agent");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("mcts config: " + message);
        }
    }

    /**
     * 64 simulations per move in 8 lanes, c = 1.0, 50 steps deep, gamma 0.99, random rollouts, reseeded,
     * transpositions, Bellman backups.
     */
    public static MctsConfig defaults() {
        return new MctsConfig(64, 1.0, 50, 0.99, Rollout.RANDOM, "", true, true, 8, Backup.BELLMAN);
    }

    /** The same config with another number of simulations per move. */
    public MctsConfig withSimulations(int n) {
        return new MctsConfig(n, exploration, depth, gamma, rollout, rolloutAgentRun, reseed, transpositions, lanes, backup);
    }

    /** The same config with another number of lanes. */
    public MctsConfig withLanes(int n) {
        return new MctsConfig(simulations, exploration, depth, gamma, rollout, rolloutAgentRun, reseed, transpositions, n, backup);
    }
}
