package org.gymbridge.agents.reinforce;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /**
     * A finished episode: env {@code env}'s valid steps in rollout steps [first, last], and how it ended (a
     * truncated episode bootstraps from V(final observation)).
     */
    private record Episode(int env, int first, int last, boolean truncated, float[] finalObservation)
            implements Serializable {
    }

    private final ReinforceConfig config;
    private final int numEnvs;
    private final int obsSize;
    private final PolicyHead head;
    private final ActorCritic net;
    private final Adam adam;
    private Random rng;
    // Every step since the oldest episode still being played, time-major over the envs.
    private RolloutBuffer rollout;
    private int[] episodeStart;
    private ArrayList<Episode> finished = new ArrayList<>();
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
        this.rollout = RolloutBuffer.growing(numEnvs, obsSize, head.distribution().actionSize());
        this.episodeStart = new int[numEnvs];
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
        rollout.addAction(HostArrays.toFloats(observations), actions, null, null);
        return HostArrays.toArray(actions, rows, width);
    }

    @Override
    public void observe(Transition t) {
        int step = rollout.steps();
        rollout.addOutcome(t);
        float[] next = null;
        for (int i = 0; i < numEnvs; i++) {
            if (t.valid()[i] && t.done(i)) {
                if (next == null) {
                    next = HostArrays.toFloats(t.nextObservations());
                }
                finished.add(new Episode(i, episodeStart[i], step, !t.terminated()[i],
                        java.util.Arrays.copyOfRange(next, i * obsSize, (i + 1) * obsSize)));
                episodeStart[i] = step + 1;
            }
        }
    }

    /** The rollout indices of an episode's steps (its env's valid steps in its range of rollout steps). */
    private int[] indices(Episode episode) {
        return java.util.stream.IntStream.rangeClosed(episode.first(), episode.last())
                .map(step -> step * numEnvs + episode.env()).filter(k -> rollout.valid()[k]).toArray();
    }

    @Override
    public boolean readyToLearn() {
        return finished.size() >= config.episodesPerUpdate();
    }

    @Override
    public Map<String, Double> learn(INDArray nextObservations) {
        // The batch: the finished episodes one after the other, in the order they ended.
        int[][] episodes = finished.stream().map(this::indices).toArray(int[][]::new);
        int[] batch = java.util.Arrays.stream(episodes).flatMapToInt(java.util.Arrays::stream).toArray();
        int n = batch.length;
        float[] obs = rollout.observations(batch);
        float[] actions = rollout.actions(batch);
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
            double[] rewards = java.util.Arrays.stream(episodes[e]).mapToDouble(j -> rollout.rewards()[j]).toArray();
            int len = rewards.length;
            double g = bootstrap[e];
            for (int t = len - 1; t >= 0; t--) {
                g = rewards[t] + config.gamma() * g;
                returns[k + t] = g;
            }
            meanReturn += java.util.Arrays.stream(rewards).sum() / finished.size();
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
                -config.entCoef() / n, config.learningRate(), config.maxGradNorm());
        updates++;
        int episodeCount = finished.size();
        finished = new ArrayList<>();
        // Keep only the steps of the episodes still being played.
        int keepFrom = java.util.Arrays.stream(episodeStart).min().orElse(0);
        rollout.dropBefore(keepFrom);
        for (int i = 0; i < numEnvs; i++) {
            episodeStart[i] -= keepFrom;
        }

        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("pi_loss", piLoss);
        stats.put("v_loss", vLoss);
        stats.put("entropy", entropy);
        stats.put("grad_norm", gradNorm);
        stats.put("batch_episodes", (double) episodeCount);
        stats.put("batch_return", meanReturn);
        return stats;
    }

    // ---- Checkpoints --------------------------------------------------------------------------------------

    /** The episodes: steps since the oldest one in progress, where each env's current one began, finished ones. */
    private record Episodes(RolloutBuffer rollout, int[] episodeStart, ArrayList<Episode> finished)
            implements Serializable {
    }

    @Override
    public void save(Path file) throws IOException {
        Checkpoint.of("reinforce").putNetwork("net", net.graph()).putOptimizer("net", adam)
                .put("config", config).put("head", head).put("rng", rng).put("updates", updates)
                .put("episodes", new Episodes(rollout, episodeStart, finished))
                .write(file);
    }

    @Override
    public void load(Path file) throws IOException {
        Checkpoint checkpoint = Checkpoint.read(file, "reinforce");
        checkpoint.restoreNetwork("net", net.params());
        checkpoint.restoreOptimizer("net", adam);
        head.restore(checkpoint.get("head", PolicyHead.class));
        rng = checkpoint.get("rng", Random.class);
        updates = checkpoint.get("updates", Long.class);
        Episodes episodes = checkpoint.get("episodes", Episodes.class);
        rollout = episodes.rollout();
        episodeStart = episodes.episodeStart();
        finished = episodes.finished();
    }
}
