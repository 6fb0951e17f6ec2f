package org.gymbridge.agents.dqn;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gymbridge.agents.buffers.PrioritizedReplay;
import org.gymbridge.agents.buffers.ReplayBuffer;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Seeding;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.agents.nn.ConvEncoder;
import org.gymbridge.spaces.Box;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Deep Q-Network (Mnih et al. 2015) and its extensions, switched on in {@link DqnConfig}: Double DQN
 * (van Hasselt et al. 2016), the dueling head (Wang et al. 2016), prioritized replay (Schaul et al. 2016)
 * and n-step returns. Read top to bottom like CleanRL's dqn.py:
 * <ol>
 *   <li>{@link #act}: one forward pass of the online net for the whole vector step, epsilon-greedy per env;</li>
 *   <li>{@link #observe}: per env, fold the last n rewards into an n-step transition
 *       (s_t, a_t, R = sum_k gamma^k r_t+k, s_t+n, gamma^n, or 0 after a terminal state) and store it;
 *       every {@code trainFrequency} env steps after {@code learningStarts}, schedule {@code gradientSteps} updates;</li>
 *   <li>{@link #learn}: sync the target net every {@code targetUpdateInterval} steps, then per update
 *       <pre>
 *   a*  = argmax_a Q_online(s', a)  (Double)   or  argmax_a Q_target(s', a)
 *   y   = R + discount * Q_target(s', a*)
 *   L   = mean_i w_i loss(Q_online(s_i, a_i) - y_i)      (Huber or squared; w_i = PER importance weights, else 1)
 *       </pre>
 *       and with PER the replayed slots get priority |Q - y| + eps.</li>
 * </ol>
 * The gradient dL/dQ is formed here and back-propagated through the DL4J network as an external error
 * (dueling: Q = V + A - mean(A), so dV = sum_a dQ_a and dA_a = dQ_a - mean(dQ)); {@link Adam} applies it.
 */
public final class Dqn implements Agent {

    private final DqnConfig config;
    private final int numEnvs;
    private final int obsSize;
    private final int numActions;
    private final QNetwork online;
    private final QNetwork target;
    private final Adam adam;
    private final ReplayBuffer buffer;
    private final PrioritizedReplay priorities;      // null without PER
    private Random rng;

    // Per replay slot: the discount of the bootstrap term (gamma^k, 0 after a terminal state).
    private double[] discount;
    private long added;
    private long steps;
    private long lastTargetUpdate;
    private long nextTrain;
    private int pendingUpdates;
    private long updates;

    // n-step windows per env: the last (s, a, r) not yet stored.
    private float[][] windowObs;
    private int[][] windowActions;
    private double[][] windowRewards;
    private int[] windowLength;

    private double lossSum;
    private double qSum;
    private int statCount;

    public Dqn(AgentContext context, DqnConfig config, long seed) {
        this.config = config;
        this.numEnvs = context.numEnvs();
        this.numActions = context.discreteActions("dqn");
        this.obsSize = context.observations().size();
        this.rng = Seeding.seed(seed);
        int outputs = config.dueling() ? numActions + 1 : numActions;
        if (config.network() == DqnConfig.Network.CNN) {
            if (!(context.observationSpace() instanceof Box box) || (box.shape().length != 3 && box.shape().length != 4)) {
                throw new IllegalArgumentException("network: cnn needs image observations [height, width, channels] (or "
                        + "stacked [frames, height, width, channels]), but " + context.envId() + " observes "
                        + context.observationSpace() + ": use network: mlp");
            }
            this.online = QNetwork.cnn(ConvEncoder.ofShape(box.shape()), outputs, rng);
        } else {
            this.online = QNetwork.mlp(obsSize, config.hidden(), outputs, rng);
        }
        this.target = online.copy();
        this.adam = new Adam(online.params().length(), 0.9, 0.999, config.adamEps());
        this.buffer = new ReplayBuffer(config.bufferSize(), obsSize, 1);
        this.priorities = config.prioritized() ? new PrioritizedReplay(config.bufferSize(), config.priorityAlpha()) : null;
        this.discount = new double[config.bufferSize()];
        this.nextTrain = Math.max(config.trainFrequency(), config.learningStarts());
        this.windowObs = new float[numEnvs][config.nStep() * obsSize];
        this.windowActions = new int[numEnvs][config.nStep()];
        this.windowRewards = new double[numEnvs][config.nStep()];
        this.windowLength = new int[numEnvs];
    }

    /** The registry's factory ({@code --algo dqn}); double-dqn etc. are the same agent with a switch set. */
    public static Dqn create(AgentContext context, DqnConfig config, long seed) {
        return new Dqn(context, config, seed);
    }

    public DqnConfig config() {
        return config;
    }

    /** The replay buffer (tests: what n-step folding stored). */
    ReplayBuffer buffer() {
        return buffer;
    }

    /** The bootstrap discount stored with replay slot {@code slot}. */
    double discount(int slot) {
        return discount[slot];
    }

    // ---- 1. Acting ---------------------------------------------------------------------------------------

    @Override
    public INDArray act(INDArray observations, boolean explore) {
        float[] rows = HostArrays.toFloats(observations);
        int n = rows.length / obsSize;
        double[] q = qValues(online.predict(rows, n), n);          // one forward for all envs
        double eps = config.epsilon().value(steps);
        float[] actions = new float[n];
        for (int i = 0; i < n; i++) {
            actions[i] = explore && rng.nextDouble() < eps ? rng.nextInt(numActions) : argmax(q, i);
        }
        return HostArrays.toArray(actions, n, 1);
    }

    /** Q-values [rows, numActions] of the online net for a batch of observations (row-major). */
    public double[] predictQ(float[] observations, int rows) {
        return qValues(online.predict(observations, rows), rows);
    }

    // ---- 2. Storing n-step transitions -------------------------------------------------------------------

    @Override
    public void observe(Transition t) {
        float[] obs = HostArrays.toFloats(t.observations());
        float[] next = HostArrays.toFloats(t.nextObservations());
        float[] actions = HostArrays.toFloats(t.actions());
        int n = config.nStep();
        for (int i = 0; i < numEnvs; i++) {
            if (!t.valid()[i]) {
                continue;
            }
            int len = windowLength[i];
            System.arraycopy(obs, i * obsSize, windowObs[i], len * obsSize, obsSize);
            windowActions[i][len] = (int) actions[i];
            windowRewards[i][len] = t.rewards()[i];
            windowLength[i] = ++len;
            if (t.done(i)) {
                // The episode ended: every pending start gets its (shorter) return; bootstrap only after truncation.
                for (int j = 0; j < len; j++) {
                    store(i, j, len, next, t.terminated()[i]);
                }
                windowLength[i] = 0;
            } else if (len == n) {
                store(i, 0, n, next, false);
                shiftWindow(i);
            }
        }
        steps += numEnvs;
        if (steps >= config.learningStarts()) {
            while (steps >= nextTrain) {
                pendingUpdates += config.gradientSteps();
                nextTrain += config.trainFrequency();
            }
        }
    }

    /** Stores the transition that starts at window index {@code from} and ends at {@code to} (exclusive). */
    private void store(int env, int from, int to, float[] next, boolean terminated) {
        double reward = 0;
        double g = 1;
        for (int k = from; k < to; k++) {
            reward += g * windowRewards[env][k];
            g *= config.gamma();
        }
        int slot = (int) (added % config.bufferSize());
        float[] s = Arrays.copyOfRange(windowObs[env], from * obsSize, (from + 1) * obsSize);
        float[] s2 = Arrays.copyOfRange(next, env * obsSize, (env + 1) * obsSize);
        buffer.add(s, new float[] {windowActions[env][from]}, new double[] {reward}, s2, new boolean[] {terminated},
                new boolean[] {true});
        discount[slot] = terminated ? 0 : g;
        added++;
        if (priorities != null) {
            priorities.added(slot);
        }
    }

    private void shiftWindow(int env) {
        int n = config.nStep();
        System.arraycopy(windowObs[env], obsSize, windowObs[env], 0, (n - 1) * obsSize);
        System.arraycopy(windowActions[env], 1, windowActions[env], 0, n - 1);
        System.arraycopy(windowRewards[env], 1, windowRewards[env], 0, n - 1);
        windowLength[env] = n - 1;
    }

    // ---- 3. Learning -------------------------------------------------------------------------------------

    @Override
    public boolean readyToLearn() {
        return pendingUpdates > 0;
    }

    @Override
    public Map<String, Double> learn(INDArray nextObservations) {
        if (steps - lastTargetUpdate >= config.targetUpdateInterval()) {
            target.softUpdate(online, config.tau());
            lastTargetUpdate = steps;
        }
        for (; pendingUpdates > 0; pendingUpdates--) {
            gradientStep();
        }
        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("loss", lossSum / Math.max(1, statCount));
        stats.put("q_mean", qSum / Math.max(1, statCount));
        stats.put("epsilon", config.epsilon().value(steps));
        stats.put("lr", config.learningRate().value(steps));
        if (priorities != null) {
            stats.put("beta", config.priorityBeta().value(steps));
        }
        stats.put("updates", (double) updates);
        lossSum = 0;
        qSum = 0;
        statCount = 0;
        return stats;
    }

    private void gradientStep() {
        int b = config.batchSize();
        int[] slots;
        double[] weights = new double[b];
        ReplayBuffer.Batch batch;
        if (priorities != null) {
            PrioritizedReplay.Sample sample = priorities.sample(b, buffer.size(),
                    Math.min(1, config.priorityBeta().value(steps)), rng);
            batch = buffer.gather(sample.slots());
            slots = sample.slots();
            weights = sample.weights();
        } else {
            batch = buffer.sample(b, rng);
            slots = batch.indices();
            Arrays.fill(weights, 1);
        }

        double[] y = targets(batch, slots);

        // L = mean_j w_j loss(Q(s_j, a_j) - y_j), Huber or squared; only Q(s_j, a_j) gets a gradient.
        double[] q = qValues(online.forward(batch.observations(), b), b);
        double[] dQ = new double[b * numActions];
        double[] newPriorities = new double[b];
        double loss = 0;
        for (int j = 0; j < b; j++) {
            int a = (int) batch.actions()[j];
            double delta = q[j * numActions + a] - y[j];
            double abs = Math.abs(delta);
            if (config.huber()) {
                loss += weights[j] * (abs < 1 ? 0.5 * delta * delta : abs - 0.5);
                dQ[j * numActions + a] = weights[j] * Math.max(-1, Math.min(1, delta)) / b;
            } else {
                loss += weights[j] * delta * delta;
                dQ[j * numActions + a] = weights[j] * 2 * delta / b;
            }
            newPriorities[j] = abs + config.priorityEps();
            qSum += q[j * numActions + a] / b;
        }
        lossSum += loss / b;
        statCount++;

        INDArray gradient = online.backward(outputGradient(dQ, b));
        if (config.maxGradNorm() > 0) {
            Adam.clipGradientNorm(gradient, config.maxGradNorm());
        }
        adam.step(online.params(), gradient, config.learningRate().value(steps));
        if (priorities != null) {
            priorities.update(slots, newPriorities);
        }
        updates++;
    }

    /**
     * The TD targets y = R + discount * Q_target(s', a*) of a replayed batch, a* from the online net (Double
     * DQN) or the target net. discount is 0 after a terminal state and gamma^k otherwise, so a time-limit
     * truncation bootstraps from its final observation and a termination does not.
     */
    double[] targets(ReplayBuffer.Batch batch, int[] slots) {
        int b = slots.length;
        double[] qTarget = qValues(target.predict(batch.nextObservations(), b), b);
        double[] qSelect = config.doubleQ() ? qValues(online.predict(batch.nextObservations(), b), b) : qTarget;
        double[] y = new double[b];
        for (int j = 0; j < b; j++) {
            y[j] = batch.rewards()[j] + discount[slots[j]] * qTarget[j * numActions + argmax(qSelect, j)];
        }
        return y;
    }

    // ---- The dueling head --------------------------------------------------------------------------------

    /** Q-values [rows, numActions] from network outputs (dueling: V + A - mean(A)). */
    private double[] qValues(float[] out, int rows) {
        double[] q = new double[rows * numActions];
        if (!config.dueling()) {
            for (int k = 0; k < q.length; k++) {
                q[k] = out[k];
            }
            return q;
        }
        int w = numActions + 1;
        for (int j = 0; j < rows; j++) {
            double meanA = 0;
            for (int a = 0; a < numActions; a++) {
                meanA += out[j * w + 1 + a];
            }
            meanA /= numActions;
            for (int a = 0; a < numActions; a++) {
                q[j * numActions + a] = out[j * w] + out[j * w + 1 + a] - meanA;
            }
        }
        return q;
    }

    /** dLoss/dOutputs from dLoss/dQ (dueling: dV = sum dQ, dA_a = dQ_a - mean(dQ)). */
    private float[] outputGradient(double[] dQ, int rows) {
        if (!config.dueling()) {
            float[] g = new float[dQ.length];
            for (int k = 0; k < g.length; k++) {
                g[k] = (float) dQ[k];
            }
            return g;
        }
        int w = numActions + 1;
        float[] g = new float[rows * w];
        for (int j = 0; j < rows; j++) {
            double sum = 0;
            for (int a = 0; a < numActions; a++) {
                sum += dQ[j * numActions + a];
            }
            g[j * w] = (float) sum;
            for (int a = 0; a < numActions; a++) {
                g[j * w + 1 + a] = (float) (dQ[j * numActions + a] - sum / numActions);
            }
        }
        return g;
    }

    private int argmax(double[] q, int row) {
        int best = 0;
        for (int a = 1; a < numActions; a++) {
            if (q[row * numActions + a] > q[row * numActions + best]) {
                best = a;
            }
        }
        return best;
    }

    // ---- Checkpoints -------------------------------------------------------------------------------------

    private record State(float[] target, Adam.State adam, ReplayBuffer.State buffer, PrioritizedReplay.State priorities,
                         double[] discount, long added, long steps, long lastTargetUpdate, long nextTrain,
                         int pendingUpdates, long updates, float[][] windowObs, int[][] windowActions,
                         double[][] windowRewards, int[] windowLength, Random rng) implements Serializable {
    }

    /** The online net with ModelSerializer, the rest (target, Adam, replay, priorities, n-step windows, RNG) as an entry. */
    @Override
    public void save(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ModelSerializer.writeModel(online.network(), file.toFile(), false);
        ModelSerializer.addObjectToFile(file.toFile(), "dqn-state", new State(target.params().toFloatVector(),
                adam.state(), buffer.state(), priorities == null ? null : priorities.state(), discount, added, steps,
                lastTargetUpdate, nextTrain, pendingUpdates, updates, windowObs, windowActions, windowRewards,
                windowLength, rng));
    }

    @Override
    public void load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no DQN checkpoint at " + file.toAbsolutePath());
        }
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
        if (restored.params().length() != online.params().length()) {
            throw new IOException("checkpoint " + file + " holds a network of " + restored.params().length()
                    + " parameters, this agent has " + online.params().length() + ": different env or config");
        }
        Object entry = ModelSerializer.getObjectFromFile(file.toFile(), "dqn-state");
        if (!(entry instanceof State s)) {
            throw new IOException("checkpoint " + file + " has no DQN state: was it written by another algorithm?");
        }
        online.params().assign(restored.params());
        target.params().assign(HostArrays.toArray(s.target(), target.params().shape()));
        adam.restore(s.adam());
        buffer.restore(s.buffer());
        if (priorities != null) {
            priorities.restore(s.priorities());
        }
        discount = s.discount();
        added = s.added();
        steps = s.steps();
        lastTargetUpdate = s.lastTargetUpdate();
        nextTrain = s.nextTrain();
        pendingUpdates = s.pendingUpdates();
        updates = s.updates();
        windowObs = s.windowObs();
        windowActions = s.windowActions();
        windowRewards = s.windowRewards();
        windowLength = s.windowLength();
        rng = s.rng();
    }
}
