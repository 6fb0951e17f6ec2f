package org.gymbridge.agents.buffers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {

    private static void addRow(ReplayBuffer buffer, float value, boolean valid, boolean terminated) {
        buffer.add(new float[] {value, -value}, new float[] {value}, new double[] {value},
                new float[] {value + 1, -value - 1}, new boolean[] {terminated}, new boolean[] {valid});
    }

    @Test
    void resetStepsAreSkippedAndTheOldestTransitionsAreOverwritten() {
        ReplayBuffer buffer = new ReplayBuffer(3, 2, 1);
        addRow(buffer, 1, true, false);
        addRow(buffer, 2, false, false);       // NEXT_STEP reset step: not a transition
        addRow(buffer, 3, true, true);
        assertEquals(2, buffer.size());
        addRow(buffer, 4, true, false);
        addRow(buffer, 5, true, false);       // overwrites slot 0 (value 1)
        assertEquals(3, buffer.size());
        ReplayBuffer.Batch all = buffer.gather(new int[] {0, 1, 2});
        assertArrayEquals(new double[] {5, 3, 4}, all.rewards());
        assertArrayEquals(new float[] {5, -5, 3, -3, 4, -4}, all.observations());
        assertArrayEquals(new float[] {6, -6, 4, -4, 5, -5}, all.nextObservations());
        assertArrayEquals(new boolean[] {false, true, false}, all.terminated());
    }

    @Test
    void samplesComeFromTheFilledPartAndStateRoundTrips() {
        ReplayBuffer buffer = new ReplayBuffer(100, 2, 1);
        for (int i = 0; i < 10; i++) {
            addRow(buffer, i, true, false);
        }
        ReplayBuffer.Batch batch = buffer.sample(64, new Random(1));
        for (int j = 0; j < 64; j++) {
            assertTrue(batch.rewards()[j] >= 0 && batch.rewards()[j] < 10);
            assertEquals(batch.rewards()[j], batch.actions()[j], 0);
        }
        ReplayBuffer copy = new ReplayBuffer(100, 2, 1);
        copy.restore(buffer.state());
        assertEquals(10, copy.size());
        assertArrayEquals(buffer.sample(8, new Random(5)).observations(), copy.sample(8, new Random(5)).observations());
        assertThrows(IllegalArgumentException.class, () -> new ReplayBuffer(100, 3, 1).restore(buffer.state()));
    }

    @Test
    void emptyBufferAndWrongShapesFailClearly() {
        ReplayBuffer buffer = new ReplayBuffer(4, 2, 1);
        assertThrows(IllegalStateException.class, () -> buffer.sample(1, new Random(0)));
        assertThrows(IllegalArgumentException.class, () -> buffer.add(new float[3], new float[1], new double[1],
                new float[2], new boolean[1], new boolean[] {true}));
    }

    @Test
    void aBufferLargerThanTheHeapIsRefusedUpFrontNamingTheFix() {
        // 100k transitions of Crafter-sized frames (64x64x3) need ~9.8 GB (the tests run with -Xmx2g): an error
        // now, not an OutOfMemoryError at some later allocation.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReplayBuffer(100_000, 64 * 64 * 3, 1));
        assertTrue(e.getMessage().contains("lower buffer_size or raise -Xmx"), e.getMessage());
    }
}
