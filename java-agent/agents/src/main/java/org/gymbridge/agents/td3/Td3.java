package org.gymbridge.agents.td3;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
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
 * Twin Delayed DDPG (Fujimoto et al. 2018), following CleanRL's td3_continuous_action.py and the classic
 * fifteen-step recipe; the step numbers are in the comments of {@link #update}. The actor is
 * tanh(MLP(s)) in [-1, 1]; {@link ActionScaler} maps it onto the env's Box.
 *
 * <pre>
 *   a'  = clip(mu'(s') + clip(N(0, policyNoise), -noiseClip, noiseClip), -1, 1)     target policy smoothing
 *   y   = r + gamma (1 - terminated) min(Q1'(s', a'), Q2'(s', a'))                   clipped double Q
 *   L_Q = mean((Q1(s, a) - y)^2) + mean((Q2(s, a) - y)^2)
 *   every policyFrequency updates:  L_mu = -mean(Q1(s, mu(s)));  theta' = tau theta + (1 - tau) theta'
 * </pre>
 */
public final class Td3 extends OffPolicyAgent {

    private final Td3Config config;
    private final Mlp actor;
    private final Mlp critic1;
    private final Mlp critic2;
    private final Mlp actorTarget;
    private final Mlp critic1Target;
    private final Mlp critic2Target;
    private final Adam actorAdam;
    private final Adam critic1Adam;
    private final Adam critic2Adam;

    /** A new agent for {@code numEnvs} envs with {@code obsSize} observation features and the given action bounds. */
    public Td3(Td3Config config, int numEnvs, int obsSize, ActionScaler scaler, long seed) {
        this(config, numEnvs, obsSize, scaler, Seeding.seed(seed));
    }

    private Td3(Td3Config config, int numEnvs, int obsSize, ActionScaler scaler, Random rng) {
        super(numEnvs, obsSize, scaler, config.bufferSize(), config.learningStarts(), config.batchSize(),
                config.gradientStepsPerEnvStep(), rng);
        this.config = config;
        int d = scaler.size();
        // Step 2 and 3: the actor, two critics, and a target copy of each.
        this.actor = Mlp.create(obsSize, config.hidden(), d, Activation.RELU, rng);
        this.critic1 = newCritic(config.hidden());
        this.critic2 = newCritic(config.hidden());
        this.actorTarget = actor.copy();
        this.critic1Target = critic1.copy();
        this.critic2Target = critic2.copy();
        this.actorAdam = adamFor(actor);
        this.critic1Adam = adamFor(critic1);
        this.critic2Adam = adamFor(critic2);
    }

    /** A new agent sized for {@code env} (a Box action space; a Box or Discrete observation space). */
    public static Td3 forEnv(VectorEnv env, Td3Config config, long seed) {
        return new Td3(config, env.numEnvs(), ObservationAdapter.forSpace(env.singleObservationSpace()).size(),
                ActionScaler.forSpace(env.singleActionSpace()), seed);
    }

    /** The registry's factory ({@code gymbridge train --algo td3}). */
    public static Td3 create(AgentContext context, Td3Config config, long seed) {
        return new Td3(config, context.numEnvs(), context.observations().size(),
                ActionScaler.forSpace(context.actionSpace()), seed);
    }

    public Td3Config config() {
        return config;
    }

    /** The deterministic policy network (outputs before tanh). */
    public Mlp actor() {
        return actor;
    }

    // ---- Acting -------------------------------------------------------------------------------------------

    @Override
    protected float[] greedyAction(INDArray observations) {
        return tanh(actor.predict(observations));
    }

    @Override
    protected float[] exploringAction(INDArray observations) {
        float[] a = greedyAction(observations);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) clip(a[i] + config.explorationNoise() * rng.nextGaussian(), 1);
        }
        return a;
    }

    // ---- Learning: the fifteen steps (1: the replay buffer, 2-3: the networks, above) ---------------------

    @Override
    protected Map<String, Double> update(ReplayBuffer.Batch batch) {
        int b = batch.size();
        int d = actionSize;
        // Step 4: a batch of transitions (s, a, r, s', terminated), sampled by OffPolicyAgent.
        // Step 5: the actor target plays a' from s'.
        float[] nextActions = tanh(actorTarget.predict(batch.nextObservations(), b));
        // Step 6: target policy smoothing: clipped Gaussian noise, then back into the action range.
        for (int i = 0; i < nextActions.length; i++) {
            double noise = clip(config.policyNoise() * rng.nextGaussian(), config.noiseClip());
            nextActions[i] = (float) clip(nextActions[i] + noise, 1);
        }
        // Step 7: both critic targets evaluate (s', a').
        float[] nextInput = concat(batch.nextObservations(), nextActions, b);
        float[] q1Next = critic1Target.predict(nextInput, b);
        float[] q2Next = critic2Target.predict(nextInput, b);
        // Steps 8-9: y = r + gamma (1 - terminated) min(Q1', Q2').
        double[] y = new double[b];
        for (int j = 0; j < b; j++) {
            y[j] = batch.rewards()[j] + (batch.terminated()[j] ? 0 : config.gamma() * Math.min(q1Next[j], q2Next[j]));
        }
        // Step 10: both critics evaluate (s, a).
        float[] input = concat(batch.observations(), batch.actions(), b);
        double[] loss1 = new double[1];
        double[] loss2 = new double[1];
        // Steps 11-12: MSE losses, back-propagated; one Adam step per critic.
        float[] q1 = regress(critic1, critic1Adam, input, b, y, config.criticLr(), loss1);
        regress(critic2, critic2Adam, input, b, y, config.criticLr(), loss2);

        if (gradientSteps % config.policyFrequency() == 0) {
            // Step 13: actor loss -mean Q1(s, tanh(u(s))): dL/du = dL/dQ1 * dQ1/da * (1 - a^2).
            float[] u = actor.forward(batch.observations(), b);
            float[] a = tanh(u);
            float[] q = critic1.forward(concat(batch.observations(), a, b), b);
            float[] dq = new float[b];
            java.util.Arrays.fill(dq, -1f / b);
            float[] dA = actionPart(critic1.inputGradient(dq), b);
            for (int i = 0; i < dA.length; i++) {
                dA[i] *= 1 - a[i] * a[i];
            }
            actorAdam.step(actor.params(), actor.parameterGradient(dA), config.actorLr());
            lastActorLoss = -mean(q);
            // Steps 14-15: Polyak averaging of the actor target and the critic targets.
            actorTarget.polyak(actor, config.tau());
            critic1Target.polyak(critic1, config.tau());
            critic2Target.polyak(critic2, config.tau());
        }
        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("q_loss", (loss1[0] + loss2[0]) / 2);
        stats.put("q1", mean(q1));
        if (!Double.isNaN(lastActorLoss)) {
            stats.put("actor_loss", lastActorLoss);     // none until the first delayed actor update
        }
        return stats;
    }

    private static double clip(double x, double limit) {
        return Math.max(-limit, Math.min(limit, x));
    }

    // ---- Checkpoints (written by OffPolicyAgent) -----------------------------------------------------------

    @Override
    protected String algorithmName() {
        return "td3";
    }

    @Override
    protected java.io.Serializable configRecord() {
        return config;
    }

    @Override
    protected Map<String, Mlp> networks() {
        Map<String, Mlp> networks = new LinkedHashMap<>();
        networks.put("actor", actor);
        networks.put("critic1", critic1);
        networks.put("critic2", critic2);
        networks.put("actor_target", actorTarget);
        networks.put("critic1_target", critic1Target);
        networks.put("critic2_target", critic2Target);
        return networks;
    }

    @Override
    protected Map<String, Adam> optimizers() {
        return Map.of("actor", actorAdam, "critic1", critic1Adam, "critic2", critic2Adam);
    }
}
