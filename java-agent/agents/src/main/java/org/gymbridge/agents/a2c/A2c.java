package org.gymbridge.agents.a2c;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.buffers.RolloutBuffer;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Seeding;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.nn.ActorCritic;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.agents.policy.Gae;
import org.gymbridge.agents.policy.PolicyGradient;
import org.gymbridge.agents.policy.PolicyHead;
import org.gymbridge.agents.policy.RewardNormalizer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Synchronous advantage actor-critic (A2C; Mnih et al. 2016, synchronous as in OpenAI Baselines and SB3):
 * every {@code numSteps} vector steps, one gradient step on the numSteps x numEnvs transitions just collected
 * (one batched forward per vector step while collecting):
 *
 * <pre>
 *   R_t = r_t + gamma r_{t+1} + ... + gamma^n V(s_{t+n})     (n-step return; GAE(lambda) in general, {@link Gae})
 *   A_t = R_t - V(s_t)
 *   L   = -mean(A_t log pi(a_t|s_t)) - entCoef mean(H) + vfCoef 0.5 mean((V(s_t) - R_t)^2)
 * </pre>
 * Terminations stop the bootstrap; time-limit truncations bootstrap from V(final observation).
 */
public final class A2c implements Agent {

    private final A2cConfig config;
    private final int numEnvs;
    private final int obsSize;
    private final PolicyHead head;
    private final int width;
    private final ActorCritic net;
    private final Adam adam;
    private Random rng;

    private final RolloutBuffer rollout;
    private RewardNormalizer rewards;
    private long updates;

    /** A new agent for {@code numEnvs} envs; the head fixes the action distribution. */
    public A2c(A2cConfig config, int numEnvs, int obsSize, PolicyHead head, long seed) {
        this.config = config;
        this.numEnvs = numEnvs;
        this.obsSize = obsSize;
        this.head = head;
        this.width = head.distribution().actionSize();
        this.rng = Seeding.seed(seed);
        this.net = ActorCritic.create(obsSize, head.networkOutputSize(), config.hidden(), rng);
        this.adam = new Adam(net.params().length(), 0.9, 0.999, config.adamEps());
        this.rollout = RolloutBuffer.of(config.numSteps(), numEnvs, obsSize, width);
        this.rewards = config.normReward() ? new RewardNormalizer(numEnvs, config.gamma()) : null;
    }

    /** The registry's factory ({@code gymbridge train --algo a2c}). */
    public static A2c create(AgentContext context, A2cConfig config, long seed) {
        return new A2c(config, context.numEnvs(), context.observations().size(),
                PolicyHead.forSpace(context.actionSpace(), true, 0.0), seed);
    }

    public A2cConfig config() {
        return config;
    }

    @Override
    public INDArray act(INDArray obs, boolean explore) {
        ActorCritic.Output out = net.predict(obs);
        int rows = out.value().length;
        float[] params = head.params(out.policy());
        if (!explore) {
            return HostArrays.toArray(head.distribution().mode(params), rows, width);
        }
        if (rows != numEnvs) {
            throw new IllegalArgumentException("this agent was built for " + numEnvs + " envs but got " + rows
                    + " observations; training needs one row per env");
        }
        float[] action = new float[numEnvs * width];
        head.distribution().sample(params, rng, action);
        rollout.addAction(HostArrays.toFloats(obs), action, null, out.value());
        return HostArrays.toArray(action, numEnvs, width);
    }

    @Override
    public void observe(Transition t) {
        rollout.addOutcome(t, rewards != null ? rewards.scale(t) : t.rewards());
    }

    @Override
    public boolean readyToLearn() {
        return rollout.full();
    }

    @Override
    public Map<String, Double> learn(INDArray nextObs) {
        long numUpdates = Math.max(1, config.totalSteps() / ((long) config.numSteps() * numEnvs));
        double lr = config.annealLr()
                ? config.learningRate() * Math.max(0, 1.0 - (double) updates / numUpdates) : config.learningRate();
        updates++;

        // n-step returns / GAE, bootstrapped from V(s_{t+n}).
        Gae.Result gae = Gae.compute(rollout, net.predict(nextObs).value(), config.gamma(), config.gaeLambda());

        // The batch: real transitions only (NEXT_STEP reset steps are left out).
        int[] batch = rollout.validIndices();
        int n = batch.length;
        float[] obs = rollout.observations(batch);
        float[] act = rollout.actions(batch);
        double[] advantages = new double[n];
        double[] returns = new double[n];
        for (int j = 0; j < n; j++) {
            advantages[j] = gae.advantages()[batch[j]];
            returns[j] = gae.returns()[batch[j]];
        }
        // R_t = A_t + V(s_t) (Gae), so the advantage is the critic's error on its own target.
        double explainedVar = PolicyGradient.explainedVariance(returns, advantages);
        if (config.normAdvantages()) {
            PolicyGradient.standardize(advantages);
        }
        rollout.clear();
        Map<String, Double> stats = new LinkedHashMap<>();
        if (n == 0) {
            stats.put("lr", lr);
            return stats;
        }
        // The advantages come from the rollout's values (a constant in the loss); the value loss uses fresh V(s).
        ActorCritic.Output out = net.forward(HostArrays.toArray(obs, n, obsSize));
        double[] dLogProb = new double[n];
        float[] dValue = new float[n];
        double piLoss = 0;
        double vLoss = 0;
        double[] logProbs = head.distribution().logProb(head.params(out.policy()), act);
        for (int j = 0; j < n; j++) {
            dLogProb[j] = -advantages[j] / n;
            piLoss -= advantages[j] * logProbs[j] / n;
            double error = out.value()[j] - returns[j];
            vLoss += 0.5 * error * error / n;
            dValue[j] = (float) (config.vfCoef() * error / n);
        }
        double entropy = java.util.Arrays.stream(head.distribution().entropy(head.params(out.policy())))
                .average().orElse(0);
        double gradNorm = PolicyGradient.step(net, head, adam, out.policy(), act, dLogProb, dValue,
                -config.entCoef() / n, lr, config.maxGradNorm());
        stats.put("pi_loss", piLoss);
        stats.put("v_loss", vLoss);
        stats.put("entropy", entropy);
        stats.put("grad_norm", gradNorm);
        stats.put("explained_var", explainedVar);
        if (rewards != null) {
            stats.put("reward_std", rewards.std());
        }
        stats.put("lr", lr);
        return stats;
    }

    // ---- Checkpoints ---------------------------------------------------------------------------------------

    /** Saves the learned state; a partial rollout is not kept (as PPO: a resumed run starts a fresh rollout). */
    @Override
    public void save(Path file) throws IOException {
        Checkpoint.of("a2c").putNetwork("net", net.graph()).putOptimizer("net", adam)
                .put("config", config).put("head", head).put("rng", rng).put("updates", updates)
                .put("reward_normalizer", rewards)
                .write(file);
    }

    @Override
    public void load(Path file) throws IOException {
        Checkpoint checkpoint = Checkpoint.read(file, "a2c");
        checkpoint.restoreNetwork("net", net.params());
        checkpoint.restoreOptimizer("net", adam);
        head.restore(checkpoint.get("head", PolicyHead.class));
        rng = checkpoint.get("rng", Random.class);
        updates = checkpoint.get("updates", Long.class);
        rewards = checkpoint.has("reward_normalizer") ? checkpoint.get("reward_normalizer", RewardNormalizer.class)
                : rewards;
        rollout.clear();
    }
}
