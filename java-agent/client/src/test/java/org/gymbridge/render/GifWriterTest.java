package org.gymbridge.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GIFs written from uint8 frames read back with the JDK's own GIF reader: frames, size, pixels, timing, looping. */
class GifWriterTest {
    @TempDir
    Path tmp;

    @Test
    void framesWithFewColoursRoundTripExactly() throws Exception {
        List<Tensor> frames = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(1);
        int[][] palette = {{0, 0, 0}, {255, 255, 255}, {12, 200, 77}, {255, 0, 128}, {1, 2, 3}};
        for (int f = 0; f < 4; f++) {
            byte[] px = new byte[6 * 10 * 3];
            for (int i = 0; i < 60; i++) {
                int[] c = palette[rng.nextInt(palette.length)];
                px[3 * i] = (byte) c[0];
                px[3 * i + 1] = (byte) c[1];
                px[3 * i + 2] = (byte) c[2];
            }
            frames.add(Tensor.ofBytes(px, DType.UINT8, 6, 10, 3));
        }
        Path gif = tmp.resolve("sub/dir/few.gif");
        GifWriter.write(gif, frames, 50);
        GifFile read = GifFile.read(gif);
        assertEquals(4, read.frames().size());
        for (int f = 0; f < 4; f++) {
            BufferedImage img = read.frames().get(f);
            assertEquals(10, img.getWidth());
            assertEquals(6, img.getHeight());
            byte[] px = frames.get(f).toByteArray();
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 10; x++) {
                    int p = 3 * (y * 10 + x);
                    int expected = (px[p] & 0xff) << 16 | (px[p + 1] & 0xff) << 8 | (px[p + 2] & 0xff);
                    assertEquals(expected, img.getRGB(x, y) & 0xffffff, "frame " + f + " pixel " + x + "," + y);
                }
            }
        }
        assertEquals(2, read.delayCentiseconds(), "50 fps = 2/100 s per frame");
        assertTrue(read.loopsForever(), "NETSCAPE2.0 loop count 0");
    }

    @Test
    void framesWithManyColoursAreQuantizedButKeepTheirSize() throws Exception {
        byte[] px = new byte[64 * 64 * 3];
        new SplittableRandom(2).nextBytes(px); // ~4096 distinct colours: more than a GIF palette holds
        Tensor frame = Tensor.ofBytes(px, DType.UINT8, 64, 64, 3);
        Path gif = tmp.resolve("many.gif");
        try (GifWriter w = GifWriter.create(gif, 15)) {
            w.addFrame(frame).addFrame(frame);
            assertEquals(7, w.delayCentiseconds(), "15 fps = 6.67/100 s, rounded");
        }
        GifFile read = GifFile.read(gif);
        assertEquals(2, read.frames().size());
        assertEquals(64, read.frames().get(1).getWidth());
        assertEquals(64, read.frames().get(1).getHeight());
    }

    @Test
    void badFramesAreRejectedWithTheExpectedShape() {
        Path gif = tmp.resolve("bad.gif");
        try (GifWriter w = GifWriter.create(gif, 0)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> w.addFrame(Tensor.ofFloats(new float[12], 2, 2, 3)));
            assertTrue(e.getMessage().contains("uint8 tensor of shape [H, W, 3]"), e.getMessage());
            w.addFrame(Tensor.zeros(DType.UINT8, 2, 2, 3));
            e = assertThrows(IllegalArgumentException.class, () -> w.addFrame(Tensor.zeros(DType.UINT8, 3, 2, 3)));
            assertTrue(e.getMessage().contains("all frames of a GIF need one size"), e.getMessage());
            assertEquals(Math.round(100 / GifWriter.DEFAULT_FPS), w.delayCentiseconds(), "fps 0: the default");
        }
        assertTrue(Files.exists(gif));
    }

    @Test
    void aGifWithoutFramesIsAnErrorAndLeavesNoFile() {
        Path gif = tmp.resolve("empty.gif");
        GifWriter w = GifWriter.create(gif, 10);
        IllegalStateException e = assertThrows(IllegalStateException.class, w::close);
        assertTrue(e.getMessage().contains("no frames"), e.getMessage());
        assertFalse(Files.exists(gif));
    }
}
