package org.gymbridge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Space;

/**
 * A trained agent loaded from a run folder (what {@code gymbridge train} wrote) for {@code eval} and
 * {@code record}: run.yaml names the env and the algorithm, config.yaml the config, and
 * {@code checkpoint/agent.bin} (or {@code best-agent.bin}) holds the weights, loaded with {@link Agent#load}.
 * The agent acts on any env whose observation and action spaces equal those of the run's env.
 */
final class TrainedAgent {
    private static final Pattern NUM_ENVS = Pattern.compile("(?:[?&])num_envs=(\\d+)");

    final Path dir;
    final String envUrl;
    final Algorithm<?> algorithm;
    final Record config;
    final long seed;
    final long steps;
    final Path checkpoint;

    private TrainedAgent(Path dir, String envUrl, Algorithm<?> algorithm, Record config, long seed, long steps,
                         Path checkpoint) {
        this.dir = dir;
        this.envUrl = envUrl;
        this.algorithm = algorithm;
        this.config = config;
        this.seed = seed;
        this.steps = steps;
        this.checkpoint = checkpoint;
    }

    /** Reads the run folder {@code dir}; {@code best} picks the best periodic evaluation's agent. */
    static TrainedAgent of(Path dir, boolean best) throws IOException {
        Path runFile = dir.resolve(TrainingRun.RUN_FILE);
        if (!Files.isRegularFile(runFile)) {
            throw new IllegalArgumentException(dir + " is not a run folder (no " + TrainingRun.RUN_FILE
                    + "): give the --out folder of a gymbridge train run");
        }
        Map<String, Object> run = Configs.readFile(runFile);
        Algorithm<?> algorithm = Algorithms.get(String.valueOf(run.get("algo")));
        Path configFile = dir.resolve(TrainingRun.CONFIG_FILE);
        Record config = Configs.bind(algorithm.defaults(), Configs.readFile(configFile), configFile.toString());
        Path ckpt = dir.resolve(TrainingRun.CHECKPOINT_DIR).resolve(best ? "best-agent.bin" : "agent.bin");
        if (!Files.isRegularFile(ckpt)) {
            throw new IllegalArgumentException(best
                    ? "no " + ckpt + ": the run kept no best agent (it needs periodic evaluations, trainer eval_every > 0);"
                    + " drop --best to use the last checkpoint"
                    : "no " + ckpt + ": the run has no checkpoint yet (continue it with gymbridge train --resume " + dir + ")");
        }
        return new TrainedAgent(dir, String.valueOf(run.get("env")), algorithm, config,
                ((Number) run.get("seed")).longValue(), ((Number) run.get("steps")).longValue(), ckpt);
    }

    /**
     * The agent, built for {@code env} and loaded from the checkpoint. With {@code otherEnv} (an env URL the user
     * gave instead of the run's) the run's env is made once to check that its spaces equal {@code env}'s.
     */
    Agent loadFor(VectorEnv env, String url, boolean otherEnv) throws IOException {
        if (otherEnv) {
            requireSameSpaces(env, url);
        }
        String envId = env.spec() != null ? env.spec().envId() : url;
        // Built as in training (the run's env count: buffers sized for it must match the checkpoint); acting
        // greedily takes a batch of any size.
        AgentContext context = new AgentContext(env.singleObservationSpace(), env.singleActionSpace(),
                numEnvs(envUrl), envId, steps);
        Agent agent = algorithm.create(context, config, seed);
        agent.load(checkpoint);
        return agent;
    }

    private void requireSameSpaces(VectorEnv env, String url) {
        Space obs;
        Space act;
        try (VectorEnv trained = GymBridge.makeVec(withQuery(envUrl, "num_envs", "1"))) {
            obs = trained.singleObservationSpace();
            act = trained.singleActionSpace();
        }
        if (!obs.equals(env.singleObservationSpace()) || !act.equals(env.singleActionSpace())) {
            throw new IllegalArgumentException("the agent of " + dir + " cannot act on " + url + ": it was trained on "
                    + envUrl + ", which observes " + SpaceText.of(obs) + " and acts in " + SpaceText.of(act) + ", but "
                    + url + " observes " + SpaceText.of(env.singleObservationSpace()) + " and acts in "
                    + SpaceText.of(env.singleActionSpace()) + "; use an env with the same spaces");
        }
    }

    static int numEnvs(String url) {
        Matcher m = NUM_ENVS.matcher(url);
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** {@code url} with query key {@code key} set to {@code value} (replaced if present). */
    static String withQuery(String url, String key, String value) {
        String pattern = "([?&])" + Pattern.quote(key) + "=[^&]*";
        if (Pattern.compile(pattern).matcher(url).find()) {
            return url.replaceAll(pattern, "$1" + key + "=" + Matcher.quoteReplacement(value));
        }
        return url + (url.contains("?") ? "&" : "?") + key + "=" + value;
    }
}
