package org.gymbridge.agents;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.gymbridge.agents.bandit.ActionValueBandit;
import org.gymbridge.agents.bandit.BanditConfig;
import org.gymbridge.agents.bandit.GradientBandit;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.dqn.Dqn;
import org.gymbridge.agents.dqn.DqnConfig;
import org.gymbridge.agents.ppo.Ppo;
import org.gymbridge.agents.ppo.PpoConfig;
import org.gymbridge.agents.tabular.DoubleQLearning;
import org.gymbridge.agents.tabular.DynaQ;
import org.gymbridge.agents.tabular.ExpectedSarsa;
import org.gymbridge.agents.tabular.MonteCarloControl;
import org.gymbridge.agents.tabular.QLearning;
import org.gymbridge.agents.tabular.Sarsa;
import org.gymbridge.agents.tabular.TabularConfig;

/**
 * Every algorithm {@code gymbridge train --algo NAME} knows, by name. Adding one is one line in
 * {@link #ALL}: {@code Algorithm.of(name, summary, Config.defaults(), factory)}.
 */
public final class Algorithms {

    private static final List<Algorithm<?>> ALL = new ArrayList<>();

    static {
        // ---- PPO, tabular, bandits, DQN family ----
        ALL.add(Algorithm.of("ppo", "Proximal Policy Optimization (clipped surrogate, GAE); Discrete or Box actions",
                PpoConfig.defaults(), Ppo::create));
        ALL.add(Algorithm.of("q-learning", "tabular Q-learning (off-policy TD control)", TabularConfig.defaults(),
                QLearning::new));
        ALL.add(Algorithm.of("sarsa", "tabular SARSA (on-policy TD control)", TabularConfig.defaults(), Sarsa::new));
        ALL.add(Algorithm.of("expected-sarsa", "tabular Expected SARSA", TabularConfig.defaults(), ExpectedSarsa::new));
        ALL.add(Algorithm.of("double-q-learning", "tabular Double Q-learning (two tables, no maximization bias)",
                TabularConfig.defaults(), DoubleQLearning::new));
        ALL.add(Algorithm.of("monte-carlo", "tabular first-visit Monte Carlo control", TabularConfig.defaults(),
                MonteCarloControl::new));
        ALL.add(Algorithm.of("dyna-q", "tabular Dyna-Q (Q-learning + learned model + planning steps)",
                TabularConfig.defaults(), DynaQ::new));
        ALL.add(Algorithm.of("dqn", "Deep Q-Network (target net, replay; double_q, dueling, prioritized, n_step"
                + " switches; mlp or cnn); Discrete actions", DqnConfig.defaults(), Dqn::create));
        ALL.add(Algorithm.of("double-dqn", "dqn with double_q: true", DqnConfig.defaults().withExtensions(true, false,
                false), Dqn::create));
        ALL.add(Algorithm.of("dueling-dqn", "dqn with dueling: true", DqnConfig.defaults().withExtensions(false, true,
                false), Dqn::create));
        ALL.add(Algorithm.of("per-dqn", "dqn with prioritized: true (sum-tree prioritized replay, importance weights)",
                DqnConfig.defaults().withExtensions(false, false, true), Dqn::create));
        ALL.add(Algorithm.of("epsilon-greedy-bandit", "k-armed bandit: epsilon-greedy action values (one learner per"
                + " env, reset per episode)", BanditConfig.epsilonGreedy(), (c, config, seed) -> new ActionValueBandit(
                ActionValueBandit.Selection.EPSILON_GREEDY, config, c.discreteActions("a bandit"), c.numEnvs(), seed)));
        ALL.add(Algorithm.of("optimistic-bandit", "k-armed bandit: greedy with optimistic initial values",
                BanditConfig.optimistic(), (c, config, seed) -> new ActionValueBandit(
                ActionValueBandit.Selection.EPSILON_GREEDY, config, c.discreteActions("a bandit"), c.numEnvs(), seed)));
        ALL.add(Algorithm.of("ucb", "k-armed bandit: upper confidence bound (UCB1)", BanditConfig.ucb(),
                (c, config, seed) -> new ActionValueBandit(ActionValueBandit.Selection.UCB, config,
                        c.discreteActions("a bandit"), c.numEnvs(), seed)));
        ALL.add(Algorithm.of("gradient-bandit", "k-armed bandit: gradient bandit (softmax preferences, baseline)",
                BanditConfig.gradient(), (c, config, seed) -> new GradientBandit(config, c.discreteActions("a bandit"),
                        c.numEnvs(), seed)));
        // ---- REINFORCE, A2C, DDPG, TD3, SAC — one ALL.add(Algorithm.of(...)) line each ----
        ALL.add(Algorithm.of("reinforce", "REINFORCE, Monte Carlo policy gradient (value baseline on by default);"
                + " Discrete, MultiDiscrete or Box actions", org.gymbridge.agents.reinforce.ReinforceConfig.defaults(),
                org.gymbridge.agents.reinforce.Reinforce::create));
        ALL.add(Algorithm.of("a2c", "synchronous advantage actor-critic (n-step / GAE); Discrete, MultiDiscrete or Box"
                + " actions", org.gymbridge.agents.a2c.A2cConfig.defaults(), org.gymbridge.agents.a2c.A2c::create));
        ALL.add(Algorithm.of("a3c", "asynchronous advantage actor-critic: `threads` actor-learners, one env session"
                + " each, updating shared parameters; Discrete or MultiDiscrete actions",
                org.gymbridge.agents.a3c.A3cConfig.defaults(), org.gymbridge.agents.a3c.A3c::create));
        ALL.add(Algorithm.of("ddpg", "Deep Deterministic Policy Gradient; Box actions",
                org.gymbridge.agents.ddpg.DdpgConfig.defaults(), org.gymbridge.agents.ddpg.Ddpg::create));
        ALL.add(Algorithm.of("td3", "Twin Delayed DDPG (twin critics, target smoothing, delayed actor); Box actions",
                org.gymbridge.agents.td3.Td3Config.defaults(), org.gymbridge.agents.td3.Td3::create));
        ALL.add(Algorithm.of("mcts", "Monte Carlo Tree Search (UCT, chance nodes) planning through env snapshots of a"
                + " second session; Discrete actions, num_envs=1", org.gymbridge.agents.mcts.MctsConfig.defaults(),
                org.gymbridge.agents.mcts.Mcts::create));
        ALL.add(Algorithm.of("ppo-rlhf", "PPO on a reward model learned from preferences (Christiano et al. 2017):"
                + " segments of the rollouts, pairs by ensemble disagreement, synthetic or human labels (gymbridge"
                + " label)", org.gymbridge.agents.rlhf.PpoRlhfConfig.defaults(),
                org.gymbridge.agents.rlhf.PpoRlhf::create));
        ALL.add(Algorithm.of("sac", "Soft Actor-Critic (twin Q, tanh Gaussian, automatic entropy tuning); Box actions",
                org.gymbridge.agents.sac.SacConfig.defaults(), org.gymbridge.agents.sac.Sac::create));
    }

    private static final Map<String, Algorithm<?>> BY_NAME = index();

    private Algorithms() {
    }

    private static Map<String, Algorithm<?>> index() {
        Map<String, Algorithm<?>> map = new LinkedHashMap<>();
        for (Algorithm<?> a : ALL) {
            if (map.put(a.name(), a) != null) {
                throw new IllegalStateException("two algorithms are named " + a.name());
            }
        }
        return map;
    }

    /** All algorithms, in registration order. */
    public static List<Algorithm<?>> all() {
        return List.copyOf(ALL);
    }

    /**
     * The algorithm called {@code name} (case-insensitive, '_' read as '-').
     *
     * @throws IllegalArgumentException naming the closest names and listing all of them
     */
    public static Algorithm<?> get(String name) {
        String key = name.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        Algorithm<?> a = BY_NAME.get(key);
        if (a != null) {
            return a;
        }
        List<String> names = new ArrayList<>(BY_NAME.keySet());
        List<String> close = names.stream().sorted(Comparator.comparingInt(n -> distance(n, key)))
                .filter(n -> distance(n, key) <= Math.max(2, key.length() / 3)).limit(3).toList();
        throw new IllegalArgumentException("unknown algorithm '" + name + "'"
                + (close.isEmpty() ? "" : "; did you mean " + String.join(" or ", close) + "?")
                + " Known algorithms: " + names.stream().collect(Collectors.joining(", ")));
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
