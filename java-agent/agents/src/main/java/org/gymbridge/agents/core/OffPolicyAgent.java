package org.gymbridge.agents.core;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.buffers.ReplayBuffer;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.agents.nn.Mlp;
import org.gymbridge.agents.policy.ActionScaler;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What DDPG, TD3 and SAC share, so that each algorithm's file holds only its networks and its update:
 * acting in the policy range [-1, 1] (rescaled to the env's Box bounds once, by {@link ActionScaler}),
 * uniform random actions until {@code learningStarts} env steps, storing real transitions in a
 * {@link ReplayBuffer}, and {@code gradientStepsPerEnvStep * numEnvs} updates per vector step on
 * uniformly sampled minibatches (with 1 env and ratio 1: CleanRL's one update per env step).
 *
 * <p>The replay buffer holds policy-range actions (what the critics see); the env receives scaled ones.
 */
public abstract class OffPolicyAgent implements Agent {

    protected final int numEnvs;
    protected final int obsSize;
    protected final int actionSize;
    protected final ActionScaler scaler;
    protected final ReplayBuffer buffer;
    protected Random rng;
    private final long learningStarts;
    private final int batchSize;
    private final double gradientStepsPerEnvStep;
    private float[] lastPolicyActions;
    protected long envSteps;
    protected long gradientSteps;
    private double pendingSteps;
    /** The last actor loss, reported until the next (delayed) actor update; saved so resumed stats match. */
    protected double lastActorLoss = Double.NaN;

    protected OffPolicyAgent(int numEnvs, int obsSize, ActionScaler scaler, int bufferSize, long learningStarts,
                             int batchSize, double gradientStepsPerEnvStep, Random rng) {
        if (learningStarts < batchSize) {
            throw new IllegalArgumentException("learningStarts (" + learningStarts + ") must be >= batchSize ("
                    + batchSize + ") so that the first update samples distinct transitions");
        }
        this.numEnvs = numEnvs;
        this.obsSize = obsSize;
        this.actionSize = scaler.size();
        this.scaler = scaler;
        this.buffer = new ReplayBuffer(bufferSize, obsSize, actionSize);
        this.rng = rng;
        this.learningStarts = learningStarts;
        this.batchSize = batchSize;
        this.gradientStepsPerEnvStep = gradientStepsPerEnvStep;
    }

    /** The greedy action in the policy range, [rows, actionSize] row-major. */
    protected abstract float[] greedyAction(INDArray observations);

    /** An exploring action in the policy range (the policy's noise or its stochastic sample). */
    protected abstract float[] exploringAction(INDArray observations);

    /** One gradient step on a minibatch; returns its statistics in a stable order. */
    protected abstract Map<String, Double> update(ReplayBuffer.Batch batch);

    /** The name checkpoints are tagged with ("td3"): loading another algorithm's file fails clearly. */
    protected abstract String algorithmName();

    /** The config record (saved so that a checkpoint says what it was trained with). */
    protected abstract Serializable configRecord();

    /** Every network by name, in a fixed order (weights go into checkpoints). */
    protected abstract Map<String, Mlp> networks();

    /** Every optimizer by name (moments go into checkpoints). */
    protected abstract Map<String, Adam> optimizers();

    /** Extra entries of the algorithm's state (SAC: the entropy temperature); empty by default. */
    protected Map<String, Serializable> extraState() {
        return Map.of();
    }

    /** Restores {@link #extraState()} from the checkpoint's entries. */
    protected void restoreExtraState(Checkpoint checkpoint) throws IOException {
    }

    /**
     * Writes networks, optimizers, replay buffer, counters and the random generator: {@link #load} on an agent
     * built with the same config and env continues the run bit for bit.
     */
    @Override
    public void save(Path file) throws IOException {
        Checkpoint checkpoint = Checkpoint.of(algorithmName())
                .put("config", configRecord())
                .put("sizes", new int[] {numEnvs, obsSize, actionSize});
        networks().forEach((name, net) -> checkpoint.putNetwork(name, net.network()));
        optimizers().forEach(checkpoint::putOptimizer);
        checkpoint.put("counters", new double[] {envSteps, gradientSteps, pendingSteps, lastActorLoss})
                .put("rng", rng)
                .put("replay", buffer.state());
        extraState().forEach(checkpoint::put);
        checkpoint.write(file);
    }

    /** Restores what {@link #save} wrote into this agent (same algorithm, config and env shape). */
    public void load(Path file) throws IOException {
        Checkpoint checkpoint = Checkpoint.read(file, algorithmName());
        int[] sizes = checkpoint.get("sizes", int[].class);
        if (sizes[1] != obsSize || sizes[2] != actionSize) {
            throw new IOException("checkpoint " + file + " is for " + sizes[1] + " observation features and "
                    + sizes[2] + " action dimensions, this agent has " + obsSize + " and " + actionSize
                    + ": load it on the env it was trained on");
        }
        for (Map.Entry<String, Mlp> entry : networks().entrySet()) {
            checkpoint.restoreNetwork(entry.getKey(), entry.getValue().params());
        }
        for (Map.Entry<String, Adam> entry : optimizers().entrySet()) {
            checkpoint.restoreOptimizer(entry.getKey(), entry.getValue());
        }
        double[] counters = checkpoint.get("counters", double[].class);
        envSteps = (long) counters[0];
        gradientSteps = (long) counters[1];
        pendingSteps = counters[2];
        lastActorLoss = counters[3];
        rng = checkpoint.get("rng", Random.class);
        buffer.restore(checkpoint.get("replay", ReplayBuffer.State.class));
        restoreExtraState(checkpoint);
    }

    @Override
    public INDArray act(INDArray observations, boolean explore) {
        int rows = (int) observations.size(0);
        float[] policy;
        if (!explore) {
            policy = greedyAction(observations);
        } else {
            if (rows != numEnvs) {
                throw new IllegalArgumentException("this agent was built for " + numEnvs + " envs but got " + rows
                        + " observations; training needs one row per env");
            }
            if (envSteps < learningStarts) {
                // Warm-up: uniform over the Box (uniform in the policy range), like action_space.sample().
                policy = new float[rows * actionSize];
                for (int i = 0; i < policy.length; i++) {
                    policy[i] = (float) (2 * rng.nextDouble() - 1);
                }
            } else {
                policy = exploringAction(observations);
            }
            lastPolicyActions = policy;
        }
        return HostArrays.toArray(scaler.toEnv(policy), rows, actionSize);
    }

    @Override
    public void observe(Transition t) {
        if (lastPolicyActions == null) {
            throw new IllegalStateException("observe() without a preceding act(observations, true)");
        }
        buffer.add(HostArrays.toFloats(t.observations()), lastPolicyActions, t.rewards(),
                HostArrays.toFloats(t.nextObservations()), t.terminated(), t.valid());
        lastPolicyActions = null;
        envSteps += numEnvs;
        if (envSteps >= learningStarts) {
            pendingSteps += gradientStepsPerEnvStep * numEnvs;
        }
    }

    @Override
    public boolean readyToLearn() {
        return envSteps >= learningStarts && pendingSteps >= 1 && buffer.size() >= batchSize;
    }

    @Override
    public Map<String, Double> learn(INDArray nextObservations) {
        Map<String, Double> stats = new LinkedHashMap<>();
        int steps = 0;
        while (pendingSteps >= 1) {
            pendingSteps -= 1;
            gradientSteps++;
            steps++;
            update(buffer.sample(batchSize, rng)).forEach((key, value) -> stats.merge(key, value, Double::sum));
        }
        int n = Math.max(1, steps);
        stats.replaceAll((key, value) -> value / n);
        stats.put("updates", (double) gradientSteps);
        return stats;
    }

    /** Env steps observed so far (over all envs). */
    public long envSteps() {
        return envSteps;
    }

    /** The replay buffer (its state goes into checkpoints). */
    public ReplayBuffer buffer() {
        return buffer;
    }

    // ---- Helpers the algorithms share -----------------------------------------------------------------

    /** Rows of [obs | action] for a critic, row-major. */
    protected final float[] concat(float[] obs, float[] actions, int rows) {
        int width = obsSize + actionSize;
        float[] out = new float[rows * width];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(obs, i * obsSize, out, i * width, obsSize);
            System.arraycopy(actions, i * actionSize, out, i * width + obsSize, actionSize);
        }
        return out;
    }

    /** The action part of a critic's input gradient, [rows, actionSize]. */
    protected final float[] actionPart(float[] inputGradient, int rows) {
        int width = obsSize + actionSize;
        float[] out = new float[rows * actionSize];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(inputGradient, i * width + obsSize, out, i * actionSize, actionSize);
        }
        return out;
    }

    /** A critic Q(s, a): an MLP over [obs | action] rows with one output, initialized from the agent's rng. */
    protected final Mlp newCritic(int[] hidden) {
        return Mlp.create(obsSize + actionSize, hidden, 1, Activation.RELU, rng);
    }

    /** Adam with PyTorch's defaults (0.9, 0.999, 1e-8) for a network's parameters. */
    protected static Adam adamFor(Mlp network) {
        return Adam.withEps(network.params().length(), 1e-8);
    }

    /**
     * One regression step of a critic on targets y: Q(s, a) forward, dMSE/dQ, backward, one Adam step.
     * Returns Q(s, a) before the step and the loss in {@code loss[0]}.
     */
    protected static float[] regress(Mlp critic, Adam adam, float[] input, int rows, double[] y, double learningRate,
                                     double[] loss) {
        float[] q = critic.forward(input, rows);
        adam.step(critic.params(), critic.parameterGradient(mseGradient(q, y, loss)), learningRate);
        return q;
    }

    /** tanh of each element (the deterministic actors' squashing into the policy range). */
    protected static float[] tanh(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) Math.tanh(x[i]);
        }
        return out;
    }

    /** dMSE/dQ for mean((q - y)^2): 2 (q - y) / B; returns the loss in {@code loss[0]}. */
    protected static float[] mseGradient(float[] q, double[] y, double[] loss) {
        int b = q.length;
        float[] grad = new float[b];
        double sum = 0;
        for (int j = 0; j < b; j++) {
            double e = q[j] - y[j];
            sum += e * e;
            grad[j] = (float) (2 * e / b);
        }
        loss[0] = sum / b;
        return grad;
    }

    protected static double mean(float[] x) {
        double s = 0;
        for (float v : x) {
            s += v;
        }
        return s / Math.max(1, x.length);
    }
}
