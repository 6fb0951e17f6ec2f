package org.gymbridge.agents.ppo;

import java.io.Serializable;

/**
 * PPO hyperparameters (names and meaning as in CleanRL's ppo.py). {@link #defaults()} are tuned for
 * CartPole-v1 with 8 envs; change one with the {@code with...} methods.
 *
 * @param totalSteps       env steps of the whole run (over all envs); sets the learning-rate schedule
 * @param learningRate     Adam step size at the start
 * @param annealLr         decay the learning rate linearly to 0 over the run
 * @param numSteps         vector steps per rollout (a rollout is numSteps x numEnvs transitions)
 * @param gamma            discount factor
 * @param gaeLambda        GAE lambda
 * @param numMinibatches   minibatches per epoch
 * @param updateEpochs     passes over each rollout
 * @param normAdvantages   normalize advantages per minibatch
 * @param clipCoef         surrogate clipping epsilon
 * @param clipValueLoss    clip the value update around the old value as well
 * @param entCoef          entropy bonus coefficient
 * @param vfCoef           value loss coefficient
 * @param maxGradNorm      global gradient L2 norm limit
 * @param targetKl         stop the epochs early when the approximate KL exceeds this (0: never)
 * @param adamEps          Adam epsilon (CleanRL uses 1e-5)
 * @param hidden           hidden layer widths of the policy and of the value MLP
 * @param stateIndependentStd Box actions: the Gaussian's log std is one learned vector (CleanRL's
 *                         {@code actor_logstd}, starting at 0) rather than a network output
 * @param normObs          normalize observations by running mean and std, clipped to +-10 (Gymnasium's
 *                         NormalizeObservation, inside the agent so that its statistics are checkpointed)
 * @param normReward       scale rewards by the running std of the discounted return, clipped to +-10
 *                         (Gymnasium's NormalizeReward)
 * @param encoder          the observation encoder: {@code mlp} (the {@code hidden} tanh MLPs), {@code nature_cnn}
 *                         (the Nature-DQN {@link org.gymbridge.agents.nn.ConvEncoder}, one trunk shared by
 *                         policy and value; needs uint8 image observations) or {@code auto} (the CNN for uint8
 *                         image observations, else the MLP)
 */
public record PpoConfig(long totalSteps, double learningRate, boolean annealLr, int numSteps, double gamma,
                        double gaeLambda, int numMinibatches, int updateEpochs, boolean normAdvantages,
                        double clipCoef, boolean clipValueLoss, double entCoef, double vfCoef, double maxGradNorm,
                        double targetKl, double adamEps, int[] hidden, boolean stateIndependentStd, boolean normObs,
                        boolean normReward, String encoder) implements Serializable {

    /** {@link #encoder} values. */
    public static final java.util.List<String> ENCODERS = java.util.List.of("auto", "mlp", "nature_cnn");

    public PpoConfig {
        require(totalSteps > 0, "totalSteps must be > 0");
        require(learningRate > 0, "learningRate must be > 0");
        require(numSteps > 0, "numSteps must be > 0");
        require(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]");
        require(gaeLambda >= 0 && gaeLambda <= 1, "gaeLambda must be in [0, 1]");
        require(numMinibatches > 0, "numMinibatches must be > 0");
        require(updateEpochs > 0, "updateEpochs must be > 0");
        require(clipCoef > 0, "clipCoef must be > 0");
        require(maxGradNorm > 0, "maxGradNorm must be > 0");
        require(targetKl >= 0, "targetKl must be >= 0 (0 disables early stopping)");
        hidden = hidden.clone();
        encoder = encoder == null ? "auto" : encoder.toLowerCase(java.util.Locale.ROOT).replace('-', '_');
        require(ENCODERS.contains(encoder), "encoder must be one of " + ENCODERS + ", got '" + encoder + "'");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("PpoConfig: " + message);
        }
    }

    /** Defaults for CartPole-v1 with 8 envs. */
    public static PpoConfig defaults() {
        return new PpoConfig(150_000, 2.5e-3, true, 128, 0.99, 0.95, 4, 4, true, 0.2, true, 0.01, 0.5, 0.5, 0,
                1e-5, new int[] {64, 64}, true, false, false, "auto");
    }

    /**
     * Continuous control as in CleanRL's ppo_continuous_action.py (MuJoCo): 1 env x 2048 steps, 32 minibatches,
     * 10 epochs, lr 3e-4 annealed, no entropy bonus, normalized observations and rewards, 1M steps.
     */
    public static PpoConfig mujoco() {
        return new PpoConfig(1_000_000, 3e-4, true, 2048, 0.99, 0.95, 32, 10, true, 0.2, true, 0.0, 0.5, 0.5, 0,
                1e-5, new int[] {64, 64}, true, true, true, "auto");
    }

    /** Pendulum-v1 with 8 envs: short horizon (gamma 0.9), 10 epochs of 8 minibatches, normalized obs and rewards. */
    public static PpoConfig pendulum() {
        return new PpoConfig(300_000, 1e-3, true, 256, 0.9, 0.95, 8, 10, true, 0.2, false, 0.0, 0.5, 0.5, 0,
                1e-5, new int[] {64, 64}, true, true, true, "auto");
    }

    public PpoConfig withTotalSteps(long value) {
        return new PpoConfig(value, learningRate, annealLr, numSteps, gamma, gaeLambda, numMinibatches, updateEpochs,
                normAdvantages, clipCoef, clipValueLoss, entCoef, vfCoef, maxGradNorm, targetKl, adamEps, hidden,
                stateIndependentStd, normObs, normReward, encoder);
    }

    public PpoConfig withLearningRate(double value) {
        return new PpoConfig(totalSteps, value, annealLr, numSteps, gamma, gaeLambda, numMinibatches, updateEpochs,
                normAdvantages, clipCoef, clipValueLoss, entCoef, vfCoef, maxGradNorm, targetKl, adamEps, hidden,
                stateIndependentStd, normObs, normReward, encoder);
    }

    public PpoConfig withNumSteps(int value) {
        return new PpoConfig(totalSteps, learningRate, annealLr, value, gamma, gaeLambda, numMinibatches, updateEpochs,
                normAdvantages, clipCoef, clipValueLoss, entCoef, vfCoef, maxGradNorm, targetKl, adamEps, hidden,
                stateIndependentStd, normObs, normReward, encoder);
    }

    public PpoConfig withEpochs(int value) {
        return new PpoConfig(totalSteps, learningRate, annealLr, numSteps, gamma, gaeLambda, numMinibatches, value,
                normAdvantages, clipCoef, clipValueLoss, entCoef, vfCoef, maxGradNorm, targetKl, adamEps, hidden,
                stateIndependentStd, normObs, normReward, encoder);
    }

    public PpoConfig withMinibatches(int value) {
        return new PpoConfig(totalSteps, learningRate, annealLr, numSteps, gamma, gaeLambda, value, updateEpochs,
                normAdvantages, clipCoef, clipValueLoss, entCoef, vfCoef, maxGradNorm, targetKl, adamEps, hidden,
                stateIndependentStd, normObs, normReward, encoder);
    }

    public PpoConfig withEntCoef(double value) {
        return new PpoConfig(totalSteps, learningRate, annealLr, numSteps, gamma, gaeLambda, numMinibatches,
                updateEpochs, normAdvantages, clipCoef, clipValueLoss, value, vfCoef, maxGradNorm, targetKl, adamEps,
                hidden, stateIndependentStd, normObs, normReward, encoder);
    }

    public PpoConfig withEncoder(String value) {
        return new PpoConfig(totalSteps, learningRate, annealLr, numSteps, gamma, gaeLambda, numMinibatches,
                updateEpochs, normAdvantages, clipCoef, clipValueLoss, entCoef, vfCoef, maxGradNorm, targetKl, adamEps,
                hidden, stateIndependentStd, normObs, normReward, value);
    }

    /**
     * Pixel observations (Crafter, Atari-like frames) as CleanRL's ppo_atari.py: the Nature CNN, lr 2.5e-4
     * annealed, 8 envs x 128 steps, 4 epochs of 4 minibatches, clip 0.1, entropy 0.01, 1M steps by default.
     */
    public static PpoConfig pixels() {
        return new PpoConfig(1_000_000, 2.5e-4, true, 128, 0.99, 0.95, 4, 4, true, 0.1, true, 0.01, 0.5, 0.5, 0,
                1e-5, new int[] {64, 64}, true, false, false, "nature_cnn");
    }

    public PpoConfig withNormalization(boolean observations, boolean rewards) {
        return new PpoConfig(totalSteps, learningRate, annealLr, numSteps, gamma, gaeLambda, numMinibatches,
                updateEpochs, normAdvantages, clipCoef, clipValueLoss, entCoef, vfCoef, maxGradNorm, targetKl, adamEps,
                hidden, stateIndependentStd, observations, rewards, encoder);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    @Override
    public String toString() {
        return String.format("PpoConfig[totalSteps=%d, learningRate=%g, annealLr=%b, numSteps=%d, gamma=%g, gaeLambda=%g,"
                + " numMinibatches=%d, updateEpochs=%d, normAdvantages=%b, clipCoef=%g, clipValueLoss=%b, entCoef=%g,"
                + " vfCoef=%g, maxGradNorm=%g, targetKl=%g, adamEps=%g, hidden=%s, stateIndependentStd=%b, normObs=%b,"
                + " normReward=%b, encoder=%s]", totalSteps, learningRate, annealLr,
                numSteps, gamma, gaeLambda, numMinibatches, updateEpochs, normAdvantages, clipCoef, clipValueLoss,
                entCoef, vfCoef, maxGradNorm, targetKl, adamEps, java.util.Arrays.toString(hidden), stateIndependentStd,
                normObs, normReward, encoder);
    }

    /** Transitions per rollout. */
    public int batchSize(int numEnvs) {
        return numSteps * numEnvs;
    }
}
