package org.gymbridge.agents.tabular;

import org.gymbridge.agents.core.AgentContext;

/**
 * SARSA (Sutton and Barto 6.4), on-policy TD control: choose A' from S' with the behaviour policy, then
 * {@code Q(S,A) <- Q(S,A) + alpha [R + gamma Q(S',A') - Q(S,A)]}; A' is the action taken next (it is kept in
 * {@link #plannedAction} for the next {@code act}).
 */
public final class Sarsa extends TabularAgent {

    public Sarsa(AgentContext context, TabularConfig config, long seed) {
        super(context, config, seed, "sarsa");
    }

    @Override
    protected double update(int env, int state, int action, double reward, int next, boolean terminated,
                            boolean truncated) {
        double target = reward;
        if (!terminated) {
            int nextAction = behaviour(next);
            // After a truncation the next act() is NEXT_STEP's reset step, whose action the env ignores.
            plannedAction[env] = nextAction;
            target += config.gamma() * q[next * numActions + nextAction];
        }
        int k = state * numActions + action;
        double error = target - q[k];
        q[k] += alpha() * error;
        return error;
    }
}
