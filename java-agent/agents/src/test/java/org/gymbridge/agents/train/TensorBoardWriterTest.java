package org.gymbridge.agents.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event records are byte for byte what TensorBoard's own writer produces. The expected bytes come from
 * the tensorboard Python package (2.x): {@code RecordWriter(buf).write(event_pb2.Event(wall_time=1700000000.25,
 * step=1234, summary=Summary(value=[Summary.Value(tag="episode/return", simple_value=-12.5)])).SerializeToString())},
 * and the same for the file_version event. (Whole run folders were also loaded with tensorboard's
 * EventFileLoader and EventAccumulator; see the agents README.)
 */
class TensorBoardWriterTest {

    @TempDir
    Path dir;

    @Test
    void aScalarEventIsFramedLikeTensorBoardsRecordWriter() {
        byte[] record = TensorBoardWriter.record(TensorBoardWriter.event(1700000000.25, 1234, null,
                Map.of("episode/return", -12.5)));
        assertEquals("2500000000000000eabc36f30900001040fc54d94110d2092a170a150a0e657069736f64652f72657475726e"
                + "15000048c13736f025", HexFormat.of().formatHex(record));
    }

    @Test
    void theFileStartsWithTheVersionEvent() throws IOException {
        try (TensorBoardWriter writer = TensorBoardWriter.create(dir, 1700000000.0)) {
            byte[] bytes = Files.readAllBytes(writer.file());
            assertEquals("1800000000000000a37f4b220900000040fc54d9411a0d627261696e2e4576656e743a32eced8f9d",
                    HexFormat.of().formatHex(bytes));
            assertTrue(writer.file().getFileName().toString().startsWith("events.out.tfevents.1700000000."));
        }
    }

    @Test
    void nanAndInfiniteScalarsAreLeftOut() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.createDirectories(a);
        Files.createDirectories(b);
        try (TensorBoardWriter withNan = TensorBoardWriter.create(a, 1700000000.0);
             TensorBoardWriter finite = TensorBoardWriter.create(b, 1700000000.0)) {
            Map<String, Double> values = new java.util.LinkedHashMap<>();
            values.put("train/actor_loss", Double.NaN);
            values.put("train/q_loss", 0.5);
            values.put("train/x", Double.POSITIVE_INFINITY);
            withNan.scalars(7, 1700000001.0, values);
            withNan.scalars(8, 1700000002.0, Map.of("train/actor_loss", Double.NaN));
            finite.scalars(7, 1700000001.0, Map.of("train/q_loss", 0.5));
            withNan.flush();
            finite.flush();
            assertEquals(HexFormat.of().formatHex(Files.readAllBytes(finite.file())),
                    HexFormat.of().formatHex(Files.readAllBytes(withNan.file())));
        }
    }
}
