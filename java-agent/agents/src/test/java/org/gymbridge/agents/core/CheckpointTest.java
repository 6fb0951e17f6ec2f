package org.gymbridge.agents.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.util.ModelSerializer;
import org.gymbridge.agents.nn.ActorCritic;
import org.gymbridge.agents.nn.Adam;
import org.gymbridge.agents.nn.Mlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointTest {

    @TempDir
    Path dir;

    @Test
    void entriesNetworksAndOptimizersRoundTrip() throws IOException {
        Mlp mlp = Mlp.create(3, new int[] {4}, 2, Activation.RELU, new Random(1));
        ActorCritic graph = ActorCritic.create(3, 2, new int[] {4}, new Random(2));
        Adam adam = Adam.withEps(mlp.params().length(), 1e-5);
        adam.step(mlp.params(), Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, mlp.params().length()), 0.1);
        Random rng = new Random(3);
        rng.nextInt();
        Path file = dir.resolve("sub/agent.bin");
        Checkpoint.of("test").putNetwork("mlp", mlp.network()).putNetwork("graph", graph.graph())
                .putOptimizer("mlp", adam).put("rng", rng).put("steps", 42L).put("none", null).write(file);

        Checkpoint read = Checkpoint.read(file, "test");
        assertEquals(List.of("net/mlp", "net/graph", "adam/mlp", "rng", "steps", "none"), List.copyOf(read.names()));
        Mlp other = Mlp.create(3, new int[] {4}, 2, Activation.RELU, new Random(9));
        read.restoreNetwork("mlp", other.params());
        assertEquals(mlp.params(), other.params());
        assertEquals(graph.params(), read.graph("graph").params());
        Adam restored = Adam.withEps(mlp.params().length(), 1e-5);
        read.restoreOptimizer("mlp", restored);
        assertArrayEquals(adam.state().v(), restored.state().v());
        assertEquals(rng.nextLong(), read.get("rng", Random.class).nextLong());
        assertEquals(42L, read.get("steps", Long.class));
        assertNull(read.get("none", String.class));
        assertTrue(Files.exists(file) && !Files.exists(dir.resolve("sub/agent.bin.tmp")));
    }

    @Test
    void aNetworkOfAnotherSizeIsRejectedWithBothSizes() throws IOException {
        Mlp small = Mlp.create(3, new int[] {4}, 2, Activation.RELU, new Random(1));
        Path file = dir.resolve("a.bin");
        Checkpoint.of("test").putNetwork("net", small.network()).write(file);
        Mlp big = Mlp.create(3, new int[] {8}, 2, Activation.RELU, new Random(1));
        IOException e = assertThrows(IOException.class,
                () -> Checkpoint.read(file, "test").restoreNetwork("net", big.params()));
        assertTrue(e.getMessage().contains(small.params().length() + " parameters"), e.getMessage());
    }

    @Test
    void anotherAlgorithmsCheckpointNamesIt() throws IOException {
        Path file = dir.resolve("a.bin");
        Checkpoint.of("td3").put("x", 1).write(file);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(file, "sac"));
        assertTrue(e.getMessage().contains("'td3'"), e.getMessage());
    }

    @Test
    void checkpointsOfEarlierFormatsAskForANewRun() throws IOException {
        // A bare DL4J model zip with extras (the earlier network checkpoint) and a Java-serialized state file.
        Path model = dir.resolve("model.bin");
        ModelSerializer.writeModel(Mlp.create(3, new int[] {4}, 2, Activation.RELU, new Random(1)).network(),
                model.toFile(), false);
        ModelSerializer.addObjectToFile(model.toFile(), "adam", "state");
        Path object = dir.resolve("object.bin");
        try (ObjectOutputStream out = new ObjectOutputStream(Files.newOutputStream(object))) {
            out.writeObject(new double[] {1, 2});
        }
        for (Path old : List.of(model, object)) {
            IOException e = assertThrows(IOException.class, () -> Checkpoint.read(old, "ppo"));
            assertTrue(e.getMessage().contains("earlier format") && e.getMessage().contains("start a new run"),
                    e.getMessage());
        }
    }

    @Test
    void aMissingFileSaysWhere() {
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(dir.resolve("nope.bin"), "ppo"));
        assertTrue(e.getMessage().contains("nope.bin"), e.getMessage());
    }
}
