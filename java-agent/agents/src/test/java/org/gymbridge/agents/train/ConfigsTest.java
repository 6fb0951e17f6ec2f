package org.gymbridge.agents.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigsTest {

    enum Kind { LINEAR, EXPONENTIAL }

    record Inner(double start, double end) {
    }

    record Sample(double learningRate, int batchSize, long totalSteps, boolean doubleQ, Kind kind, int[] hidden,
                  Inner epsilon, String name) {
        Sample {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch_size must be > 0");
            }
        }

        static Sample defaults() {
            return new Sample(1e-3, 32, 1000, false, Kind.LINEAR, new int[] {64, 64}, new Inner(1, 0.05), "x");
        }
    }

    @TempDir
    Path dir;

    @Test
    void yamlKeysInAnyCaseOverrideTheDefaults() throws IOException {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, "learning_rate: 2.5e-4\nbatch-size: 64\ntotalSteps: 1e5\ndouble_q: true\nkind: Exponential\n"
                + "hidden: [128]\nepsilon: {end: 0.01}\n");
        Sample s = Configs.bind(Sample.defaults(), Configs.readFile(file), "c.yaml");
        assertEquals(2.5e-4, s.learningRate());
        assertEquals(64, s.batchSize());
        assertEquals(100_000, s.totalSteps());
        assertTrue(s.doubleQ());
        assertEquals(Kind.EXPONENTIAL, s.kind());
        assertArrayEquals(new int[] {128}, s.hidden());
        assertEquals(new Inner(1, 0.01), s.epsilon());
        assertEquals("x", s.name());
    }

    @Test
    void jsonWorksTheSameAndTheResolvedConfigLoadsBack() throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"learning_rate\": 0.01, \"hidden\": [8, 8, 8]}");
        Sample s = Configs.bind(Sample.defaults(), Configs.readFile(file), "c.json");
        Path written = dir.resolve("resolved.yaml");
        Configs.writeYaml(written, Configs.toMap(s));
        assertTrue(Files.readString(written).contains("learning_rate: 0.01"), Files.readString(written));
        Sample back = Configs.bind(Sample.defaults(), Configs.readFile(written), "resolved.yaml");
        assertEquals(Configs.toMap(s).toString(), Configs.toMap(back).toString());
    }

    @Test
    void unknownKeysAreRejectedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Configs.bind(Sample.defaults(), Map.of("lerning_rate", 1), "c.yaml for dqn"));
        assertTrue(e.getMessage().contains("unknown key 'lerning_rate' in c.yaml for dqn"), e.getMessage());
        assertTrue(e.getMessage().contains("known keys: learning_rate, batch_size, total_steps"), e.getMessage());
    }

    @Test
    void wrongTypesAndRecordValidationNameTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Configs.bind(Sample.defaults(), Map.of("batch_size", 1.5), "c.yaml"));
        assertTrue(e.getMessage().contains("key 'batch_size' must be an integer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Configs.bind(Sample.defaults(), Map.of("kind", "cosine"), "c.yaml"));
        assertTrue(e.getMessage().contains("must be one of linear, exponential"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Configs.bind(Sample.defaults(), Map.of("batch_size", 0), "c.yaml"));
        assertTrue(e.getMessage().contains("c.yaml: batch_size must be > 0"), e.getMessage());
    }

    @Test
    void aFileWithAnotherExtensionIsRefused() throws IOException {
        Path file = dir.resolve("c.toml");
        Files.writeString(file, "a = 1");
        IOException e = assertThrows(IOException.class, () -> Configs.readFile(file));
        assertTrue(e.getMessage().contains(".yaml, .yml or .json"), e.getMessage());
    }
}
