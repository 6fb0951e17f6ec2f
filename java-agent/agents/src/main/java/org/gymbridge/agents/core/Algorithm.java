package org.gymbridge.agents.core;

import java.util.Objects;
import org.gymbridge.agents.train.Configs;

/**
 * One trainable algorithm as the registry ({@code org.gymbridge.agents.Algorithms}) and
 * {@code gymbridge train --algo NAME} see it: a name, a one-line summary, its config record type with the
 * defaults, and a factory that builds a fresh agent for an env.
 *
 * <p>The config is a Java record; {@link Configs} fills it from a YAML or JSON file (record component names,
 * snake_case accepted), so adding an algorithm needs no parsing code. Every agent the factory returns must
 * honour the full {@link Agent} contract, including {@link Agent#save}/{@link Agent#load} for resume.
 *
 * @param name     what users type after {@code --algo}: lower case, words joined by '-' (e.g. {@code q-learning})
 * @param summary  one line for {@code gymbridge train --list}
 * @param config   the config record class
 * @param defaults the config used when a key is not given (and the whole config when no file is given)
 * @param factory  builds an agent from the env's shape, the config and the run seed
 * @param <C>      the config record type
 */
public record Algorithm<C extends Record>(String name, String summary, Class<C> config, C defaults,
                                          Factory<C> factory) {

    /** Builds a new agent; must be deterministic in (context, config, seed). */
    @FunctionalInterface
    public interface Factory<C> {
        Agent create(AgentContext context, C config, long seed);
    }

    public Algorithm {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(defaults, "defaults");
        Objects.requireNonNull(factory, "factory");
        if (!name.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException("algorithm name '" + name + "' must be lower case words joined by '-'");
        }
    }

    /** Shorthand for the registry's one line per algorithm. */
    public static <C extends Record> Algorithm<C> of(String name, String summary, C defaults, Factory<C> factory) {
        @SuppressWarnings("unchecked")
        Class<C> type = (Class<C>) defaults.getClass();
        return new Algorithm<>(name, summary, type, defaults, factory);
    }

    /** Builds an agent from an untyped config (as read by {@link Configs}); the cast is checked. */
    public Agent create(AgentContext context, Record config, long seed) {
        return factory.create(context, this.config.cast(config), seed);
    }
}
