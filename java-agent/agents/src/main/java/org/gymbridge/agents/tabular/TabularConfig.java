package org.gymbridge.agents.tabular;

import java.io.Serializable;
import org.gymbridge.agents.core.Schedule;

/**
 * Hyperparameters shared by the tabular algorithms (Sutton and Barto, chapters 5-8). Schedules run over env
 * steps (all envs counted); a plain number in a config file means a constant ({@code alpha: 0.1}).
 *
 * @param alpha         step size (Monte Carlo: 0 means the sample average 1/N(s,a))
 * @param gamma         discount factor
 * @param policy        behaviour policy: epsilon_greedy or boltzmann (softmax of Q / temperature)
 * @param epsilon       exploration rate of epsilon-greedy
 * @param temperature   temperature of Boltzmann exploration
 * @param initialValue  initial Q(s, a) (optimistic values > 0 also drive exploration)
 * @param planningSteps Dyna-Q only: simulated updates from the learned model per real step
 */
public record TabularConfig(Schedule alpha, double gamma, Policy policy, Schedule epsilon, Schedule temperature,
                            double initialValue, int planningSteps) implements Serializable {

    /** The behaviour policy while training (evaluation is always greedy). */
    public enum Policy { EPSILON_GREEDY, BOLTZMANN }

    public TabularConfig {
        if (gamma < 0 || gamma > 1) {
            throw new IllegalArgumentException("gamma must be in [0, 1], got " + gamma);
        }
        if (alpha.start() < 0 || alpha.end() < 0) {
            throw new IllegalArgumentException("alpha must be >= 0");
        }
        if (epsilon.start() < 0 || epsilon.start() > 1 || epsilon.end() < 0 || epsilon.end() > 1) {
            throw new IllegalArgumentException("epsilon must stay in [0, 1]");
        }
        if (temperature.start() <= 0 || temperature.end() <= 0) {
            throw new IllegalArgumentException("temperature must be > 0");
        }
        if (planningSteps < 0) {
            throw new IllegalArgumentException("planning_steps must be >= 0");
        }
    }

    /** alpha 0.1, gamma 0.99, epsilon-greedy from 1 to 0.05 over 100k steps, Q starts at 0, 10 planning steps. */
    public static TabularConfig defaults() {
        return new TabularConfig(Schedule.constant(0.1), 0.99, Policy.EPSILON_GREEDY, Schedule.linear(1.0, 0.05, 100_000),
                Schedule.linear(1.0, 0.05, 100_000), 0.0, 10);
    }
}
