package org.gymbridge.agents.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Writes TensorBoard event files ({@code events.out.tfevents.*}) so that {@code tensorboard --logdir runs}
 * shows Java runs beside Python ones, with no TensorFlow or protobuf dependency.
 *
 * <p>The format is TFRecord: per record {@code uint64 length, uint32 masked_crc32c(length), data,
 * uint32 masked_crc32c(data)}, little-endian, where masked(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8.
 * Each record holds a serialized {@code tensorflow.Event} proto; we only need these fields:
 * <pre>
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }   Value { string tag = 1; float simple_value = 2; }
 * </pre>
 * encoded by hand below (tag = field number << 3 | wire type). The first record carries
 * {@code file_version = "brain.Event:2"}, as TensorFlow's writer does.
 */
public final class TensorBoardWriter implements AutoCloseable {

    private final Path file;
    private final OutputStream out;

    private TensorBoardWriter(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /** Creates {@code dir/events.out.tfevents.<seconds>.<host>.gymbridge} and writes the version record. */
    public static TensorBoardWriter create(Path dir, double wallTime) throws IOException {
        Files.createDirectories(dir);
        String host = hostName();
        Path file = dir.resolve("events.out.tfevents." + (long) wallTime + "." + host + ".gymbridge");
        TensorBoardWriter writer = new TensorBoardWriter(file, Files.newOutputStream(file, StandardOpenOption.CREATE_NEW));
        writer.writeRecord(event(wallTime, 0, "brain.Event:2", Map.of()));
        writer.flush();
        return writer;
    }

    /**
     * Re-opens an event file to append to it after cutting it to {@code length} bytes (resume: what was
     * written after the last checkpoint is written again by the resumed run).
     */
    public static TensorBoardWriter append(Path file, long length) throws IOException {
        try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(length);
        }
        return new TensorBoardWriter(file, Files.newOutputStream(file, StandardOpenOption.APPEND));
    }

    /** The event file. */
    public Path file() {
        return file;
    }

    /**
     * One event at {@code step} with a scalar per tag (tags like {@code train/episode_return}). NaN and infinite
     * values are left out (TensorBoard would draw them as gaps or spikes); nothing is written if none is left.
     */
    public void scalars(long step, double wallTime, Map<String, Double> values) throws IOException {
        Map<String, Double> finite = new java.util.LinkedHashMap<>();
        values.forEach((tag, v) -> {
            if (v != null && Double.isFinite(v)) {
                finite.put(tag, v);
            }
        });
        if (finite.isEmpty()) {
            return;
        }
        writeRecord(event(wallTime, step, null, finite));
    }

    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** The serialized Event proto (see the class doc for the fields). */
    static byte[] event(double wallTime, long step, String fileVersion, Map<String, Double> scalars) {
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        event.write(1 << 3 | 1);                       // wall_time: fixed64
        writeLittleEndian(event, Double.doubleToLongBits(wallTime), 8);
        if (step != 0) {
            event.write(2 << 3);                       // step: varint
            writeVarint(event, step);
        }
        if (fileVersion != null) {
            writeBytes(event, 3, fileVersion.getBytes(StandardCharsets.UTF_8));
        }
        if (!scalars.isEmpty()) {
            ByteArrayOutputStream summary = new ByteArrayOutputStream();
            for (Map.Entry<String, Double> scalar : scalars.entrySet()) {
                ByteArrayOutputStream value = new ByteArrayOutputStream();
                writeBytes(value, 1, scalar.getKey().getBytes(StandardCharsets.UTF_8));
                value.write(2 << 3 | 5);               // simple_value: fixed32 float
                writeLittleEndian(value, Float.floatToIntBits(scalar.getValue().floatValue()) & 0xffffffffL, 4);
                writeBytes(summary, 1, value.toByteArray());
            }
            writeBytes(event, 5, summary.toByteArray());
        }
        return event.toByteArray();
    }

    /** TFRecord framing of one record. */
    static byte[] record(byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(data.length);
        b.putInt(maskedCrc(b.array(), 0, 8));
        b.put(data);
        b.putInt(maskedCrc(data, 0, data.length));
        return b.array();
    }

    /** TensorFlow's masked CRC32C (so that CRCs of data containing CRCs stay well distributed). */
    static int maskedCrc(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }

    private void writeRecord(byte[] data) throws IOException {
        out.write(record(data));
    }

    private static void writeBytes(ByteArrayOutputStream out, int field, byte[] bytes) {
        out.write(field << 3 | 2);                     // length-delimited
        writeVarint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static void writeLittleEndian(ByteArrayOutputStream out, long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (value >>> (8 * i)) & 0xff);
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "_");
        } catch (IOException e) {
            return "localhost";
        }
    }
}
