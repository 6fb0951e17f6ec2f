package org.gymbridge.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.gymbridge.agents.core.AgentContext;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.Schedule;
import org.gymbridge.agents.tabular.QLearning;
import org.gymbridge.agents.tabular.TabularConfig;
import org.gymbridge.agents.train.EvalResult;
import org.gymbridge.agents.train.Evaluation;
import org.gymbridge.agents.train.StepLoop;
import org.gymbridge.agents.train.Trainer;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.MakeOptions;
import org.gymbridge.env.Env;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.TabularModel;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.render.Episodes;
import org.gymbridge.tensor.Tensor;

/**
 * Tabular RL on FrozenLake through gymbridge, with GIFs of what was learned:
 * <ol>
 *   <li>Q-learning ({@link QLearning}) learns the slippery 4x4 lake from experience (16 envs stepped in one
 *       batched call), its greedy policy is evaluated on {@value #EVAL_EPISODES} episodes, and one greedy
 *       episode is written as {@code runs/frozenlake-qlearning.gif};</li>
 *   <li>value iteration plans on the 8x8 lake's transition model ({@code env.model()}, Gymnasium's own
 *       {@code unwrapped.P}) without a single step, its greedy policy is evaluated the same way and
 *       recorded as {@code runs/frozenlake8x8-value-iteration.gif}.</li>
 * </ol>
 * <pre>
 *   java -cp ... org.gymbridge.examples.FrozenLakeQLearning [steps [seed]]
 * </pre>
 */
public final class FrozenLakeQLearning {
    static final long DEFAULT_STEPS = 400_000;
    static final long DEFAULT_SEED = 1;
    static final int EVAL_EPISODES = 1000;
    static final long EVAL_SEED = 10_000;
    static final double GAMMA = 0.99;

    private FrozenLakeQLearning() {
    }

    /** The outcome of one part: the greedy policy's success rate and the recorded episode. */
    public record Result(int[] policy, double successRate, Episodes.Recording recording) {
    }

    public static void main(String[] args) {
        long steps = args.length > 0 ? Long.parseLong(args[0]) : DEFAULT_STEPS;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_SEED;
        long start = System.nanoTime();
        try (GymBridgeClient client = GymBridge.connect("local:")) {
            Result q = qLearning(client, Map4x4.SLIPPERY, steps, seed, EVAL_EPISODES, Path.of("runs", "frozenlake-qlearning.gif"),
                    System.out);
            System.out.printf("Q-learning, FrozenLake-v1 4x4 slippery: greedy success rate %.3f over %d episodes%n",
                    q.successRate(), EVAL_EPISODES);
            print(q, "runs/frozenlake-qlearning.gif");
            Result vi = valueIteration(client, EVAL_EPISODES, Path.of("runs", "frozenlake8x8-value-iteration.gif"), System.out);
            System.out.printf("value iteration, FrozenLake-v1 8x8 slippery (200-step limit): greedy success rate %.3f over %d episodes%n",
                    vi.successRate(), EVAL_EPISODES);
            print(vi, "runs/frozenlake8x8-value-iteration.gif");
        }
        System.out.printf("total wall clock %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    private static void print(Result r, String gif) {
        Episodes.Recording rec = r.recording();
        System.out.println("GIF " + Path.of(gif).toAbsolutePath() + ": " + rec.steps() + " steps, "
                + (rec.totalReward() > 0 ? "reached the goal" : "did not reach the goal") + ", " + rec.frames() + " frames");
    }

    /** Which lake Q-learning learns. */
    enum Map4x4 {
        SLIPPERY(true), DETERMINISTIC(false);

        final boolean slippery;

        Map4x4(boolean slippery) {
            this.slippery = slippery;
        }
    }

    /** Trains Q-learning for {@code steps} env steps on the 4x4 lake, evaluates and records its greedy policy. */
    static Result qLearning(GymBridgeClient client, Map4x4 lake, long steps, long seed, int evalEpisodes, Path gif,
                            PrintStream log) {
        TabularConfig config = new TabularConfig(Schedule.linear(0.1, 0.01, steps), GAMMA,
                TabularConfig.Policy.EPSILON_GREEDY, Schedule.linear(1.0, 0.01, steps * 3 / 4),
                Schedule.constant(1.0), 0.0, 0);
        MakeOptions options = MakeOptions.builder().numEnvs(16).kwarg("is_slippery", lake.slippery).build();
        int[] policy;
        try (VectorEnv env = client.makeVec("FrozenLake-v1", options)) {
            QLearning agent = new QLearning(new AgentContext(env.singleObservationSpace(), env.singleActionSpace(),
                    env.numEnvs(), "FrozenLake-v1", steps), config, seed);
            Trainer.Summary summary = new Trainer(log, Math.max(steps / 4, 1)).train(agent, env, steps, seed);
            log.println("training: " + summary);
            EvalResult eval = Evaluation.run(agent, env, evalEpisodes, EVAL_SEED);
            policy = agent.greedyPolicy();
            return new Result(policy, eval.mean(), record(client, options, policy, gif));
        }
    }

    /** Plans on the 8x8 lake's model, evaluates and records the greedy policy of the values. */
    static Result valueIteration(GymBridgeClient client, int evalEpisodes, Path gif, PrintStream log) {
        // The 200-step time limit of FrozenLake8x8-v1 (FrozenLake-v1 registers 100, short for the big lake).
        MakeOptions options = MakeOptions.builder().numEnvs(16).kwarg("map_name", "8x8").maxEpisodeSteps(200).build();
        try (VectorEnv env = client.makeVec("FrozenLake-v1", options)) {
            TabularModel model = env.model();
            long t0 = System.nanoTime();
            double[] v = new double[model.numStates()];
            int sweeps = 0;
            double delta;
            do {
                // V(s) <- max_a sum_k p_k (r_k + gamma V(s'_k)) with no value past a terminal outcome
                double[] next = new double[v.length];
                delta = 0;
                for (int s = 0; s < v.length; s++) {
                    next[s] = bestAction(model, v, s)[1];
                    delta = Math.max(delta, Math.abs(next[s] - v[s]));
                }
                v = next;
                sweeps++;
            } while (delta >= 1e-12);
            int[] policy = new int[model.numStates()];
            for (int s = 0; s < policy.length; s++) {
                policy[s] = (int) bestAction(model, v, s)[0];
            }
            log.printf("value iteration: %d sweeps over %d states, %d outcomes in %.1f ms; V(start) = %.6f%n", sweeps,
                    model.numStates(), model.size(), (System.nanoTime() - t0) / 1e6, v[0]);
            double success = successRate(env, policy, evalEpisodes, EVAL_SEED);
            return new Result(policy, success, record(client, options, policy, gif));
        }
    }

    /** {action, value} of the best action in {@code s} (ties: the lowest action). */
    private static double[] bestAction(TabularModel m, double[] v, int s) {
        int best = 0;
        double bestQ = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < m.numActions(); a++) {
            double q = 0;
            for (int k = m.first(s, a); k < m.end(s, a); k++) {
                q += m.probability(k) * (m.reward(k) + GAMMA * v[m.nextState(k)] * (m.done(k) ? 0.0 : 1.0));
            }
            if (q > bestQ) {
                bestQ = q;
                best = a;
            }
        }
        return new double[] {best, bestQ};
    }

    /** The fraction of {@code episodes} greedy episodes that reach the goal (reward 1), stepping all envs at once. */
    static double successRate(VectorEnv env, int[] policy, int episodes, long seed) {
        int[] finished = {0};
        int[] successes = {0};
        // Observations reach the policy one-hot (ObservationAdapter): the state is the index of the 1.
        StepLoop loop = StepLoop.acting(obs -> {
            float[] oneHot = HostArrays.toFloats(obs);
            float[] actions = new float[(int) obs.size(0)];
            int states = oneHot.length / actions.length;
            for (int i = 0; i < actions.length; i++) {
                int state = 0;
                while (oneHot[i * states + state] == 0) {
                    state++;
                }
                actions[i] = policy[state];
            }
            return HostArrays.toArray(actions, actions.length, 1);
        }, env).listen(new StepLoop.Listener() {
            @Override
            public void episodeEnd(StepResult step, int i, double episodeReturn, long length) {
                if (finished[0] < episodes) {
                    finished[0]++;
                    successes[0] += step.rewards()[i] > 0 ? 1 : 0;
                }
            }
        });
        loop.reset(seed);
        while (finished[0] < episodes) {
            try {
                loop.step();
            } catch (IOException e) {
                throw new UncheckedIOException(e);          // the listener above does no I/O
            }
        }
        return successes[0] / (double) episodes;
    }

    /** One greedy episode as a GIF (the first seed from {@code EVAL_SEED} whose episode reaches the goal, within 20 tries). */
    private static Episodes.Recording record(GymBridgeClient client, MakeOptions options, int[] policy, Path gif) {
        MakeOptions one = options.toBuilder().numEnvs(1).renderMode("rgb_array").build();
        try (Env env = client.make("FrozenLake-v1", one)) {
            Episodes.Recording r = null;
            for (long s = EVAL_SEED; s < EVAL_SEED + 20; s++) {
                r = Episodes.recordGif(env, obs -> Tensor.scalar((long) policy[(int) obs.asTensor().getLong(0)]), s, gif);
                if (r.totalReward() > 0) {
                    break;
                }
            }
            return r;
        }
    }
}
