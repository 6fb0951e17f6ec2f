package org.gymbridge.agents.rlhf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * An append-only file of JSON objects, one per line: the durable form of queries and labels.
 *
 * <p>Writers hold one lock per file, across threads (a monitor per path) and across processes (an OS
 * file lock), while they {@link #read catch up}, decide and append; each append is forced to disk before
 * the lock is released, so an acknowledged line survives a crash. Readers need no lock: they read only
 * complete lines, from where they stopped. A line torn by a crash is skipped and counted, never fatal.
 */
final class JsonLines {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final ConcurrentHashMap<Path, Object> MONITORS = new ConcurrentHashMap<>();

    private final Path path;
    private long offset;
    private int skipped;

    JsonLines(Path path) {
        this.path = path.toAbsolutePath().normalize();
    }

    Path path() {
        return path;
    }

    /** Lines that could not be parsed (torn by a crash), skipped so far. */
    int skippedLines() {
        return skipped;
    }

    /** The objects appended since the last read (by anyone), in file order. */
    List<JsonNode> read() {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(path)) {
            return out;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size <= offset) {
                return out;
            }
            ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(size - offset));
            while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) >= 0) {
                // read all of it
            }
            byte[] bytes = buf.array();
            int lineStart = 0;
            for (int i = 0; i < buf.position(); i++) {
                if (bytes[i] == '\n') {
                    String line = new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8).strip();
                    if (!line.isEmpty()) {
                        try {
                            out.add(JSON.readTree(line));
                        } catch (IOException e) {
                            skipped++;
                        }
                    }
                    lineStart = i + 1;
                }
            }
            offset += lineStart; // an incomplete last line is read again once it is complete
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /**
     * Runs {@code decide} under the file's writer lock; if it returns an object, appends it as one line and
     * forces it to disk before the lock is released. {@code decide} should {@link #read} first to see
     * every earlier append.
     */
    <T> T appendLocked(Supplier<T> decide) {
        Object monitor = MONITORS.computeIfAbsent(path, p -> new Object());
        synchronized (monitor) {
            try {
                Files.createDirectories(path.getParent());
                try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.READ);
                     FileLock lock = ch.lock()) {
                    T value = decide.get();
                    if (value != null) {
                        long end = ch.size();
                        byte[] line = (JSON.writeValueAsString(value) + "\n").getBytes(StandardCharsets.UTF_8);
                        ByteBuffer buf;
                        if (end > 0 && !endsWithNewline(ch, end)) {
                            // A crash tore the last line: end it so this line stays parseable.
                            buf = ByteBuffer.allocate(line.length + 1).put((byte) '\n').put(line).flip();
                        } else {
                            buf = ByteBuffer.wrap(line);
                        }
                        while (buf.hasRemaining()) {
                            end += ch.write(buf, end);
                        }
                        ch.force(false); // fdatasync: the data and the new length
                    }
                    return value;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to " + path, e);
            }
        }
    }

    private static boolean endsWithNewline(FileChannel ch, long size) throws IOException {
        ByteBuffer last = ByteBuffer.allocate(1);
        ch.read(last, size - 1);
        return last.get(0) == '\n';
    }
}
