package org.gymbridge.agents.ddpg;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gymbridge.agents.buffers.ReplayBuffer;
import org.gymbridge.agents.core.AgentContext;
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
 * Deep Deterministic Policy Gradient (Lillicrap et al. 2016), following CleanRL's ddpg_continuous_action.py:
 * a deterministic actor tanh(MLP(s)) in [-1, 1] explored with Gaussian noise, one critic, target networks moved
 * by Polyak averaging. TD3 ({@code agents.td3}) is this plus twin critics and target smoothing.
 *
 * <pre>
 *   y    = r + gamma (1 - terminated) Q'(s', mu'(s'))
 *   L_Q  = mean((Q(s, a) - y)^2)
 *   every policyFrequency updates:  L_mu = -mean(Q(s, mu(s)));  theta' = tau theta + (1 - tau) theta'
 * </pre>
 */
public final class Ddpg extends OffPolicyAgent {

    private final DdpgConfig config;
    private final Mlp actor;
    private final Mlp critic;
    private final Mlp actorTarget;
    private final Mlp criticTarget;
    private final Adam actorAdam;
    private final Adam criticAdam;

    /** A new agent for {@code numEnvs} envs with {@code obsSize} observation features and the given action bounds. */
    public Ddpg(DdpgConfig config, int numEnvs, int obsSize, ActionScaler scaler, long seed) {
        super(numEnvs, obsSize, scaler, config.bufferSize(), config.learningStarts(), config.batchSize(),
                config.gradientStepsPerEnvStep(), Seeding.seed(seed));
        this.config = config;
        int d = scaler.size();
        this.actor = Mlp.create(obsSize, config.hidden(), d, Activation.RELU, rng);
        this.critic = newCritic(config.hidden());
        this.actorTarget = actor.copy();
        this.criticTarget = critic.copy();
        this.actorAdam = adamFor(actor);
        this.criticAdam = adamFor(critic);
    }

    /** A new agent sized for {@code env} (a Box action space; a Box or Discrete observation space). */
    public static Ddpg forEnv(VectorEnv env, DdpgConfig config, long seed) {
        return new Ddpg(config, env.numEnvs(), ObservationAdapter.forSpace(env.singleObservationSpace()).size(),
                ActionScaler.forSpace(env.singleActionSpace()), seed);
    }

    /** The registry's factory ({@code gymbridge train --algo ddpg}). */
    public static Ddpg create(AgentContext context, DdpgConfig config, long seed) {
        return new Ddpg(config, context.numEnvs(), context.observations().size(),
                ActionScaler.forSpace(context.actionSpace()), seed);
    }

    public DdpgConfig config() {
        return config;
    }

    @Override
    protected float[] greedyAction(INDArray observations) {
        return tanh(actor.predict(observations));
    }

    @Override
    protected float[] exploringAction(INDArray observations) {
        float[] a = greedyAction(observations);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) Math.max(-1, Math.min(1, a[i] + config.explorationNoise() * rng.nextGaussian()));
        }
        return a;
    }

    @Override
    protected Map<String, Double> update(ReplayBuffer.Batch batch) {
        int b = batch.size();
        // y = r + gamma (1 - terminated) Q'(s', mu'(s'))
        float[] nextActions = tanh(actorTarget.predict(batch.nextObservations(), b));
        float[] qNext = criticTarget.predict(concat(batch.nextObservations(), nextActions, b), b);
        double[] y = new double[b];
        for (int j = 0; j < b; j++) {
            y[j] = batch.rewards()[j] + (batch.terminated()[j] ? 0 : config.gamma() * qNext[j]);
        }
        double[] loss = new double[1];
        float[] q = regress(critic, criticAdam, concat(batch.observations(), batch.actions(), b), b, y,
                config.criticLr(), loss);

        if (gradientSteps % config.policyFrequency() == 0) {
            // L_mu = -mean Q(s, tanh(u(s))):  dL/du = dL/dQ dQ/da (1 - a^2)
            float[] a = tanh(actor.forward(batch.observations(), b));
            float[] qPi = critic.forward(concat(batch.observations(), a, b), b);
            float[] dq = new float[b];
            java.util.Arrays.fill(dq, -1f / b);
            float[] dA = actionPart(critic.inputGradient(dq), b);
            for (int i = 0; i < dA.length; i++) {
                dA[i] *= 1 - a[i] * a[i];
            }
            actorAdam.step(actor.params(), actor.parameterGradient(dA), config.actorLr());
            lastActorLoss = -mean(qPi);
            actorTarget.polyak(actor, config.tau());
            criticTarget.polyak(critic, config.tau());
        }
        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("q_loss", loss[0]);
        stats.put("q", mean(q));
        stats.put("actor_loss", lastActorLoss);
        return stats;
    }

    @Override
    protected String algorithmName() {
        return "ddpg";
    }

    @Override
    protected Serializable configRecord() {
        return config;
    }

    @Override
    protected Map<String, Mlp> networks() {
        Map<String, Mlp> networks = new LinkedHashMap<>();
        networks.put("actor", actor);
        networks.put("critic", critic);
        networks.put("actor_target", actorTarget);
        networks.put("critic_target", criticTarget);
        return networks;
    }

    @Override
    protected Map<String, Adam> optimizers() {
        return Map.of("actor", actorAdam, "critic", criticAdam);
    }
}
