package org.gymbridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FrozenLake example's two parts through a real server, small enough for the test suite. */
class FrozenLakeQLearningTest {
    private static GymBridgeClient client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() {
        client = GymBridge.connect("local:");
    }

    @AfterAll
    static void stopServer() {
        client.close();
    }

    @Test
    void qLearningFindsTheShortestPathOfTheDeterministicLakeAndRecordsIt() {
        Path gif = tmp.resolve("q.gif");
        FrozenLakeQLearning.Result r = FrozenLakeQLearning.qLearning(client, FrozenLakeQLearning.Map4x4.DETERMINISTIC,
                20_000, 1, 32, gif, new PrintStream(new ByteArrayOutputStream()));
        assertEquals(1.0, r.successRate(), "greedy policy reaches the goal every time");
        assertEquals(6, r.recording().steps(), "the shortest path of the 4x4 lake");
        assertEquals(7, r.recording().frames());
        assertTrue(Files.exists(gif));
    }

    @Test
    void valueIterationOnTheModelPlansThe8x8Lake() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        FrozenLakeQLearning.Result r = FrozenLakeQLearning.valueIteration(client, 64, tmp.resolve("vi.gif"),
                new PrintStream(log));
        assertEquals(64, r.policy().length);
        // The optimal policy of the slippery 8x8 lake reaches the goal about 3 times in 4 (Sutton and Barto).
        assertTrue(r.successRate() >= 0.5, "success rate " + r.successRate() + "\n" + log);
        assertTrue(log.toString().contains("V(start) = 0.4"), log.toString());
    }
}
