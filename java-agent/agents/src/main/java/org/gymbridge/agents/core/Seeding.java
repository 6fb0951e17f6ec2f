package org.gymbridge.agents.core;

import java.util.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeds every source of randomness on the Java side, so the same seed gives the same run: ND4J's global
 * generator (weight init, dropout) and the returned {@link Random} (action sampling, minibatch shuffling).
 * Env seeds travel separately, in {@code VectorEnv.reset(seed)}.
 */
public final class Seeding {

    private Seeding() {
    }

    /** Seeds ND4J and returns a fresh Java generator with the same seed. */
    public static Random seed(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new Random(seed);
    }
}
