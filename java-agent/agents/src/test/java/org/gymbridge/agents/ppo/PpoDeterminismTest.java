package org.gymbridge.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.train.Trainer;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Same seed, same run: env seeds, weight init, action sampling and minibatch order are all seeded. */
class PpoDeterminismTest {

    private static VectorEnv env;

    @BeforeAll
    static void startServer() {
        env = GymBridge.makeVec("local:CartPole-v1?num_envs=4");
    }

    @AfterAll
    static void stopServer() {
        env.close();
    }

    private record Run(double[] returns, float[] params) {
    }

    private static Run shortRun(long seed) {
        PpoConfig config = PpoConfig.defaults().withNumSteps(64).withTotalSteps(4 * 64 * 4);
        Ppo agent = Ppo.forEnv(env, config, seed);
        Trainer.Summary summary = new Trainer(new PrintStream(OutputStream.nullOutputStream()), Long.MAX_VALUE)
                .train(agent, env, config.totalSteps(), seed);
        return new Run(summary.episodeReturns(), HostArrays.toFloats(agent.network().params()));
    }

    @Test
    void sameSeedGivesIdenticalReturnsAndWeights() {
        Run first = shortRun(7);
        Run second = shortRun(7);
        assertTrue(first.returns().length > 10, "expected some finished episodes, got " + first.returns().length);
        assertArrayEquals(first.returns(), second.returns());
        assertArrayEquals(first.params(), second.params());
    }

    @Test
    void differentSeedGivesADifferentRun() {
        Run first = shortRun(7);
        Run other = shortRun(8);
        assertNotEquals(java.util.Arrays.toString(first.returns()), java.util.Arrays.toString(other.returns()));
        assertEquals(first.params().length, other.params().length);
    }
}
