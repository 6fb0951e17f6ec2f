package org.gymbridge.agents.dqn;

import java.io.Serializable;
import org.gymbridge.agents.core.Schedule;

/**
 * DQN hyperparameters (names as in CleanRL's dqn.py / Stable-Baselines3). Step counts are env steps over all
 * envs. {@link #defaults()} are RL Baselines3 Zoo's tuned CartPole-v1 settings.
 *
 * @param learningRate         Adam step size over env steps: a number (constant) or a schedule
 *                             ({@code {start: 2.3e-3, end: 0, steps: 100000}}: linear annealing)
 * @param bufferSize           replay capacity (transitions)
 * @param gamma                discount factor
 * @param targetUpdateInterval env steps between target-network updates
 * @param tau                  target update rate (1: copy; < 1: Polyak averaging)
 * @param batchSize            transitions per gradient step
 * @param epsilon              exploration rate schedule
 * @param learningStarts       env steps of pure collection before the first update
 * @param trainFrequency       env steps between bursts of updates
 * @param gradientSteps        gradient steps per burst
 * @param network              mlp (flat observations) or cnn (image observations [H, W, C])
 * @param hidden               MLP hidden widths (ReLU)
 * @param doubleQ              Double DQN: the online net picks a', the target net values it
 * @param dueling              dueling head: Q = V + A - mean(A)
 * @param prioritized          prioritized replay (proportional, sum tree) with importance weights
 * @param priorityAlpha        PER exponent alpha
 * @param priorityBeta         PER importance-weight exponent, annealed towards 1
 * @param priorityEps          added to |TD error| for the new priority
 * @param nStep                n-step returns: R = r_t + gamma r_t+1 + ... + gamma^(n-1) r_t+n-1, bootstrap gamma^n
 * @param huber                Huber (smooth L1) loss as SB3; false: mean squared error as CleanRL. Huber suits
 *                             rewards clipped to ~1 (Atari); where Q reaches ~100 (CartPole) its clipped gradient
 *                             treats the rare terminal targets as outliers and Q overestimates: use false there
 * @param maxGradNorm          global gradient norm clip (0: off)
 * @param adamEps              Adam epsilon
 */
public record DqnConfig(Schedule learningRate, int bufferSize, double gamma, long targetUpdateInterval, double tau,
                        int batchSize, Schedule epsilon, long learningStarts, long trainFrequency, int gradientSteps,
                        Network network, int[] hidden, boolean doubleQ, boolean dueling, boolean prioritized,
                        double priorityAlpha, Schedule priorityBeta, double priorityEps, int nStep, boolean huber,
                        double maxGradNorm, double adamEps) implements Serializable {

    /** The Q-network body. */
    public enum Network { MLP, CNN }

    public DqnConfig {
        require(learningRate.start() > 0 && learningRate.end() >= 0,
                "learning_rate must start > 0 and end >= 0, got " + learningRate);
        require(bufferSize > 0, "buffer_size must be > 0");
        require(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]");
        require(targetUpdateInterval > 0, "target_update_interval must be > 0");
        require(tau > 0 && tau <= 1, "tau must be in (0, 1]");
        require(batchSize > 0, "batch_size must be > 0");
        require(learningStarts >= 0, "learning_starts must be >= 0");
        require(trainFrequency > 0, "train_frequency must be > 0");
        require(gradientSteps > 0, "gradient_steps must be > 0");
        require(nStep >= 1, "n_step must be >= 1");
        require(priorityAlpha >= 0, "priority_alpha must be >= 0");
        require(priorityEps > 0, "priority_eps must be > 0");
        require(maxGradNorm >= 0, "max_grad_norm must be >= 0 (0: no clipping)");
        hidden = hidden.clone();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("DqnConfig: " + message);
        }
    }

    /** RL Zoo's CartPole-v1 DQN: lr 2.3e-3, batch 64, buffer 100k, target every 10 steps, 128 updates per 256 steps. */
    public static DqnConfig defaults() {
        return new DqnConfig(Schedule.constant(2.3e-3), 100_000, 0.99, 10, 1.0, 64, Schedule.linear(1.0, 0.04, 16_000), 1_000, 256, 128,
                Network.MLP, new int[] {256, 256}, false, false, false, 0.6, Schedule.linear(0.4, 1.0, 100_000), 1e-6,
                1, true, 10, 1e-8);
    }

    /** This config with the DQN extensions switched as given (the registry's double-dqn, dueling-dqn, per-dqn). */
    public DqnConfig withExtensions(boolean doubleQ, boolean dueling, boolean prioritized) {
        return new DqnConfig(learningRate, bufferSize, gamma, targetUpdateInterval, tau, batchSize, epsilon,
                learningStarts, trainFrequency, gradientSteps, network, hidden, doubleQ, dueling, prioritized,
                priorityAlpha, priorityBeta, priorityEps, nStep, huber, maxGradNorm, adamEps);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }
}
