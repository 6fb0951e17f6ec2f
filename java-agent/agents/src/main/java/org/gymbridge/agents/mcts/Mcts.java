package org.gymbridge.agents.mcts;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.core.Checkpoint;
import org.gymbridge.agents.core.FollowsResets;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.agents.core.Transition;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.Snapshot;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.Value;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Monte Carlo Tree Search with UCT (Kocsis and Szepesvári 2006) that plans in a model of the env: a second
 * session of the same env on the server (the "model"), kept in the real env's state through env snapshots.
 *
 * <p>The model session has {@code lanes} envs, all standing at the real env's state, each saved as the root
 * {@link Snapshot} of its lane. A move runs {@code simulations} simulations in rounds of {@code lanes}: a round
 * restores every lane from its root in one call (reseeding each lane's random generator, so a slippery
 * FrozenLake slips as it might, not as the real env will), then walks all lanes together, one batched model step
 * for all of them per step, each lane
 * <ol>
 *   <li>selection: from the root, take untried actions first, else the action maximising
 *       {@code Q(s,a) + c sqrt(ln N(s) / N(s,a))} (Q normalised to [0, 1] over the values seen this episode;
 *       N counts the visits of lanes still on their way too, so lanes choosing together spread out);</li>
 *   <li>chance: stepping the model samples an outcome; the edge keeps one child per outcome (state, reward) with
 *       its count, so a stochastic env grows one child per outcome seen, a deterministic one exactly one. With
 *       transpositions, a state (observation and end flags) has one node for the whole episode, however it was
 *       reached: the search runs over a graph of states;</li>
 *   <li>the descent goes on through known states and stops at a new action or outcome, the episode's end or
 *       {@code depth} model steps; a new state is valued by a rollout (random or a given agent's policy, batched
 *       over the lanes rolling out);</li>
 *   <li>backup, once the round's lanes are all done, lane by lane: BELLMAN, {@code Q(s,a) = sum_o p(o) (r_o +
 *       gamma V(s_o))} with the sampled frequencies and {@code V(s) = max_a Q(s,a)}, along the path and on to every
 *       parent of a state whose value changed; or MEAN, Q(s,a) the mean discounted return through (s,a).</li>
 * </ol>
 * The move is the root's best Q; the node of the state the real step then reached is the next search's root
 * (a resumed run replays the env but starts with a fresh graph). Acting in the real env, the agent then advances
 * every lane with the same action from its root (without reseeding: the lanes' generators are the real env's) and
 * checks that they all arrive at the real env's observation and reward. Nothing is learned; {@code learn} reports
 * the last move's tree statistics. The model is reset with every seed the real env is reset with
 * ({@link FollowsResets}), so the agent runs under {@link org.gymbridge.agents.train.StepLoop}, {@code Trainer},
 * {@code TrainingRun} and {@code Evaluation} like any other; it acts in one env at a time ({@code num_envs=1}).
 */
public final class Mcts implements Agent, FollowsResets, AutoCloseable {

    private static final int MAX_SWEEP = 10_000; // Q updates per simulation carrying values to other parents

    private final MctsConfig config;
    private final VectorEnv model;
    private final int lanes;
    private final int numActions;
    private final long actionStart;
    private final ObservationAdapter observations;
    private final Function<INDArray, INDArray> rolloutPolicy; // null: uniform random actions
    private Random rng;

    // The model's root: the real env's current state, one snapshot per lane.
    private Snapshot[] root;
    private Value rootObs; // lane 0's observation, as a batch of one
    private boolean rootDone;
    private double lastReward;
    private boolean following;
    private long resetSeed;
    private final List<Long> history = new ArrayList<>(); // actions since the last reset (what load() replays)
    private Long pending;                                  // the action act() returned, not yet mirrored
    private Node top;                                      // the last search's root node
    private Node reuse;                                    // the node the real step led to: the next search's root
    private final Map<EnvState, Node> graph = new HashMap<>(); // with transpositions: the episode's node of each state

    // Tree statistics of the last move (learn() reports them).
    private final Map<String, Double> stats = new LinkedHashMap<>();
    private boolean planned;
    private double minQ; // the range of Q values seen this episode (UCT's normalisation)
    private double maxQ;
    private long modelSteps;
    private long modelCalls;
    private long totalModelSteps;
    private long totalModelCalls;
    private int nodes;
    private int maxDepth;

    /**
     * An agent planning in {@code model} (a session of the env it will act on with one env per lane, NEXT_STEP
     * autoreset), which it closes on {@link #close}.
     *
     * @param rolloutPolicy batched observations [n, obs] to actions [n]; null for uniform random rollouts
     */
    public Mcts(VectorEnv model, MctsConfig config, Function<INDArray, INDArray> rolloutPolicy, long seed) {
        if (model.numEnvs() != config.lanes()) {
            throw new IllegalArgumentException("mcts runs one lane per env of its model session: lanes " + config.lanes()
                    + " but the model has num_envs=" + model.numEnvs());
        }
        if (!(model.singleActionSpace() instanceof Discrete d)) {
            throw new IllegalArgumentException("mcts needs a Discrete action space, but " + model.spec().envId()
                    + " acts in " + model.singleActionSpace());
        }
        this.model = model;
        this.config = config;
        this.lanes = config.lanes();
        this.numActions = Math.toIntExact(d.n());
        this.actionStart = d.start();
        this.observations = ObservationAdapter.forSpace(model.singleObservationSpace());
        this.rolloutPolicy = rolloutPolicy;
        this.rng = new Random(seed);
    }

    /** What {@code gymbridge train --algo mcts} builds: the model is a new session made from the run's env URL. */
    public static Mcts create(AgentContext context, MctsConfig config, long seed) {
        if (context.numEnvs() != 1) {
            throw new IllegalArgumentException("mcts plans for one env at a time: use num_envs=1 in the env URL");
        }
        if (context.envUrl() == null) {
            throw new IllegalArgumentException("mcts makes its model session from the env URL, which this context lacks");
        }
        Function<INDArray, INDArray> rollout = config.rollout() == MctsConfig.Rollout.AGENT
                ? rolloutAgent(Path.of(config.rolloutAgentRun()), context) : null;
        return new Mcts(GymBridge.makeVec(withNumEnvs(context.envUrl(), config.lanes())), config, rollout, seed);
    }

    /** The env URL with {@code num_envs=n} (the model session: one env per lane). */
    static String withNumEnvs(String url, int n) {
        if (url.matches(".*[?&]num_envs=\\d+.*")) {
            return url.replaceFirst("([?&])num_envs=\\d+", "$1num_envs=" + n);
        }
        return url + (url.contains("?") ? "&" : "?") + "num_envs=" + n;
    }

    /** The greedy policy of the agent trained in a {@code gymbridge train} run folder. */
    static Function<INDArray, INDArray> rolloutAgent(Path run, AgentContext context) {
        try {
            Map<String, Object> spec = Configs.readFile(run.resolve(TrainingRun.RUN_FILE));
            Algorithm<?> algorithm = Algorithms.get(String.valueOf(spec.get("algo")));
            Record config = Configs.bind(algorithm.defaults(), Configs.readFile(run.resolve(TrainingRun.CONFIG_FILE)),
                    run.resolve(TrainingRun.CONFIG_FILE).toString());
            Agent agent = algorithm.create(new AgentContext(context.observationSpace(), context.actionSpace(), 1,
                    context.envId(), context.totalSteps()), config, 0);
            Path best = run.resolve(TrainingRun.CHECKPOINT_DIR).resolve("best-agent.bin");
            agent.load(Files.isRegularFile(best) ? best : run.resolve(TrainingRun.CHECKPOINT_DIR).resolve("agent.bin"));
            return obs -> agent.act(obs, false);
        } catch (IOException e) {
            throw new IllegalArgumentException("rollout_agent_run " + run + ": cannot load its agent: " + e.getMessage(), e);
        }
    }

    // ---- Following the real env ---------------------------------------------------------------------------

    @Override
    public void envReset(long seed) {
        long[] seeds = new long[lanes];
        Arrays.fill(seeds, seed); // every lane is the real env's copy
        Value obs = model.reset(seeds).observations();
        setRoot(obs, false, 0);
        history.clear();
        resetSeed = seed;
        pending = null;
        top = null;
        reuse = null;
        graph.clear();
        nodes = 0;
        minQ = Double.POSITIVE_INFINITY;
        maxQ = Double.NEGATIVE_INFINITY;
        following = true;
    }

    private void setRoot(Value obs, boolean done, double reward) {
        if (root != null) {
            model.releaseAll(root);
        }
        root = model.snapshotAll();
        rootObs = lane(obs, 0);
        rootDone = done;
        lastReward = reward;
    }

    /** Lane {@code i}'s slice of a batched observation, as a batch of one. */
    private Value lane(Value batch, int i) {
        if (lanes == 1) {
            return batch;
        }
        if (!(batch instanceof Tensor t)) {
            throw new IllegalArgumentException("mcts with lanes > 1 needs tensor observations; " + model.spec().envId()
                    + " observes " + model.singleObservationSpace() + ": use lanes 1");
        }
        Tensor x = t.get(i);
        long[] shape = new long[x.rank() + 1];
        shape[0] = 1;
        System.arraycopy(x.shape(), 0, shape, 1, x.rank());
        return x.reshape(shape);
    }

    /** Advances every lane from its root with the action the real env took. */
    private void mirror(long action) {
        model.restoreAll(root, null);
        StepResult r = model.step(actionValue(action));
        history.add(action);
        pending = null;
        Outcome outcome = Outcome.of(r, 0);
        for (int i = 1; i < lanes; i++) {
            if (!Outcome.of(r, i).equals(outcome)) {
                throw new IllegalStateException("mcts: model lane " + i + " left its root to another state than lane 0"
                        + " with the same action; the env's restore is not exact");
            }
        }
        Edge taken = top == null ? null : top.edges[Math.toIntExact(action - actionStart)];
        Child seen = taken == null ? null : taken.children.get(outcome);
        reuse = config.transpositions() ? graph.get(outcome.state()) // the graph below this state stays valid
                : seen == null ? null : seen.node;
        top = null;
        setRoot(r.observations(), r.done(0), r.rewards()[0]);
    }

    private void checkInStep(INDArray realObs, String when) {
        float[] real = HostArrays.toFloats(realObs);
        float[] mine = HostArrays.toFloats(observations.toBatch(rootObs));
        if (!Arrays.equals(real, mine)) {
            throw new IllegalStateException("mcts: " + when + ", the model session is not in the state of the env the"
                    + " agent acts on (observation " + Arrays.toString(mine) + " vs " + Arrays.toString(real) + "). MCTS"
                    + " follows one env from its seeded reset (FollowsResets), so act on that env only: periodic"
                    + " evaluation on a second env (trainer eval_every) is not supported");
        }
    }

    // ---- Agent --------------------------------------------------------------------------------------------

    @Override
    public INDArray act(INDArray obs, boolean explore) {
        if (!following) {
            throw new IllegalStateException("mcts must hear of the env's reset to follow it: call envReset(seed) before"
                    + " env.reset(seed), or run it through StepLoop, Trainer, TrainingRun or Evaluation, which do");
        }
        if (pending != null) {
            mirror(pending); // an evaluation: nobody calls observe(), so follow through the action taken
        }
        checkInStep(obs, "before planning");
        long action = rootDone ? 0 : plan();
        pending = action;
        return Nd4j.createFromArray(new float[] {action});
    }

    @Override
    public void observe(Transition t) {
        if (pending != null) {
            mirror(pending);
        }
        checkInStep(t.nextObservations(), "after the real step");
        if (t.rewards()[0] != lastReward) {
            throw new IllegalStateException("mcts: the model's reward " + lastReward + " differs from the env's "
                    + t.rewards()[0] + " for the same state and action");
        }
    }

    @Override
    public boolean readyToLearn() {
        return planned;
    }

    /** Nothing to learn: the tree statistics of the last move. */
    @Override
    public Map<String, Double> learn(INDArray nextObservations) {
        planned = false;
        return new LinkedHashMap<>(stats);
    }

    // ---- Search -------------------------------------------------------------------------------------------

    /** A decision node: one state (with transpositions, shared by every path reaching it), one edge per action tried. */
    private static final class Node {
        final boolean terminal;
        final Edge[] edges;
        final int[] untried;
        int numUntried;
        int visits;
        double leaf; // the rollout's return from when the node was first reached
        final List<Edge> incoming = new ArrayList<>(1); // the edges whose outcomes include this node

        Node(int numActions, boolean terminal, Random rng) {
            this.terminal = terminal;
            this.edges = new Edge[numActions];
            this.untried = new int[numActions];
            for (int a = 0; a < numActions; a++) {
                untried[a] = a;
            }
            for (int a = numActions - 1; a > 0; a--) { // try actions in random order
                int j = rng.nextInt(a + 1);
                int x = untried[a];
                untried[a] = untried[j];
                untried[j] = x;
            }
            this.numUntried = numActions;
        }

        /**
         * V(s) = max_a Q(s,a); while some actions are untried, the rollout's return counts as one more (it is what
         * a policy achieved from here); 0 past the episode's end.
         */
        double value() {
            if (terminal) {
                return 0;
            }
            double best = numUntried > 0 ? leaf : Double.NEGATIVE_INFINITY;
            for (Edge e : edges) {
                if (e != null && e.visits > 0 && e.q > best) {
                    best = e.q;
                }
            }
            return best == Double.NEGATIVE_INFINITY ? leaf : best;
        }
    }

    /** One outcome of an action: the state it led to, its reward, and how often it was sampled. */
    private static final class Child {
        final Node node;
        final double reward;
        int count;

        Child(Node node, double reward) {
            this.node = node;
            this.reward = reward;
        }
    }

    /** An action edge and its chance node: the outcomes seen, with their sample counts. */
    private static final class Edge {
        final Node from;
        final Map<Outcome, Child> children = new HashMap<>(2);
        int visits;
        int inFlight;  // lanes that chose this edge and await its step
        double q;
        double returns; // MEAN backups: the sum of the returns through this edge

        Edge(Node from) {
            this.from = from;
        }

        /** Q(s,a) = sum over outcomes of p(o) (r_o + gamma V(s_o)), p the outcomes' sampled frequencies. */
        void update(double gamma) {
            double sum = 0;
            for (Child c : children.values()) {
                sum += c.count * (c.reward + gamma * c.node.value());
            }
            q = sum / visits;
        }
    }

    /** A state as the model shows it: observation and end flags (the key of the transposition table). */
    private record EnvState(byte[] observation, boolean terminated, boolean truncated) {
        @Override
        public boolean equals(Object o) {
            return o instanceof EnvState x && Arrays.equals(observation, x.observation) && terminated == x.terminated
                    && truncated == x.truncated;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(observation) * 31 + (terminated ? 2 : 0) + (truncated ? 1 : 0);
        }

        static EnvState of(Value observations, int lane, boolean terminated, boolean truncated) {
            byte[] obs = observations instanceof Tensor t ? t.get(lane).toByteArray()
                    : observations.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8); // one lane only
            return new EnvState(obs, terminated, truncated);
        }
    }

    /** What stepping a lane of the model returned, as the key of a chance node's children. */
    private record Outcome(EnvState state, double reward) {
        static Outcome of(StepResult r, int lane) {
            return new Outcome(EnvState.of(r.observations(), lane, r.terminated()[lane], r.truncated()[lane]),
                    r.rewards()[lane]);
        }
    }

    /** One simulation under way in one lane of the model. */
    private static final class Walk {
        final List<Edge> path = new ArrayList<>();
        final List<Double> rewards = new ArrayList<>(); // MEAN backups: the reward of each path step
        Node node;
        Edge edge;          // the edge whose step is under way
        boolean newAction;
        Node rollingFrom;   // the new state a rollout is valuing, or null
        double rolloutReturn;
        double discount;
        double leafValue;   // the value below the path's last node (MEAN backups)
        int depth;
        boolean done;
    }

    private long plan() {
        long t0 = System.nanoTime();
        if (reuse == null) {
            reuse = new Node(numActions, false, rng);
            nodes++;
            if (config.transpositions()) {
                graph.put(EnvState.of(rootObs, 0, false, false), reuse);
            }
        }
        top = reuse;
        reuse = null;
        modelSteps = 0;
        modelCalls = 0;
        maxDepth = 0;
        for (int done = 0; done < config.simulations(); done += lanes) {
            long[] reseeds = null;
            if (config.reseed()) {
                reseeds = new long[lanes];
                for (int i = 0; i < lanes; i++) {
                    reseeds[i] = rng.nextLong() & Long.MAX_VALUE;
                }
            }
            model.restoreAll(root, reseeds);
            modelCalls++;
            round(Math.min(lanes, config.simulations() - done));
        }
        int best = -1;
        for (int a = 0; a < numActions; a++) { // the best Q, ties to the most visited
            Edge e = top.edges[a];
            Edge b = best < 0 ? null : top.edges[best];
            if (e != null && e.visits > 0 && (b == null || e.q > b.q || e.q == b.q && e.visits > b.visits)) {
                best = a;
            }
        }
        best = Math.max(best, 0);
        Edge chosen = top.edges[best];
        stats.clear();
        stats.put("simulations", (double) config.simulations());
        stats.put("tree_nodes", (double) nodes);
        stats.put("tree_depth", (double) maxDepth);
        stats.put("model_steps", (double) modelSteps);
        stats.put("model_calls", (double) modelCalls);
        stats.put("root_value", chosen == null ? 0 : chosen.q);
        stats.put("root_visit_share", chosen == null ? 0 : chosen.visits / (double) top.visits);
        stats.put("plan_ms", (System.nanoTime() - t0) / 1e6);
        totalModelSteps += modelSteps;
        totalModelCalls += modelCalls;
        planned = true;
        return best + actionStart;
    }

    /**
     * One round: {@code active} simulations, one per lane, from the (restored) root, stepped together. Each descends
     * by UCT (untried actions first) until an action or an outcome is new, the episode ends or the depth is used up;
     * a new state is valued by a rollout; when all are done, each lane's path is backed up in lane order.
     */
    private void round(int active) {
        Walk[] walks = new Walk[lanes];
        for (int i = 0; i < lanes; i++) {
            walks[i] = new Walk();
            walks[i].node = top;
            walks[i].done = i >= active;
        }
        long[] actions = new long[lanes];
        Value lastObs = null;
        while (true) {
            boolean any = false;
            INDArray policyActions = null;
            for (int i = 0; i < lanes; i++) {
                Walk w = walks[i];
                actions[i] = actionStart; // a finished lane steps along idly until the round ends
                if (w.done) {
                    continue;
                }
                any = true;
                if (w.rollingFrom != null) {
                    if (rolloutPolicy == null) {
                        actions[i] = rng.nextInt(numActions) + actionStart;
                    } else {
                        if (policyActions == null) { // one forward pass for every lane rolling out
                            policyActions = rolloutPolicy.apply(observations.toBatch(lastObs));
                        }
                        actions[i] = (long) policyActions.getFloat(i) + actionStart;
                    }
                    continue;
                }
                Node node = w.node;
                w.newAction = node.numUntried > 0;
                int a = w.newAction ? node.untried[--node.numUntried] : select(node);
                Edge e = node.edges[a];
                if (e == null) {
                    e = node.edges[a] = new Edge(node);
                }
                e.inFlight++;
                w.edge = e;
                actions[i] = a + actionStart;
            }
            if (!any) {
                break;
            }
            StepResult r = model.step(Tensor.ofLongs(actions, lanes));
            modelCalls++;
            lastObs = r.observations();
            for (int i = 0; i < lanes; i++) {
                if (!walks[i].done) {
                    modelSteps++;
                    advance(walks[i], r, i);
                }
            }
        }
        for (int i = 0; i < active; i++) {
            backup(walks[i]);
        }
    }

    /** Takes lane {@code i}'s step result into its walk: a tree step (outcome, maybe a new node) or a rollout step. */
    private void advance(Walk w, StepResult r, int i) {
        w.depth++;
        if (w.rollingFrom != null) {
            w.rolloutReturn += w.discount * r.rewards()[i];
            w.discount *= config.gamma();
            if (r.done(i) || w.depth >= config.depth()) {
                w.rollingFrom.leaf = w.rolloutReturn;
                w.leafValue = w.rolloutReturn;
                w.rollingFrom = null;
                w.done = true;
            }
            return;
        }
        Edge e = w.edge;
        Node node = w.node;
        e.inFlight--;
        Outcome outcome = Outcome.of(r, i);
        Child child = e.children.get(outcome);
        boolean newOutcome = child == null;
        boolean newState = false;
        if (newOutcome) {
            Node next = config.transpositions() ? graph.get(outcome.state()) : null;
            if (next == null) {
                next = new Node(numActions, r.done(i), rng);
                newState = true;
                nodes++;
                if (config.transpositions()) {
                    graph.put(outcome.state(), next);
                }
            }
            child = new Child(next, outcome.reward());
            e.children.put(outcome, child);
            next.incoming.add(e);
        }
        child.count++;
        e.visits++;
        node.visits++;
        w.path.add(e);
        w.rewards.add(outcome.reward());
        w.node = child.node;
        if (newState && !w.node.terminal && w.depth < config.depth()) {
            w.rollingFrom = w.node; // value the new state by a rollout from here
            w.rolloutReturn = 0;
            w.discount = 1;
        } else if (newState || w.newAction || newOutcome || w.node.terminal || w.depth >= config.depth()) {
            w.leafValue = newState ? 0 : w.node.value(); // a known state: the value it has
            w.done = true;
        }
    }

    /** Backs a finished walk's path up: Bellman values (and on to other parents), or mean returns. */
    private void backup(Walk w) {
        maxDepth = Math.max(maxDepth, w.path.size());
        if (config.backup() == MctsConfig.Backup.MEAN) {
            double g = w.leafValue;
            for (int k = w.path.size() - 1; k >= 0; k--) {
                Edge e = w.path.get(k);
                g = w.rewards.get(k) + config.gamma() * g;
                e.returns += g;
                e.q = e.returns / e.visits;
                minQ = Math.min(minQ, e.q);
                maxQ = Math.max(maxQ, e.q);
            }
            return;
        }
        Deque<Node> changed = new ArrayDeque<>();
        for (int k = w.path.size() - 1; k >= 0; k--) {
            update(w.path.get(k), changed);
        }
        // with transpositions a state has several parents: carry each changed value on to them (prioritised
        // sweeping over the states seen, no model steps), so the goal found along one path reaches all paths into it
        for (int budget = config.transpositions() ? MAX_SWEEP : 0; !changed.isEmpty() && budget > 0; ) {
            for (Edge in : changed.poll().incoming) {
                update(in, changed);
                budget--;
            }
        }
    }

    /** Recomputes an edge's Q; when its state's value changes by it, that state goes on {@code changed}. */
    private void update(Edge e, Deque<Node> changed) {
        if (e.visits == 0) {
            return; // chosen by a lane whose step is still under way
        }
        double before = e.from.value();
        e.update(config.gamma());
        minQ = Math.min(minQ, e.q);
        maxQ = Math.max(maxQ, e.q);
        if (Math.abs(e.from.value() - before) > 1e-9 * (1 + Math.abs(before))) {
            changed.add(e.from);
        }
    }

    /**
     * UCT over the tried actions of a fully expanded node; visits include lanes still on their way (their Q not in
     * yet), so lanes choosing in the same round spread over the actions.
     */
    private int select(Node node) {
        int n = node.visits;
        for (Edge e : node.edges) {
            n += e.inFlight;
        }
        double logN = Math.log(Math.max(n, 1));
        double range = maxQ > minQ ? maxQ - minQ : 1;
        double low = maxQ >= minQ ? minQ : 0;
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < numActions; a++) {
            Edge e = node.edges[a];
            double q = e.visits > 0 ? (e.q - low) / range : 0; // not back yet: counted as the worst seen
            double score = q + config.exploration() * Math.sqrt(logN / (e.visits + e.inFlight));
            if (score > bestScore) {
                bestScore = score;
                best = a;
            }
        }
        return best;
    }

    private Value actionValue(long action) {
        long[] a = new long[lanes];
        Arrays.fill(a, action);
        return Tensor.ofLongs(a, lanes);
    }

    // ---- Checkpoints --------------------------------------------------------------------------------------

    private record State(String algorithm, Random rng, boolean following, long resetSeed, long[] history, Long pending)
            implements Serializable {
    }

    @Override
    public void save(Path file) throws IOException {
        Checkpoint.of("mcts")
                .put("state", new State("mcts", rng, following, resetSeed,
                        history.stream().mapToLong(Long::longValue).toArray(), pending))
                .write(file);
    }

    /** Restores the generator and brings the model back to where the saved agent's was, by replaying its actions. */
    @Override
    public void load(Path file) throws IOException {
        State state = Checkpoint.read(file, "mcts").get("state", State.class);
        if (!"mcts".equals(state.algorithm())) {
            throw new IOException("checkpoint " + file + " holds a " + state.algorithm() + " agent, not mcts");
        }
        rng = state.rng();
        if (state.following()) {
            envReset(state.resetSeed());
            for (long a : state.history()) {
                mirror(a);
            }
        }
        pending = state.pending();
    }

    /** Model steps taken by all searches so far (the planning cost in env steps, summed over the lanes). */
    public long totalModelSteps() {
        return totalModelSteps;
    }

    /** Batched model calls (steps of all lanes, restores of all lanes) made by all searches so far: the round trips. */
    public long totalModelCalls() {
        return totalModelCalls;
    }

    /** Closes the model session (and a local server it started). */
    @Override
    public void close() {
        model.close();
    }
}
