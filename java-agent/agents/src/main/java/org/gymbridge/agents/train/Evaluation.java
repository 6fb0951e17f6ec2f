package org.gymbridge.agents.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.gymbridge.agents.core.Agent;
import org.gymbridge.agents.core.FollowsResets;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Value;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs an agent's greedy policy ({@code act(obs, false)}) for a fixed number of episodes from a fixed
 * seed, so the same agent always gets the same score.
 *
 * <p>Episodes are split evenly across the envs up front (env i runs its quota and then idles) rather
 * than taking the first N to finish, which would favour short episodes.
 */
public final class Evaluation {

    /** An evaluation episode longer than this is taken to never end, and the evaluation fails. */
    public static final long MAX_EPISODE_STEPS = 1_000_000;

    private Evaluation() {
    }

    /**
     * What an evaluation reports besides the returns (all no-ops by default): the observations of the reset
     * and of every batched step, and the end of every counted episode.
     */
    public interface Listener {
        /** The observations of the first reset. */
        default void reset(Value observations) {
        }

        /** Every batched step, before its episode ends are reported. */
        default void step(StepResult step) {
        }

        /** Env {@code env}'s episode ended in {@code step} and counts towards its quota. */
        default void episodeEnd(StepResult step, int env, double episodeReturn, long length) {
        }
    }

    /**
     * Evaluates {@code agent} on {@code env} (reset with {@code seed}: env i gets seed + i).
     * The env must use NEXT_STEP autoreset (the default). Its episodes must end (CartPole's time limit).
     */
    public static EvalResult run(Agent agent, VectorEnv env, int episodes, long seed) {
        return run(agent, env, episodes, seed, new Listener() { });
    }

    /**
     * Evaluates {@code agent} greedily, telling {@code listener} what happens. An agent that follows its env's
     * resets (a planner with a model session) is told the evaluation's seed first.
     */
    public static EvalResult run(Agent agent, VectorEnv env, int episodes, long seed, Listener listener) {
        if (agent instanceof FollowsResets follower) {
            follower.envReset(seed);
        }
        return run(obs -> agent.act(obs, false), env, episodes, seed, listener);
    }

    /**
     * Runs {@code policy} (batched observations [numEnvs, obs] to actions) for {@code episodes} episodes on
     * {@code env} reset with {@code seed}, telling {@code listener} what happens.
     */
    public static EvalResult run(Function<INDArray, INDArray> policy, VectorEnv env, int episodes, long seed,
                                 Listener listener) {
        if (episodes < 1) {
            throw new IllegalArgumentException("evaluation episodes must be >= 1, got " + episodes);
        }
        StepLoop loop = StepLoop.acting(policy, env);
        int numEnvs = loop.numEnvs();
        int[] quota = new int[numEnvs];
        for (int i = 0; i < numEnvs; i++) {
            quota[i] = episodes / numEnvs + (i < episodes % numEnvs ? 1 : 0);
        }
        int[] finished = new int[numEnvs];
        List<Double> returns = new ArrayList<>();
        loop.listen(new StepLoop.Listener() {
            @Override
            public void stepped(StepResult step, boolean[] valid) {
                listener.step(step);
                long[] length = loop.episodeLengths();
                for (int i = 0; i < numEnvs; i++) {
                    if (valid[i] && length[i] > MAX_EPISODE_STEPS && finished[i] < quota[i]) {
                        throw new IllegalStateException("evaluation episode of env " + i + " has run "
                                + MAX_EPISODE_STEPS + " steps without ending: evaluate on an env with a time limit"
                                + " (URL option max_episode_steps=...)");
                    }
                }
            }

            @Override
            public void episodeEnd(StepResult step, int env, double episodeReturn, long length) {
                if (finished[env] < quota[env]) {
                    returns.add(episodeReturn);
                    listener.episodeEnd(step, env, episodeReturn, length);
                    finished[env]++;
                }
            }
        });
        listener.reset(loop.reset(seed));
        while (returns.size() < episodes) {
            try {
                loop.step();
            } catch (IOException e) {
                throw new UncheckedIOException(e);          // the listeners above do no I/O
            }
        }
        return new EvalResult(returns.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
