package org.gymbridge.agents.core;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.gymbridge.agents.nn.Mlp;

/**
 * The checkpoint of an agent with several networks (DDPG, TD3, SAC: actor, critics, targets): one zip, one
 * Java-serialized entry per named piece of state (config, network weights as flat float arrays, optimizer
 * moments, replay buffer, counters), so that loading restores training exactly where it stopped.
 * Written to a temporary file and moved into place, so a crash never leaves half a checkpoint.
 */
public final class StateFile {

    private static final String ALGORITHM = "algorithm";

    private StateFile() {
    }

    /** Writes the entries (must include "algorithm", the name {@link #read} checks). */
    public static void write(Path file, Map<String, ? extends Serializable> entries) throws IOException {
        if (!entries.containsKey(ALGORITHM)) {
            throw new IllegalArgumentException("a state file needs an 'algorithm' entry");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            for (Map.Entry<String, ? extends Serializable> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                ObjectOutputStream out = new ObjectOutputStream(zip);
                out.writeObject(entry.getValue());
                out.flush();
                zip.closeEntry();
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads all entries, checking that the file was written for {@code algorithm}. */
    public static Map<String, Object> read(Path file, String algorithm) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no checkpoint at " + file.toAbsolutePath());
        }
        Map<String, Object> entries = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                ObjectInputStream in = new ObjectInputStream(zip);
                entries.put(entry.getName(), in.readObject());
            }
        } catch (ClassNotFoundException | java.io.ObjectStreamException e) {
            throw new IOException("checkpoint " + file + " was written by another version of gymbridge-agents: " + e, e);
        }
        Object written = entries.get(ALGORITHM);
        if (!algorithm.equals(written)) {
            throw new IOException("checkpoint " + file + " holds a '" + written + "' agent, not " + algorithm
                    + ": load it with that algorithm");
        }
        return entries;
    }

    /** Stores each network's weights under "net/NAME". */
    public static void putNetworks(Map<String, Serializable> state, Map<String, Mlp> networks) {
        networks.forEach((name, net) -> state.put("net/" + name, HostArrays.toFloats(net.params())));
    }

    /** Copies stored weights into networks of the same architecture. */
    public static void getNetworks(Map<String, Object> state, Map<String, Mlp> networks) throws IOException {
        for (Map.Entry<String, Mlp> entry : networks.entrySet()) {
            float[] weights = (float[]) state.get("net/" + entry.getKey());
            if (weights == null || weights.length != entry.getValue().params().length()) {
                throw new IOException("checkpoint has no weights for network '" + entry.getKey()
                        + "' of " + entry.getValue().params().length() + " parameters");
            }
            entry.getValue().params().assign(HostArrays.toArray(weights, entry.getValue().params().shape()));
        }
    }
}
