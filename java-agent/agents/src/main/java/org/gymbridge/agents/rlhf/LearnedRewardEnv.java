package org.gymbridge.agents.rlhf;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.EnvSpec;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.TabularModel;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;

/**
 * A vector env whose rewards are a {@link RewardModel}'s instead of the env's: what an agent trains on in
 * RL from preferences. Everything else is the wrapped env's. Each step's reward is r(o, a) for the
 * observation the action was taken in, one batched forward for all envs; the env's own reward moves to the
 * infos as {@value #TRUE_REWARD} (float64 [numEnvs], with its {@code _true_reward} mask) and to
 * {@link #lastTrueRewards()}, for evaluation only. With {@link AutoresetMode#NEXT_STEP} the step that only
 * resets a finished env gets reward 0, as the env gives. The model may be retrained between steps.
 *
 * <p>Pipelined {@link #stepAsync} calls are fine: the server answers them in call order and the rewards are
 * computed in that order. Closing it closes the wrapped env.
 */
public final class LearnedRewardEnv implements VectorEnv {
    /** The infos key that holds the env's own reward. */
    public static final String TRUE_REWARD = "true_reward";

    private final VectorEnv env;
    private final RewardModel model;
    private final Features observationFeatures;
    private final Features actionFeatures;
    private final int numEnvs;
    private float[] lastObservations;
    private boolean[] resetPending;
    private double[] lastTrueRewards;

    /** Wraps {@code env}; {@code model}'s input must be the env's observation then action features. */
    public LearnedRewardEnv(VectorEnv env, RewardModel model) {
        this.env = env;
        this.model = model;
        this.observationFeatures = new Features(env.singleObservationSpace());
        this.actionFeatures = new Features(env.singleActionSpace());
        this.numEnvs = env.numEnvs();
        if (observationFeatures.size() + actionFeatures.size() != model.inputSize()) {
            throw new IllegalArgumentException("the reward model takes " + model.inputSize() + " features but "
                    + "the env has " + observationFeatures.size() + " observation and "
                    + actionFeatures.size() + " action features");
        }
        this.resetPending = new boolean[numEnvs];
        this.lastTrueRewards = new double[numEnvs];
    }

    /** The env's own rewards of the latest step (for evaluation; the agent must not see them). */
    public synchronized double[] lastTrueRewards() {
        return lastTrueRewards.clone();
    }

    @Override
    public StepResult step(Value actions) {
        float[] act = actionFeatures.rows(actions);
        return relabel(act, env.step(actions));
    }

    @Override
    public CompletableFuture<StepResult> stepAsync(Value actions) {
        float[] act = actionFeatures.rows(actions);
        return env.stepAsync(actions).thenApply(result -> relabel(act, result));
    }

    private synchronized StepResult relabel(float[] act, StepResult result) {
        if (lastObservations == null) {
            throw new IllegalStateException("step before reset: " + LearnedRewardEnv.class.getSimpleName()
                    + " needs the observations of a reset to compute rewards");
        }
        int obsDim = observationFeatures.size();
        int actDim = actionFeatures.size();
        int width = obsDim + actDim;
        float[] rows = new float[numEnvs * width];
        for (int i = 0; i < numEnvs; i++) {
            System.arraycopy(lastObservations, i * obsDim, rows, i * width, obsDim);
            System.arraycopy(act, i * actDim, rows, i * width + obsDim, actDim);
        }
        float[] learned = model.rewards(rows, numEnvs);
        double[] rewards = new double[numEnvs];
        for (int i = 0; i < numEnvs; i++) {
            rewards[i] = resetPending[i] ? 0 : learned[i];
            resetPending[i] = env.autoresetMode() == AutoresetMode.NEXT_STEP && result.done(i);
        }
        lastTrueRewards = result.rewards().clone();
        lastObservations = observationFeatures.rows(result.observations());
        Map<String, Value> infos = new LinkedHashMap<>(result.infos().entries());
        boolean[] mask = new boolean[numEnvs];
        java.util.Arrays.fill(mask, true);
        infos.put(TRUE_REWARD, Tensor.ofDoubles(result.rewards().clone(), numEnvs));
        infos.put("_" + TRUE_REWARD, Tensor.ofBools(mask, numEnvs));
        return new StepResult(result.observations(), rewards, result.terminated(), result.truncated(),
                new DictValue(infos));
    }

    private synchronized ResetResult observe(ResetResult r, boolean[] resetMask) {
        float[] obs = observationFeatures.rows(r.observations());
        lastObservations = obs;
        for (int i = 0; i < numEnvs; i++) {
            if (resetMask == null || resetMask[i]) {
                resetPending[i] = false;
            }
        }
        return r;
    }

    @Override
    public ResetResult reset() {
        return observe(env.reset(), null);
    }

    @Override
    public ResetResult reset(long seed) {
        return observe(env.reset(seed), null);
    }

    @Override
    public ResetResult reset(long[] seeds) {
        return observe(env.reset(seeds), null);
    }

    @Override
    public ResetResult reset(long[] seeds, boolean[] resetMask, Map<String, Object> options) {
        return observe(env.reset(seeds, resetMask, options), resetMask);
    }

    @Override
    public int numEnvs() {
        return numEnvs;
    }

    @Override
    public Space observationSpace() {
        return env.observationSpace();
    }

    @Override
    public Space actionSpace() {
        return env.actionSpace();
    }

    @Override
    public Space singleObservationSpace() {
        return env.singleObservationSpace();
    }

    @Override
    public Space singleActionSpace() {
        return env.singleActionSpace();
    }

    @Override
    public EnvSpec spec() {
        return env.spec();
    }

    @Override
    public AutoresetMode autoresetMode() {
        return env.autoresetMode();
    }

    @Override
    public Value render() {
        return env.render();
    }

    @Override
    public TabularModel model() {
        return env.model();
    }

    @Override
    public void close() {
        env.close();
    }
}
