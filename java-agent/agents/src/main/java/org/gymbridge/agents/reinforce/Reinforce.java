package org.gymbridge.agents.reinforce;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Seeding;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.nn.ActorCritic;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.agents.policy.PolicyGradient;
import org.gymbridge.agents.policy.PolicyHead;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * REINFORCE (Williams 1992), Monte Carlo policy gradient, with or without a learned value baseline
 * (Sutton and Barto, ch. 13.3-13.4). Each env plays whole episodes; once {@code episodesPerUpdate} have
 * finished, one gradient step is taken on all their steps:
 *
 * <pre>
 *   G_t  = r_t + gamma G_{t+1}          (G_T = V(s_T) when the episode was truncated by a time limit, else 0)
 *   A_t  = G_t - V(s_t)  with a baseline, G_t without
 *   L    = -mean(A_t log pi(a_t|s_t)) - entCoef mean(H) + vfCoef 0.5 mean((V(s_t) - G_t)^2)
 * </pre>
 *
 * Episodes still running at an update carry on under the new policy (the usual vector-env compromise).
 * Actions come from the {@link PolicyHead} for the env's action space (Categorical, MultiCategorical, or a
 * Gaussian with a state-independent log std).
 */
public final class Reinforce implements Agent {

    /** A finished episode (or the running part of one), row-major arrays. */
    private record Episode(float[] observations, float[] actions, double[] rewards, boolean truncated,
                           float[] finalObservation) implements Serializable {
    }

    /** The episode being played by one env. */
    private static final class Open implements Serializable {
        final List<float[]> observations = new ArrayList<>();
        final List<float[]> actions = new ArrayList<>();
        final List<Double> rewards = new ArrayList<>();
    }

    private final ReinforceConfig config;
    private final int numEnvs;
    private final int obsSize;
    private final PolicyHead head;
    private final ActorCritic net;
    private final Adam adam;
    private Random rng;
    private Open[] open;
    private ArrayList<Episode> finished = new ArrayList<>();
    private float[] lastObs;
    private float[] lastActions;
    private long updates;

    /** A new agent for {@code numEnvs} envs; the head fixes the action distribution. */
    public Reinforce(ReinforceConfig config, int numEnvs, int obsSize, PolicyHead head, long seed) {
        this.config = config;
        this.numEnvs = numEnvs;
        this.obsSize = obsSize;
        this.head = head;
        this.rng = Seeding.seed(seed);
        this.net = ActorCritic.create(obsSize, head.networkOutputSize(), config.hidden(), rng);
        this.adam = new Adam(net.params().length(), 0.9, 0.999, 1e-8);
        this.open = new Open[numEnvs];
        for (int i = 0; i < numEnvs; i++) {
            open[i] = new Open();
        }
    }

    /** The registry's factory ({@code gymbridge train --algo reinforce}). */
    public static Reinforce create(AgentContext context, ReinforceConfig config, long seed) {
        return new Reinforce(config, context.numEnvs(), context.observations().size(),
                PolicyHead.forSpace(context.actionSpace(), true, 0.0), seed);
    }

    public ReinforceConfig config() {
        return config;
    }

    /** The policy and value (baseline) network. */
    public ActorCritic network() {
        return net;
    }

    @Override
    public INDArray act(INDArray observations, boolean explore) {
        ActorCritic.Output out = net.predict(observations);
        int rows = out.value().length;
        int width = head.distribution().actionSize();
        float[] params = head.params(out.policy());
        if (!explore) {
            return HostArrays.toArray(head.distribution().mode(params), rows, width);
        }
        if (rows != numEnvs) {
            throw new IllegalArgumentException("this agent was built for " + numEnvs + " envs but got " + rows
                    + " observations; training needs one row per env");
        }
        float[] actions = new float[rows * width];
        head.distribution().sample(params, rng, actions);
        lastObs = HostArrays.toFloats(observations);
        lastActions = actions;
        return HostArrays.toArray(actions, rows, width);
    }

    @Override
    public void observe(Transition t) {
        int width = head.distribution().actionSize();
        float[] next = null;
        for (int i = 0; i < numEnvs; i++) {
            if (!t.valid()[i]) {
                continue;
            }
            open[i].observations.add(java.util.Arrays.copyOfRange(lastObs, i * obsSize, (i + 1) * obsSize));
            open[i].actions.add(java.util.Arrays.copyOfRange(lastActions, i * width, (i + 1) * width));
            open[i].rewards.add(t.rewards()[i]);
            if (t.done(i)) {
                boolean truncated = !t.terminated()[i];
                if (next == null) {
                    next = HostArrays.toFloats(t.nextObservations());
                }
                finished.add(close(open[i], truncated,
                        java.util.Arrays.copyOfRange(next, i * obsSize, (i + 1) * obsSize)));
                open[i] = new Open();
            }
        }
    }

    private Episode close(Open episode, boolean truncated, float[] finalObs) {
        int n = episode.rewards.size();
        int width = head.distribution().actionSize();
        float[] obs = new float[n * obsSize];
        float[] act = new float[n * width];
        double[] rew = new double[n];
        for (int t = 0; t < n; t++) {
            System.arraycopy(episode.observations.get(t), 0, obs, t * obsSize, obsSize);
            System.arraycopy(episode.actions.get(t), 0, act, t * width, width);
            rew[t] = episode.rewards.get(t);
        }
        return new Episode(obs, act, rew, truncated, finalObs);
    }

    @Override
    public boolean readyToLearn() {
        return finished.size() >= config.episodesPerUpdate();
    }

    @Override
    public Map<String, Double> learn(INDArray nextObservations) {
        int width = head.distribution().actionSize();
        int n = finished.stream().mapToInt(e -> e.rewards().length).sum();
        float[] obs = new float[n * obsSize];
        float[] actions = new float[n * width];
        double[] returns = new double[n];

        // Bootstrap values of truncated episodes (one batched forward), only with a baseline to learn them.
        double[] bootstrap = new double[finished.size()];
        if (config.baseline()) {
            float[] finals = new float[finished.size() * obsSize];
            for (int e = 0; e < finished.size(); e++) {
                System.arraycopy(finished.get(e).finalObservation(), 0, finals, e * obsSize, obsSize);
            }
            float[] v = net.predict(HostArrays.toArray(finals, finished.size(), obsSize)).value();
            for (int e = 0; e < finished.size(); e++) {
                bootstrap[e] = finished.get(e).truncated() ? v[e] : 0;
            }
        }
        // G_t = r_t + gamma G_{t+1}, per episode, laid out episode after episode.
        int k = 0;
        double meanReturn = 0;
        for (int e = 0; e < finished.size(); e++) {
            Episode episode = finished.get(e);
            int len = episode.rewards().length;
            System.arraycopy(episode.observations(), 0, obs, k * obsSize, len * obsSize);
            System.arraycopy(episode.actions(), 0, actions, k * width, len * width);
            double g = bootstrap[e];
            for (int t = len - 1; t >= 0; t--) {
                g = episode.rewards()[t] + config.gamma() * g;
                returns[k + t] = g;
            }
            meanReturn += java.util.Arrays.stream(episode.rewards()).sum() / finished.size();
            k += len;
        }

        ActorCritic.Output out = net.forward(HostArrays.toArray(obs, n, obsSize));
        double[] advantages = new double[n];
        float[] dValue = new float[n];
        double vLoss = 0;
        for (int j = 0; j < n; j++) {
            advantages[j] = config.baseline() ? returns[j] - out.value()[j] : returns[j];
            if (config.baseline()) {
                double error = out.value()[j] - returns[j];
                vLoss += 0.5 * error * error / n;
                dValue[j] = (float) (config.vfCoef() * error / n);
            }
        }
        if (config.normalizeAdvantages()) {
            PolicyGradient.standardize(advantages);
        }
        double[] logProbs = head.distribution().logProb(head.params(out.policy()), actions);
        double[] dLogProb = new double[n];
        double piLoss = 0;
        for (int j = 0; j < n; j++) {
            dLogProb[j] = -advantages[j] / n;
            piLoss -= advantages[j] * logProbs[j] / n;
        }
        double entropy = java.util.Arrays.stream(head.distribution().entropy(head.params(out.policy())))
                .average().orElse(0);
        double gradNorm = PolicyGradient.step(net, head, adam, out.policy(), actions, dLogProb, dValue,
                -config.entCoef() / n, config.learningRate(), config.maxGradNorm(), 1e-8);
        updates++;
        int episodes = finished.size();
        finished = new ArrayList<>();

        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("pi_loss", piLoss);
        stats.put("v_loss", vLoss);
        stats.put("entropy", entropy);
        stats.put("grad_norm", gradNorm);
        stats.put("batch_episodes", (double) episodes);
        stats.put("batch_return", meanReturn);
        return stats;
    }

    // ---- Checkpoints --------------------------------------------------------------------------------------

    /** Everything but the network: optimizer, head, random generator, episodes in progress. */
    private record State(ReinforceConfig config, Adam.State adam, PolicyHead head, Random rng, Open[] open,
                         ArrayList<Episode> finished, long updates) implements Serializable {
    }

    @Override
    public void save(Path file) throws IOException {
        Checkpoint.write(file, net.graph(), Map.of("reinforce", new State(config, adam.state(), head, rng, open,
                finished, updates)));
    }

    @Override
    public void load(Path file) throws IOException {
        INDArray restored = Checkpoint.readParams(file, net.params().length());
        State state = Checkpoint.readExtra(file, "reinforce", State.class);
        net.params().assign(restored);
        adam.restore(state.adam());
        head.restore(state.head());
        rng = state.rng();
        open = state.open();
        finished = state.finished();
        updates = state.updates();
    }
}
