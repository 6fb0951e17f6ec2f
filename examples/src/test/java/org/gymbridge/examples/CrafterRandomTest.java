package org.gymbridge.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Crafter example against a real server: uint8 64x64x3 frames every step, and a GIF of them. */
class CrafterRandomTest {
    @TempDir
    Path tmp;

    @Test
    void stepsCrafterWithUint8FramesAndWritesAGif() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path gif = tmp.resolve("crafter.gif");
        // A 6-step time limit makes the run cross an episode end (and the reset after it).
        CrafterRandom.Summary s = CrafterRandom.run("local:Crafter-v1?max_episode_steps=6", 10, 1, gif,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertArrayEquals(new long[] {64, 64, 3}, s.frameShape(), "checked on every step by run()");
        assertEquals(10, s.steps());
        assertEquals(1, s.episodes(), "the time limit ended one episode");
        assertEquals(10 + 1 + 1, s.gifFrames(), "reset frame, one per step, and the frame after the reset");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("actions Discrete(17)"), log.toString(StandardCharsets.UTF_8));
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
            reader.setInput(in);
            assertEquals(s.gifFrames(), reader.getNumImages(true));
            assertEquals(64, reader.getWidth(0));
            assertEquals(64, reader.getHeight(0));
            reader.dispose();
        }
    }
}
