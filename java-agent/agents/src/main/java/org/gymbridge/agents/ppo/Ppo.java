package org.gymbridge.agents.ppo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.buffers.RolloutBuffer;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.agents.core.Seeding;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.nn.ActorCritic;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.agents.nn.ConvEncoder;
import org.gymbridge.agents.nn.RunningMeanStd;
import org.gymbridge.agents.policy.ActionDistribution;
import org.gymbridge.agents.policy.Categorical;
import org.gymbridge.agents.policy.Gae;
import org.gymbridge.agents.policy.PolicyGradient;
import org.gymbridge.agents.policy.PolicyHead;
import org.gymbridge.agents.policy.RewardNormalizer;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Space;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Proximal Policy Optimization (Schulman et al. 2017), following CleanRL's ppo.py: collect a rollout of
 * numSteps x numEnvs transitions with one batched forward pass per vector step, compute GAE advantages,
 * then run a few epochs of minibatch updates on the clipped surrogate objective with a value loss and an
 * entropy bonus.
 *
 * <p>The loss gradient is derived by hand (see {@link #updateMinibatch}) and back-propagated through the
 * DL4J {@link ActorCritic} graph as external errors; {@link Adam} applies it after global norm clipping.
 * Actions come from an {@link ActionDistribution}: {@link Categorical} for Discrete action spaces,
 * {@link org.gymbridge.agents.policy.DiagonalGaussian} for Box ones (via {@link PolicyHead}); the algorithm itself does not
 * change. Continuous control adds a state-independent log std and observation/reward normalization (PpoConfig).
 *
 * <p>Used through {@link org.gymbridge.agents.train.Trainer}, which steps the env and calls
 * {@link #act}, {@link #observe} and {@link #learn}.
 */
public final class Ppo implements Agent {

    private final PpoConfig config;
    private final int numEnvs;
    private final int obsSize;
    private final PolicyHead head;
    private final ActionDistribution distribution;
    // Optional normalization (PpoConfig.normObs / normReward), part of the agent so checkpoints keep it.
    private RunningMeanStd obsStats;
    private RewardNormalizer rewards;
    private final int actionWidth;
    // Image observations: the CNN's input conversion (channels first, scaled once per batch); null for the MLP.
    private final ConvEncoder encoder;
    private final ActorCritic net;
    private final Adam adam;
    private Random rng;

    // The rollout: network inputs (normalized when normObs is on), actions, log-probabilities, values, outcomes.
    private final RolloutBuffer rollout;
    private int update;

    /**
     * A new agent for {@code numEnvs} envs with observations of {@code obsSize} features and actions drawn from
     * {@code distribution}. The seed fixes weight init, action sampling and minibatch order.
     */
    public Ppo(PpoConfig config, int numEnvs, int obsSize, ActionDistribution distribution, long seed) {
        this(config, numEnvs, obsSize, PolicyHead.of(distribution), seed, null, null);
    }

    /** A new agent whose actions come from {@code head} (see {@link PolicyHead#forSpace}). */
    public Ppo(PpoConfig config, int numEnvs, int obsSize, PolicyHead head, long seed) {
        this(config, numEnvs, obsSize, head, seed, null, null);
    }

    /**
     * A new agent for observations of {@code observationSpace}: with {@link PpoConfig#encoder()} {@code nature_cnn}
     * (or {@code auto} and a uint8 image space) a {@link ConvEncoder} CNN, else the MLP.
     */
    public Ppo(PpoConfig config, int numEnvs, Space observationSpace, PolicyHead head, long seed) {
        this(config, numEnvs, ObservationAdapter.forSpace(observationSpace).size(), head, seed, null,
                encoderFor(config, observationSpace));
    }

    private static ConvEncoder encoderFor(PpoConfig config, Space observationSpace) {
        boolean cnn = switch (config.encoder()) {
            case "nature_cnn" -> true;
            case "mlp" -> false;
            default -> ConvEncoder.isImage(observationSpace);
        };
        if (cnn && config.normObs()) {
            throw new IllegalArgumentException("PpoConfig: norm_obs does not apply to image observations (the CNN"
                    + " scales uint8 frames by 1/255): set norm_obs: false or encoder: mlp");
        }
        return cnn ? ConvEncoder.forSpace(observationSpace) : null;
    }

    private Ppo(PpoConfig config, int numEnvs, int obsSize, PolicyHead head, long seed, ActorCritic restored,
                ConvEncoder encoder) {
        this.config = config;
        this.numEnvs = numEnvs;
        this.obsSize = obsSize;
        this.head = head;
        this.distribution = head.distribution();
        this.actionWidth = distribution.actionSize();
        this.encoder = encoder;
        this.rng = Seeding.seed(seed);
        if (encoder != null && encoder.size() != obsSize) {
            throw new IllegalArgumentException("CNN encoder for " + encoder + " takes " + encoder.size()
                    + " values per observation, not " + obsSize);
        }
        this.net = restored != null ? restored
                : encoder != null ? ActorCritic.createCnn(encoder, head.networkOutputSize(), rng)
                : ActorCritic.create(obsSize, head.networkOutputSize(), config.hidden(), rng);
        this.obsStats = config.normObs() ? new RunningMeanStd(obsSize) : null;
        this.rewards = config.normReward() ? new RewardNormalizer(numEnvs, config.gamma()) : null;
        this.adam = new Adam(net.params().length(), 0.9, 0.999, config.adamEps());
        this.rollout = RolloutBuffer.of(config.numSteps(), numEnvs, obsSize, actionWidth);
    }

    /**
     * A new agent sized for {@code env}'s spaces: {@link Categorical} for Discrete actions, MultiCategorical for
     * MultiDiscrete, a {@link org.gymbridge.agents.policy.DiagonalGaussian} for a Box (log std state-independent unless the config says not).
     * {@link PpoConfig#defaults()} is tuned for CartPole; {@link PpoConfig#pendulum()} and
     * {@link PpoConfig#mujoco()} for continuous control.
     */
    public static Ppo forEnv(VectorEnv env, PpoConfig config, long seed) {
        return new Ppo(config, env.numEnvs(), env.singleObservationSpace(),
                PolicyHead.forSpace(env.singleActionSpace(), config.stateIndependentStd(), 0.0), seed);
    }

    /** The registry's factory ({@code gymbridge train --algo ppo}): {@link #forEnv} for the context's spaces. */
    public static Ppo create(AgentContext context, PpoConfig config, long seed) {
        return new Ppo(config, context.numEnvs(), context.observationSpace(),
                PolicyHead.forSpace(context.actionSpace(), config.stateIndependentStd(), 0.0), seed);
    }

    /** Restores an agent written by {@link #save} (network, config, policy head, normalizers, optimizer state). */
    public static Ppo load(Path file, int numEnvs, long seed) throws IOException {
        Checkpoint checkpoint = Checkpoint.read(file, "ppo");
        PpoConfig config = checkpoint.get("config", PpoConfig.class);
        PolicyHead head = checkpoint.get("head", PolicyHead.class);
        ActorCritic net = new ActorCritic(checkpoint.graph("net"));
        ConvEncoder encoder = checkpoint.get("encoder", ConvEncoder.class);
        int obsSize = encoder != null ? encoder.size() : (int) net.graph().layerInputSize(0);
        Ppo ppo = new Ppo(config, numEnvs, obsSize, head, seed, net, encoder);
        checkpoint.restoreOptimizer("net", ppo.adam);
        ppo.restoreNormalizers(checkpoint);
        return ppo;
    }

    /** Normalizer statistics and the per-env discounted returns of reward normalization. */
    private record Normalizers(RunningMeanStd observations, RunningMeanStd returns, double[] discountedReturn)
            implements java.io.Serializable {
    }

    private void restoreNormalizers(Checkpoint checkpoint) throws IOException {
        Normalizers n = checkpoint.get("normalizers", Normalizers.class);
        obsStats = n.observations();
        if (n.returns() != null) {
            // A checkpoint from a run with a different env count keeps the statistics, not the per-env returns.
            rewards = new RewardNormalizer(config.gamma(), n.returns(),
                    n.discountedReturn().length == numEnvs ? n.discountedReturn() : new double[numEnvs]);
        }
    }

    /**
     * Writes network, optimizer, random generator, schedule position and normalizers. A rollout still being
     * collected is not part of the file: saved right after {@link #learn} (as the trainer does for resumable
     * checkpoints) a load continues bit for bit; saved mid-rollout (a final model at the end of a run whose
     * step budget is not a multiple of the rollout) a load starts a fresh rollout with these weights.
     */
    @Override
    public void save(Path file) throws IOException {
        Checkpoint.of("ppo").putNetwork("net", net.graph()).putOptimizer("net", adam)
                .put("config", config).put("head", head).put("rng", rng).put("update", update)
                .put("normalizers", new Normalizers(obsStats, rewards == null ? null : rewards.stats(),
                        rewards == null ? new double[numEnvs] : rewards.discountedReturns()))
                .put("encoder", encoder)            // null for the MLP
                .write(file);
    }

    /** Restores network, optimizer, random generator and schedule position saved by {@link #save}. */
    @Override
    public void load(Path file) throws IOException {
        Checkpoint checkpoint = Checkpoint.read(file, "ppo");
        checkpoint.restoreNetwork("net", net.params());
        checkpoint.restoreOptimizer("net", adam);
        head.restore(checkpoint.get("head", PolicyHead.class));
        restoreNormalizers(checkpoint);
        rng = checkpoint.get("rng", Random.class);
        update = checkpoint.get("update", Integer.class);
        rollout.clear();
    }

    public PpoConfig config() {
        return config;
    }

    /** The policy and value network. */
    public ActorCritic network() {
        return net;
    }

    /** The action distribution and, for Box actions, the state-independent log std. */
    public PolicyHead head() {
        return head;
    }

    /** The network input for raw observations: normalized when normObs is on ({@code update}: fold them in first). */
    private INDArray input(INDArray obs, boolean update) {
        if (encoder != null) {
            return encoder.toInput(obs);
        }
        if (obsStats == null) {
            return obs;
        }
        float[] raw = HostArrays.toFloats(obs);
        if (update) {
            obsStats.update(raw, null);
        }
        return HostArrays.toArray(obsStats.normalize(raw, 10.0), obs.size(0), obsSize);
    }

    /** The CNN encoder of an agent for image observations, or null (MLP). */
    public ConvEncoder encoder() {
        return encoder;
    }

    /**
     * Actions sampled from the current policy with {@code random} for a batch of any size, without touching the
     * rollout or the training RNG: evaluation of the stochastic policy (Crafter's benchmark scores the agent's
     * sampled actions; a greedy argmax policy tends to get stuck walking into a wall).
     */
    public INDArray sample(INDArray obs, Random random) {
        ActorCritic.Output out = net.predict(input(obs, false));
        float[] params = head.params(out.policy());
        float[] action = new float[out.value().length * actionWidth];
        distribution.sample(params, random, action);
        return HostArrays.toArray(action, out.value().length, actionWidth);
    }

    // ---- Rollout ------------------------------------------------------------------------------------

    @Override
    public INDArray act(INDArray obs, boolean explore) {
        INDArray x = input(obs, explore && !rollout.full());
        ActorCritic.Output out = net.predict(x);          // one forward pass for all envs
        float[] params = head.params(out.policy());
        if (!explore) {
            return HostArrays.toArray(distribution.mode(params), out.value().length, actionWidth);
        }
        if (rollout.full()) {
            throw new IllegalStateException("the rollout is full: call learn() before acting again");
        }
        if (out.value().length != numEnvs) {
            throw new IllegalArgumentException("this agent was built for " + numEnvs + " envs but got "
                    + out.value().length + " observations; training needs one row per env");
        }
        float[] action = new float[numEnvs * actionWidth];
        double[] logProb = distribution.sample(params, rng, action);
        rollout.addAction(HostArrays.toFloats(x), action, logProb, out.value());
        return HostArrays.toArray(action, numEnvs, actionWidth);
    }

    @Override
    public void observe(Transition transition) {
        double[] r = rewards != null ? rewards.scale(transition) : transition.rewards();
        rollout.addOutcome(transition, r);
    }

    @Override
    public boolean readyToLearn() {
        return rollout.full();
    }

    // ---- Update -------------------------------------------------------------------------------------

    @Override
    public Map<String, Double> learn(INDArray nextObs) {
        if (!readyToLearn()) {
            throw new IllegalStateException("learn() needs a full rollout: " + rollout.steps() + " of " + config.numSteps()
                    + " steps observed");
        }
        // 1. Learning-rate annealing: lr = (1 - update / numUpdates) * lr0.
        long numUpdates = Math.max(1, config.totalSteps() / config.batchSize(numEnvs));
        double lr = config.annealLr()
                ? config.learningRate() * Math.max(0, 1.0 - (double) update / numUpdates) : config.learningRate();
        update++;

        // 2. Advantages: GAE(lambda), bootstrapped from V(s_T) of the next observations.
        Gae.Result gae = Gae.compute(rollout, net.predict(input(nextObs, false)).value(), config.gamma(),
                config.gaeLambda());

        // 3. The batch: every real transition; the reset steps of NEXT_STEP autoreset are left out.
        int[] batch = rollout.validIndices();

        // 4. Epochs of minibatch updates, each over a fresh permutation split into numMinibatches parts.
        Map<String, Double> stats = new LinkedHashMap<>();
        int minibatchesRun = 0;
        for (int epoch = 0; epoch < config.updateEpochs(); epoch++) {
            shuffle(batch);
            double klSum = 0;
            int minibatches = 0;
            for (int m = 0; m < config.numMinibatches(); m++) {
                int[] mb = Arrays.copyOfRange(batch, (int) ((long) m * batch.length / config.numMinibatches()),
                        (int) ((long) (m + 1) * batch.length / config.numMinibatches()));
                if (mb.length == 0) {
                    continue;
                }
                Map<String, Double> mbStats = updateMinibatch(mb, gae, lr);
                klSum += mbStats.get("approx_kl");
                minibatches++;
                mbStats.forEach((key, value) -> stats.merge(key, value, Double::sum));
            }
            minibatchesRun += minibatches;
            if (config.targetKl() > 0 && klSum / minibatches > config.targetKl()) {
                break;                               // early stopping on the approximate KL
            }
        }
        int averagedOver = minibatchesRun;
        stats.replaceAll((key, value) -> value / averagedOver);

        // Explained variance of the value function on this rollout: 1 - Var(R - V) / Var(R).
        stats.put("explained_var", explainedVariance(batch, gae.returns()));
        stats.put("lr", lr);
        rollout.clear();
        return stats;
    }

    /** One gradient step on a minibatch of rollout indices; returns its statistics. */
    private Map<String, Double> updateMinibatch(int[] mb, Gae.Result gae, double lr) {
        int b = mb.length;
        float[] mbObs = rollout.observations(mb);
        float[] mbActions = rollout.actions(mb);
        double[] advantages = new double[b];
        double[] oldLogProb = new double[b];
        double[] oldValue = new double[b];
        double[] returns = new double[b];
        for (int j = 0; j < b; j++) {
            int k = mb[j];
            advantages[j] = gae.advantages()[k];
            oldLogProb[j] = rollout.logProbs()[k];
            oldValue[j] = rollout.values()[k];
            returns[j] = gae.returns()[k];
        }
        if (config.normAdvantages()) {
            PolicyGradient.standardize(advantages);
        }

        // Forward the minibatch, then the loss and its gradient with respect to the network outputs.
        ActorCritic.Output out = net.forward(HostArrays.toArray(mbObs, b, obsSize));
        float[] params = head.params(out.policy());
        double[] newLogProb = distribution.logProb(params, mbActions);
        double entropy = Arrays.stream(distribution.entropy(params)).average().orElse(0);
        Loss loss = loss(newLogProb, oldLogProb, advantages, out.value(), oldValue, returns, config);

        // Back-propagate, clip the global gradient norm, take an Adam step.
        // (for a state-independent log std, PolicyGradient steps that vector too, inside the same global clip)
        double gradNorm = PolicyGradient.step(net, head, adam, out.policy(), mbActions, loss.dLogProb(),
                loss.dValue(), -config.entCoef() / b, lr, config.maxGradNorm());

        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("pi_loss", loss.policy());
        stats.put("v_loss", loss.value());
        stats.put("entropy", entropy);
        stats.put("approx_kl", loss.approxKl());
        stats.put("clipfrac", loss.clipFraction());
        stats.put("grad_norm", gradNorm);
        return stats;
    }

    /**
     * PPO's loss on a minibatch of B samples (CleanRL's, minimized):
     * <pre>
     *   ratio  = exp(log pi(a|s) - log pi_old(a|s))
     *   L_pi   = mean(max(-A ratio, -A clip(ratio, 1 - eps, 1 + eps)))
     *   L_v    = 0.5 mean(max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2))
     *   L      = L_pi - entCoef mean(H) + vfCoef L_v
     * </pre>
     * {@link #loss} returns L_pi and L_v with the gradient of L_pi + vfCoef L_v per sample:
     * <pre>
     *   dL/dlog pi_i = -A_i ratio_i / B    where the unclipped term is the max, else 0
     *   dL/dV_i      = vfCoef (V_i - R_i) / B, or vfCoef (V_clip_i - R_i) / B when the clipped term is
     *                  the max and V_i is inside the clip range (0 outside)
     * </pre>
     * The entropy term's gradient comes from {@link ActionDistribution#gradient}.
     */
    record Loss(double policy, double value, double approxKl, double clipFraction, double[] dLogProb,
                float[] dValue) {
    }

    /** PPO's policy and value losses and their gradients (see {@link Loss}). */
    static Loss loss(double[] newLogProb, double[] oldLogProb, double[] advantages, float[] newValue,
                     double[] oldValue, double[] returns, PpoConfig config) {
        int b = newLogProb.length;
        double eps = config.clipCoef();
        double pgLoss = 0;
        double vLoss = 0;
        double approxKl = 0;
        double clipFraction = 0;
        double[] dLogProb = new double[b];
        float[] dValue = new float[b];
        for (int j = 0; j < b; j++) {
            double logRatio = newLogProb[j] - oldLogProb[j];
            double ratio = Math.exp(logRatio);
            approxKl += (ratio - 1) - logRatio;                // http://joschu.net/blog/kl-approx.html
            clipFraction += Math.abs(ratio - 1) > eps ? 1 : 0;

            // Policy: clipped surrogate. d ratio / d log pi = ratio; the clipped branch is flat.
            double a = advantages[j];
            double unclipped = -a * ratio;
            double clipped = -a * Math.max(1 - eps, Math.min(1 + eps, ratio));
            pgLoss += Math.max(unclipped, clipped);
            dLogProb[j] = unclipped >= clipped ? -a * ratio / b : 0;

            // Value: squared error, optionally clipped around the rollout's value.
            double vError = newValue[j] - returns[j];
            if (config.clipValueLoss()) {
                double delta = Math.max(-eps, Math.min(eps, newValue[j] - oldValue[j]));
                double vClippedError = oldValue[j] + delta - returns[j];
                boolean useUnclipped = vError * vError >= vClippedError * vClippedError;
                boolean inside = Math.abs(newValue[j] - oldValue[j]) < eps;
                vLoss += 0.5 * Math.max(vError * vError, vClippedError * vClippedError);
                dValue[j] = (float) (config.vfCoef() * (useUnclipped ? vError : inside ? vClippedError : 0) / b);
            } else {
                vLoss += 0.5 * vError * vError;
                dValue[j] = (float) (config.vfCoef() * vError / b);
            }
        }
        return new Loss(pgLoss / b, vLoss / b, approxKl / b, clipFraction / b, dLogProb, dValue);
    }

    // ---- Small helpers --------------------------------------------------------------------------------

    private void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private double explainedVariance(int[] batch, double[] returns) {
        double[] y = new double[batch.length];
        double[] residual = new double[batch.length];
        for (int j = 0; j < batch.length; j++) {
            y[j] = returns[batch[j]];
            residual[j] = returns[batch[j]] - rollout.values()[batch[j]];
        }
        return PolicyGradient.explainedVariance(y, residual);
    }
}
