package org.gymbridge.agents.core;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Agent checkpoints: a DL4J model zip written by {@link ModelSerializer} (readable by any DL4J tool), with
 * the agent's own state (its config, optimizer moments) stored as extra named entries in the same zip.
 */
public final class Checkpoint {

    private Checkpoint() {
    }

    /** Writes {@code graph} and the {@code extras} (entry name -> serializable value) to {@code file}. */
    public static void write(Path file, ComputationGraph graph, Map<String, ? extends Serializable> extras)
            throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ModelSerializer.writeModel(graph, file.toFile(), false);
        for (Map.Entry<String, ? extends Serializable> extra : extras.entrySet()) {
            ModelSerializer.addObjectToFile(file.toFile(), extra.getKey(), extra.getValue());
        }
    }

    /** Reads the network of a checkpoint written by {@link #write}. */
    public static ComputationGraph readGraph(Path file) throws IOException {
        requireFile(file);
        return ModelSerializer.restoreComputationGraph(file.toFile(), false);
    }

    /**
     * The parameters of the network of a checkpoint written by {@link #write}, checked to have
     * {@code expectedLength} entries (the agent's own network), so a checkpoint of another env or config fails
     * with a message instead of a shape error later.
     */
    public static INDArray readParams(Path file, long expectedLength) throws IOException {
        INDArray params = readGraph(file).params();
        if (params.length() != expectedLength) {
            throw new IOException("checkpoint " + file + " holds a network of " + params.length()
                    + " parameters, this agent has " + expectedLength + ": different env or config");
        }
        return params;
    }

    /** Reads one extra entry of a checkpoint written by {@link #write}. */
    public static <T> T readExtra(Path file, String name, Class<T> type) throws IOException {
        requireFile(file);
        Object value = ModelSerializer.getObjectFromFile(file.toFile(), name);
        if (!type.isInstance(value)) {
            throw new IOException("checkpoint " + file + " has no entry '" + name + "' of type "
                    + type.getSimpleName() + ": was it written by this version of gymbridge-agents?");
        }
        return type.cast(value);
    }

    /**
     * Writes an agent state without a DL4J network (tabular, bandit agents) with Java serialization: the
     * state is a record of arrays, counters and the agent's {@link java.util.Random} (serializable, so its
     * exact position in the random stream is kept).
     */
    public static void writeObject(Path file, Serializable state) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (ObjectOutputStream out = new ObjectOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeObject(state);
        }
    }

    /** Reads a state written by {@link #writeObject}. */
    public static <T> T readObject(Path file, Class<T> type) throws IOException {
        requireFile(file);
        Object value;
        try (ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            value = in.readObject();
        } catch (ClassNotFoundException e) {
            throw new IOException("checkpoint " + file + " holds a class this program does not have: " + e.getMessage(), e);
        }
        if (!type.isInstance(value)) {
            throw new IOException("checkpoint " + file + " holds a " + value.getClass().getSimpleName() + ", not a "
                    + type.getSimpleName() + ": was it written by another algorithm?");
        }
        return type.cast(value);
    }

    private static void requireFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no checkpoint at " + file.toAbsolutePath());
        }
    }
}
