package org.gymbridge.agents.core;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.gymbridge.agents.nn.Adam;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one checkpoint format of every agent: a zip of named entries, so that {@link Agent#load} on an agent
 * built with the same config and env continues training bit for bit.
 * <pre>
 *   manifest         format version, the algorithm's name, the kind of each network (text)
 *   net/NAME         a DL4J network written by {@link ModelSerializer} (a model zip any DL4J tool reads)
 *   adam/NAME        an optimizer's {@link Adam.State}
 *   NAME             any other Serializable value: config, RNG, counters, normalizer statistics, buffers
 * </pre>
 * Build one with {@link #of}, add entries, {@link #write} it (to a temporary file moved into place, so a crash
 * never leaves half a checkpoint); {@link #read} checks format and algorithm, then entries are read by name.
 */
public final class Checkpoint {

    /** The format this version writes and reads. */
    public static final String FORMAT = "gymbridge-agents-checkpoint/2";

    private static final String MANIFEST = "manifest";
    private static final String NET = "net/";
    private static final String ADAM = "adam/";

    private final Path file;
    private final Properties manifest = new Properties();
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    private Checkpoint(Path file) {
        this.file = file;
    }

    /** An empty checkpoint of an agent of {@code algorithm} (the name {@link #read} checks). */
    public static Checkpoint of(String algorithm) {
        Checkpoint c = new Checkpoint(null);
        c.manifest.setProperty("format", FORMAT);
        c.manifest.setProperty("algorithm", algorithm);
        return c;
    }

    // ---- Writing ----------------------------------------------------------------------------------------

    /** Adds a Java-serialized entry. */
    public Checkpoint put(String name, Serializable value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("checkpoint entry '" + name + "' cannot be serialized: " + e, e);
        }
        entries.put(name, bytes.toByteArray());
        return this;
    }

    /** Adds a network (a MultiLayerNetwork or ComputationGraph) as ModelSerializer bytes, without its updater. */
    public Checkpoint putNetwork(String name, Model network) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(network, bytes, false);
        } catch (IOException e) {
            throw new IllegalStateException("network '" + name + "' cannot be written: " + e, e);
        }
        entries.put(NET + name, bytes.toByteArray());
        manifest.setProperty(NET + name, network instanceof ComputationGraph ? "graph" : "layers");
        return this;
    }

    /** Adds an optimizer's state. */
    public Checkpoint putOptimizer(String name, Adam adam) {
        return put(ADAM + name, adam.state());
    }

    /** Writes the checkpoint to {@code file} (atomically: a temporary file moved into place). */
    public void write(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            zip.putNextEntry(new ZipEntry(MANIFEST));
            manifest.store(zip, null);
            zip.closeEntry();
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---- Reading ----------------------------------------------------------------------------------------

    /**
     * Reads a checkpoint written by {@link #write}, checking that it holds an {@code algorithm} agent. A file in
     * an earlier format (before this one) fails with a message: such checkpoints cannot be loaded any more.
     */
    public static Checkpoint read(Path file, String algorithm) throws IOException {
        Checkpoint c = read(file);
        String written = c.algorithm();
        if (!algorithm.equals(written)) {
            throw new IOException("checkpoint " + file + " holds a '" + written + "' agent, not " + algorithm
                    + ": load it with that algorithm");
        }
        return c;
    }

    /** Reads a checkpoint of any algorithm (to inspect it); see {@link #read(Path, String)}. */
    public static Checkpoint read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no checkpoint at " + file.toAbsolutePath());
        }
        Checkpoint c = new Checkpoint(file);
        try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                byte[] bytes = zip.readAllBytes();
                if (entry.getName().equals(MANIFEST)) {
                    c.manifest.load(new java.io.InputStreamReader(new ByteArrayInputStream(bytes),
                            StandardCharsets.ISO_8859_1));
                } else {
                    c.entries.put(entry.getName(), bytes);
                }
            }
        } catch (java.util.zip.ZipException e) {
            c.manifest.clear();
        }
        String format = c.manifest.getProperty("format");
        if (!FORMAT.equals(format)) {
            throw new IOException("checkpoint " + file + " is in " + (format == null ? "an earlier format" : format)
                    + ", which this version of gymbridge-agents (" + FORMAT + ") cannot load: start a new run"
                    + " (train again) to get a checkpoint in the current format");
        }
        return c;
    }

    /** The algorithm name of the agent that wrote this checkpoint. */
    public String algorithm() {
        return manifest.getProperty("algorithm");
    }

    /** The names of the entries, in the order they were written (networks as "net/NAME", optimizers "adam/NAME"). */
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(entries.keySet());
    }

    /** The parameters of a stored network, flat. */
    public INDArray networkParams(String name) throws IOException {
        return "graph".equals(manifest.getProperty(NET + name)) ? graph(name).params() : layers(name).params();
    }

    /** True if the checkpoint has an entry of that name (a network: "net/NAME"). */
    public boolean has(String name) {
        return entries.containsKey(name);
    }

    /** A Java-serialized entry, checked to be a {@code type}. */
    public <T> T get(String name, Class<T> type) throws IOException {
        byte[] bytes = require(name);
        Object value;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            value = in.readObject();
        } catch (ClassNotFoundException | java.io.ObjectStreamException e) {
            throw new IOException("checkpoint " + file + ": entry '" + name + "' was written by another version of"
                    + " gymbridge-agents: " + e, e);
        }
        if (value != null && !type.isInstance(value)) {
            throw new IOException("checkpoint " + file + ": entry '" + name + "' holds a "
                    + value.getClass().getSimpleName() + ", not a " + type.getSimpleName());
        }
        return type.cast(value);
    }

    /** A network written as a ComputationGraph. */
    public ComputationGraph graph(String name) throws IOException {
        requireKind(name, "graph");
        return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(require(NET + name)), false);
    }

    /** A network written as a MultiLayerNetwork. */
    public MultiLayerNetwork layers(String name) throws IOException {
        requireKind(name, "layers");
        return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(require(NET + name)), false);
    }

    /**
     * Copies a stored network's parameters into {@code params} (the agent's own network), checked to have the
     * same length, so a checkpoint of another env or config fails with a message instead of a shape error later.
     */
    public void restoreNetwork(String name, INDArray params) throws IOException {
        INDArray stored = networkParams(name);
        if (stored.length() != params.length()) {
            throw new IOException("checkpoint " + file + " holds a network '" + name + "' of " + stored.length()
                    + " parameters, this agent has " + params.length() + ": different env or config");
        }
        params.assign(stored.reshape(params.shape()));
    }

    /** Restores an optimizer's state written by {@link #putOptimizer}. */
    public void restoreOptimizer(String name, Adam adam) throws IOException {
        adam.restore(get(ADAM + name, Adam.State.class));
    }

    private void requireKind(String name, String kind) throws IOException {
        String written = manifest.getProperty(NET + name);
        if (written == null) {
            throw new IOException("checkpoint " + file + " has no network '" + name + "'");
        }
        if (!written.equals(kind)) {
            throw new IOException("checkpoint " + file + ": network '" + name + "' is stored as " + written
                    + ", not " + kind);
        }
    }

    private byte[] require(String name) throws IOException {
        byte[] bytes = entries.get(name);
        if (bytes == null) {
            throw new IOException("checkpoint " + file + " has no entry '" + name + "'");
        }
        return bytes;
    }
}
