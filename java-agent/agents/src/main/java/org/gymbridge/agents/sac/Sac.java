package org.gymbridge.agents.sac;

import java.io.IOException;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gymbridge.agents.buffers.ReplayBuffer;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.agents.core.OffPolicyAgent;
import org.gymbridge.agents.core.Seeding;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.agents.nn.Mlp;
import org.gymbridge.agents.policy.ActionScaler;
import org.gymbridge.env.VectorEnv;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Soft Actor-Critic (Haarnoja et al. 2018) with twin Q networks and automatic entropy tuning, following
 * CleanRL's sac_continuous_action.py. The policy is a tanh-squashed diagonal Gaussian in [-1, 1] (rescaled
 * to the env's Box by {@link ActionScaler}); its log std is squashed into [{@value #LOG_STD_MIN},
 * {@value #LOG_STD_MAX}] by a tanh, as in CleanRL.
 *
 * <pre>
 *   u = mu(s) + sigma(s) eps,  a = tanh(u),  log pi(a|s) = sum_k [log N(u_k; mu_k, sigma_k) - log(1 - a_k^2 + 1e-6)]
 *   y     = r + gamma (1 - terminated) (min(Q1'(s', a'), Q2'(s', a')) - alpha log pi(a'|s'))    a' ~ pi(.|s')
 *   L_Q   = mean((Q1(s, a) - y)^2) + mean((Q2(s, a) - y)^2)
 *   L_pi  = mean(alpha log pi(a|s) - min(Q1(s, a), Q2(s, a)))                                 a ~ pi(.|s), reparameterized
 *   L_alpha = mean(-alpha (log pi(a|s) + targetEntropy)),  targetEntropy = -actionDim,  alpha = exp(log alpha)
 * </pre>
 * The actor's gradient is derived by hand (see {@link #updateActor}) with dQ/da from the critics' input
 * gradients, then back-propagated through the actor as external errors.
 */
public final class Sac extends OffPolicyAgent {

    public static final double LOG_STD_MIN = -5;
    public static final double LOG_STD_MAX = 2;
    private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

    private final SacConfig config;
    private final Mlp actor;
    private final Mlp critic1;
    private final Mlp critic2;
    private final Mlp critic1Target;
    private final Mlp critic2Target;
    private final Adam actorAdam;
    private final Adam critic1Adam;
    private final Adam critic2Adam;
    private final double targetEntropy;
    // The entropy temperature, log alpha (a float32 scalar, as CleanRL's log_alpha tensor), and its optimizer.
    private final float[] logAlpha = new float[1];
    private final Adam alphaAdam;
    private double lastEntropy = Double.NaN;

    /** A new agent for {@code numEnvs} envs with {@code obsSize} observation features and the given action bounds. */
    public Sac(SacConfig config, int numEnvs, int obsSize, ActionScaler scaler, long seed) {
        super(numEnvs, obsSize, scaler, config.bufferSize(), config.learningStarts(), config.batchSize(),
                config.gradientStepsPerEnvStep(), Seeding.seed(seed));
        this.config = config;
        int d = scaler.size();
        this.actor = Mlp.create(obsSize, config.hidden(), 2 * d, Activation.RELU, rng);
        this.critic1 = newCritic(config.hidden());
        this.critic2 = newCritic(config.hidden());
        this.critic1Target = critic1.copy();
        this.critic2Target = critic2.copy();
        this.actorAdam = adamFor(actor);
        this.critic1Adam = adamFor(critic1);
        this.critic2Adam = adamFor(critic2);
        this.targetEntropy = -d;
        this.logAlpha[0] = (float) Math.log(config.alpha());
        this.alphaAdam = new Adam(1, 0.9, 0.999, 1e-8);
    }

    /** A new agent sized for {@code env} (a Box action space; a Box or Discrete observation space). */
    public static Sac forEnv(VectorEnv env, SacConfig config, long seed) {
        return new Sac(config, env.numEnvs(), ObservationAdapter.forSpace(env.singleObservationSpace()).size(),
                ActionScaler.forSpace(env.singleActionSpace()), seed);
    }

    /** The registry's factory ({@code gymbridge train --algo sac}). */
    public static Sac create(AgentContext context, SacConfig config, long seed) {
        return new Sac(config, context.numEnvs(), context.observations().size(),
                ActionScaler.forSpace(context.actionSpace()), seed);
    }

    public SacConfig config() {
        return config;
    }

    /** The current entropy temperature. */
    public double alpha() {
        return Math.exp(logAlpha[0]);
    }

    // ---- The squashed Gaussian policy ---------------------------------------------------------------------

    /** Samples of pi(.|s) for a batch: actions a in [-1, 1], their log-probabilities, and what the gradient needs. */
    record Sample(float[] actions, double[] logProbs, double[] noise, double[] std, double[] logStdSquash) {
    }

    private Sample sample(float[] out, int rows) {
        double[] eps = new double[rows * actionSize];
        for (int j = 0; j < eps.length; j++) {
            eps[j] = rng.nextGaussian();
        }
        return squash(out, eps, rows, actionSize);
    }

    /** The reparameterized sample for given standard normal noise {@code eps} [rows, d]. */
    static Sample squash(float[] out, double[] eps, int rows, int d) {
        float[] a = new float[rows * d];
        double[] logProbs = new double[rows];
        double[] std = new double[rows * d];
        double[] squash = new double[rows * d];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < d; k++) {
                double t = Math.tanh(out[i * 2 * d + d + k]);
                double logStd = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (t + 1);
                double sigma = Math.exp(logStd);
                double e = eps[i * d + k];
                double action = Math.tanh(out[i * 2 * d + k] + sigma * e);
                int j = i * d + k;
                a[j] = (float) action;
                std[j] = sigma;
                squash[j] = 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (1 - t * t);   // d logStd / d raw
                logProbs[i] += -0.5 * e * e - logStd - HALF_LOG_2PI - Math.log(1 - action * action + 1e-6);
            }
        }
        return new Sample(a, logProbs, eps.clone(), std, squash);
    }

    @Override
    protected float[] greedyAction(INDArray observations) {
        float[] out = actor.predict(observations);
        int rows = out.length / (2 * actionSize);
        float[] a = new float[rows * actionSize];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < actionSize; k++) {
                a[i * actionSize + k] = (float) Math.tanh(out[i * 2 * actionSize + k]);
            }
        }
        return a;
    }

    @Override
    protected float[] exploringAction(INDArray observations) {
        float[] out = actor.predict(observations);
        return sample(out, out.length / (2 * actionSize)).actions();
    }

    // ---- Learning -----------------------------------------------------------------------------------------

    @Override
    protected Map<String, Double> update(ReplayBuffer.Batch batch) {
        int b = batch.size();
        double alpha = alpha();
        // Soft target: y = r + gamma (1 - terminated) (min Q'(s', a') - alpha log pi(a'|s')), a' ~ pi(.|s').
        Sample next = sample(actor.predict(batch.nextObservations(), b), b);
        float[] nextInput = concat(batch.nextObservations(), next.actions(), b);
        float[] q1Next = critic1Target.predict(nextInput, b);
        float[] q2Next = critic2Target.predict(nextInput, b);
        double[] y = new double[b];
        for (int j = 0; j < b; j++) {
            double soft = Math.min(q1Next[j], q2Next[j]) - alpha * next.logProbs()[j];
            y[j] = batch.rewards()[j] + (batch.terminated()[j] ? 0 : config.gamma() * soft);
        }
        // Both critics regress on y (MSE), one Adam step each.
        float[] input = concat(batch.observations(), batch.actions(), b);
        double[] loss1 = new double[1];
        double[] loss2 = new double[1];
        float[] q1 = regress(critic1, critic1Adam, input, b, y, config.qLr(), loss1);
        regress(critic2, critic2Adam, input, b, y, config.qLr(), loss2);

        // Delayed actor (and temperature) updates: policyFrequency of them every policyFrequency critic updates.
        if (gradientSteps % config.policyFrequency() == 0) {
            for (int r = 0; r < config.policyFrequency(); r++) {
                updateActor(batch.observations(), b);
            }
        }
        if (gradientSteps % config.targetNetworkFrequency() == 0) {
            critic1Target.polyak(critic1, config.tau());
            critic2Target.polyak(critic2, config.tau());
        }
        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("q_loss", (loss1[0] + loss2[0]) / 2);
        stats.put("q1", mean(q1));
        stats.put("actor_loss", lastActorLoss);
        stats.put("entropy", lastEntropy);
        stats.put("alpha", alpha());
        return stats;
    }

    /**
     * One actor step on L_pi (and one temperature step), by hand. With u = mu + sigma eps, a = tanh(u),
     * logStd = MIN + (MAX - MIN)(tanh(raw) + 1) / 2, and eps held fixed (reparameterization):
     * <pre>
     *   dL/da_k   = -(1/B) dminQ/da_k + (alpha/B) 2 a_k / (1 - a_k^2 + 1e-6)
     *   dL/dmu_k  = dL/du_k = dL/da_k (1 - a_k^2)
     *   dL/draw_k = (-(alpha/B) + dL/du_k sigma_k eps_k) (MAX - MIN)(1 - tanh(raw_k)^2) / 2
     * </pre>
     * (d log N(u; mu, sigma)/dmu is 0 and d/dlogStd is -1 once u moves with mu and sigma.)
     */
    private void updateActor(float[] obs, int b) {
        int d = actionSize;
        double alpha = alpha();
        float[] out = actor.forward(obs, b);
        Sample pi = sample(out, b);
        float[] input = concat(obs, pi.actions(), b);
        float[] q1 = critic1.forward(input, b);
        float[] q2 = critic2.forward(input, b);
        float[] d1 = new float[b];
        float[] d2 = new float[b];
        double loss = 0;
        double meanLogProb = 0;
        for (int j = 0; j < b; j++) {
            boolean first = q1[j] <= q2[j];
            (first ? d1 : d2)[j] = -1f / b;
            loss += (alpha * pi.logProbs()[j] - Math.min(q1[j], q2[j])) / b;
            meanLogProb += pi.logProbs()[j] / b;
        }
        // dminQ/da: only the smaller critic of each sample carries a gradient (input gradients only).
        float[] dA1 = actionPart(critic1.inputGradient(d1), b);
        float[] dA2 = actionPart(critic2.inputGradient(d2), b);
        for (int j = 0; j < dA1.length; j++) {
            dA1[j] += dA2[j];
        }
        float[] grad = actorGradient(pi, dA1, alpha, b, d);
        actorAdam.step(actor.params(), actor.parameterGradient(grad), config.policyLr());
        lastActorLoss = loss;
        lastEntropy = -meanLogProb;

        if (config.autotune()) {
            // L_alpha = -exp(logAlpha) mean(log pi + targetEntropy);  one Adam step (PyTorch defaults) on logAlpha.
            double g = -Math.exp(logAlpha[0]) * (meanLogProb + targetEntropy);
            alphaAdam.step(logAlpha, new float[] {(float) g}, config.qLr());
        }
    }

    /**
     * dL_pi/dOutput (see {@link #updateActor}) given the Q part of dL/da, {@code dQLossDa} = -(1/B) dminQ/da.
     */
    static float[] actorGradient(Sample pi, float[] dQLossDa, double alpha, int b, int d) {
        float[] grad = new float[b * 2 * d];
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < d; k++) {
                int j = i * d + k;
                double a = pi.actions()[j];
                double dA = dQLossDa[j] + alpha / b * 2 * a / (1 - a * a + 1e-6);
                double dU = dA * (1 - a * a);
                grad[i * 2 * d + k] = (float) dU;
                grad[i * 2 * d + d + k] = (float) ((-alpha / b + dU * pi.std()[j] * pi.noise()[j])
                        * pi.logStdSquash()[j]);
            }
        }
        return grad;
    }

    // ---- Checkpoints (written by OffPolicyAgent) -----------------------------------------------------------

    @Override
    protected String algorithmName() {
        return "sac";
    }

    @Override
    protected Serializable configRecord() {
        return config;
    }

    @Override
    protected Map<String, Mlp> networks() {
        Map<String, Mlp> networks = new LinkedHashMap<>();
        networks.put("actor", actor);
        networks.put("critic1", critic1);
        networks.put("critic2", critic2);
        networks.put("critic1_target", critic1Target);
        networks.put("critic2_target", critic2Target);
        return networks;
    }

    @Override
    protected Map<String, Adam> optimizers() {
        return Map.of("actor", actorAdam, "critic1", critic1Adam, "critic2", critic2Adam, "alpha", alphaAdam);
    }

    @Override
    protected Map<String, Serializable> extraState() {
        return Map.of("alpha", new double[] {logAlpha[0], lastEntropy});
    }

    @Override
    protected void restoreExtraState(Checkpoint checkpoint) throws IOException {
        double[] a = checkpoint.get("alpha", double[].class);
        logAlpha[0] = (float) a[0];
        lastEntropy = a[1];
    }
}
