package org.gymbridge.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.gymbridge.env.AutoresetMode;

/**
 * How to make a vector env: number of copies, seed, autoreset mode, render mode, time limit, the
 * keyword arguments passed to {@code gymnasium.make} and server-side wrappers. Immutable; build with
 * {@code MakeOptions.builder().numEnvs(8).seed(1).kwarg("map_name", "8x8").build()}.
 * The URL query of {@link GymBridge#makeVec(String)} maps onto these fields (all but wrappers).
 */
public final class MakeOptions {
    private final int numEnvs;
    private final Long seed;
    private final AutoresetMode autoreset;
    private final String renderMode;
    private final int maxEpisodeSteps;
    private final String vectorization;
    private final int numWorkers;
    private final String placement;
    private final Map<String, Object> kwargs;
    private final java.util.List<Wrapper> wrappers;

    /**
     * A Gymnasium wrapper the server applies to each env (from its allowlist: TimeLimit, ClipAction,
     * RescaleAction, FlattenObservation, NormalizeObservation, FrameStackObservation, ...), with JSON-like
     * keyword arguments.
     */
    public record Wrapper(String name, Map<String, Object> kwargs) {
        public Wrapper {
            Objects.requireNonNull(name, "name");
            kwargs = Collections.unmodifiableMap(new LinkedHashMap<>(kwargs));
        }
    }

    private MakeOptions(Builder b) {
        this.numEnvs = b.numEnvs;
        this.seed = b.seed;
        this.autoreset = b.autoreset;
        this.renderMode = b.renderMode;
        this.maxEpisodeSteps = b.maxEpisodeSteps;
        this.vectorization = b.vectorization;
        this.numWorkers = b.numWorkers;
        this.placement = b.placement;
        this.kwargs = Collections.unmodifiableMap(new LinkedHashMap<>(b.kwargs));
        this.wrappers = java.util.List.copyOf(b.wrappers);
    }

    /** One env, no seed, server defaults for everything else. */
    public static MakeOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.numEnvs = numEnvs;
        b.seed = seed;
        b.autoreset = autoreset;
        b.renderMode = renderMode;
        b.maxEpisodeSteps = maxEpisodeSteps;
        b.vectorization = vectorization;
        b.numWorkers = numWorkers;
        b.placement = placement;
        b.kwargs.putAll(kwargs);
        b.wrappers.addAll(wrappers);
        return b;
    }

    /** Copies in the vector env (default 1). */
    public int numEnvs() {
        return numEnvs;
    }

    /** Seed of the first reset and of the action space, or null. */
    public Long seed() {
        return seed;
    }

    /** Autoreset mode, or null for the server default (NEXT_STEP). */
    public AutoresetMode autoreset() {
        return autoreset;
    }

    /** Render mode ("rgb_array", "ansi" ...), or null for none. */
    public String renderMode() {
        return renderMode;
    }

    /** Time-limit override, or 0 for the registered limit. */
    public int maxEpisodeSteps() {
        return maxEpisodeSteps;
    }

    /** "sync", "async", "workers", "ray" or null to let the server pick. */
    public String vectorization() {
        return vectorization;
    }

    /** Worker processes of a {@code vectorization=workers} session, or 0 for the server's default (one per core). */
    public int numWorkers() {
        return numWorkers;
    }

    /** Where a {@code vectorization=ray} session's actors go: "spread" (over the nodes), "pack", or null (spread). */
    public String placement() {
        return placement;
    }

    /** Keyword arguments for gymnasium.make (JSON-like values), in insertion order. */
    public Map<String, Object> kwargs() {
        return kwargs;
    }

    /** Wrappers applied to each env, innermost first. */
    public java.util.List<Wrapper> wrappers() {
        return wrappers;
    }

    @Override
    public String toString() {
        return "MakeOptions{numEnvs=" + numEnvs + ", seed=" + seed + ", autoreset=" + autoreset + ", renderMode="
                + renderMode + ", maxEpisodeSteps=" + maxEpisodeSteps + ", vectorization=" + vectorization
                + ", numWorkers=" + numWorkers + ", placement=" + placement + ", kwargs=" + kwargs + ", wrappers=" + wrappers + "}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MakeOptions m && numEnvs == m.numEnvs && Objects.equals(seed, m.seed)
                && autoreset == m.autoreset && Objects.equals(renderMode, m.renderMode)
                && maxEpisodeSteps == m.maxEpisodeSteps && Objects.equals(vectorization, m.vectorization)
                && numWorkers == m.numWorkers && Objects.equals(placement, m.placement)
                && kwargs.equals(m.kwargs) && wrappers.equals(m.wrappers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(numEnvs, seed, autoreset, renderMode, maxEpisodeSteps, vectorization, numWorkers, placement,
                kwargs, wrappers);
    }

    /** Builder of {@link MakeOptions}. */
    public static final class Builder {
        private int numEnvs = 1;
        private Long seed;
        private AutoresetMode autoreset;
        private String renderMode;
        private int maxEpisodeSteps;
        private String vectorization;
        private int numWorkers;
        private String placement;
        private final Map<String, Object> kwargs = new LinkedHashMap<>();
        private final java.util.List<Wrapper> wrappers = new java.util.ArrayList<>();

        private Builder() {
        }

        public Builder numEnvs(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("num_envs must be at least 1, got " + n);
            }
            this.numEnvs = n;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder noSeed() {
            this.seed = null;
            return this;
        }

        public Builder autoreset(AutoresetMode mode) {
            this.autoreset = mode;
            return this;
        }

        public Builder renderMode(String mode) {
            this.renderMode = mode;
            return this;
        }

        public Builder maxEpisodeSteps(int steps) {
            if (steps < 0) {
                throw new IllegalArgumentException("max_episode_steps must be >= 0, got " + steps);
            }
            this.maxEpisodeSteps = steps;
            return this;
        }

        public Builder vectorization(String mode) {
            this.vectorization = mode;
            return this;
        }

        /** Worker processes for {@code vectorization("workers")}; 0 (default) lets the server use one per core. */
        public Builder numWorkers(int workers) {
            if (workers < 0) {
                throw new IllegalArgumentException("num_workers must be >= 0 (0: one per core), got " + workers);
            }
            this.numWorkers = workers;
            return this;
        }

        /** Placement of a {@code vectorization("ray")} session's actors: "spread" (default) or "pack". */
        public Builder placement(String placement) {
            this.placement = placement;
            return this;
        }

        /** One keyword argument for gymnasium.make: Boolean, Long/Integer, Double, String, List, Map or null. */
        public Builder kwarg(String key, Object value) {
            Wire.toArg(value); // fail now, with the key's value named, rather than at make time
            this.kwargs.put(Objects.requireNonNull(key, "key"), value);
            return this;
        }

        public Builder kwargs(Map<String, ?> values) {
            values.forEach(this::kwarg);
            return this;
        }

        /**
         * Adds a server-side wrapper applied to each env after those added before, e.g.
         * {@code wrapper("FrameStackObservation", Map.of("stack_size", 4))}.
         */
        public Builder wrapper(String name, Map<String, ?> kwargs) {
            Map<String, Object> copy = new LinkedHashMap<>();
            kwargs.forEach((k, v) -> {
                Wire.toArg(v);
                copy.put(k, v);
            });
            this.wrappers.add(new Wrapper(name, copy));
            return this;
        }

        public MakeOptions build() {
            return new MakeOptions(this);
        }
    }
}
