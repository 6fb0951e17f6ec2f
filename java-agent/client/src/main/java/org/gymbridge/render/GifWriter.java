package org.gymbridge.render;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;

/**
 * Writes an animated GIF, one frame per {@code uint8 [H, W, 3]} tensor (what {@code render()} returns
 * for {@code render_mode=rgb_array}), looping forever. Pure JDK ({@code javax.imageio}): no dependency.
 *
 * <pre>{@code
 * try (GifWriter gif = GifWriter.create(Path.of("episode.gif"), env.spec().renderFps())) {
 *     gif.addFrame(env.render().asTensor());
 * }
 * }</pre>
 *
 * <p>GIF stores at most 256 colours per frame: a frame with at most 256 distinct colours (the toy-text
 * and classic-control renderers) is stored exactly, with its own palette; a richer one (MuJoCo,
 * Crafter) is reduced by the JDK's octree quantizer. The frame delay is {@code 1/fps} rounded to the
 * GIF's unit of 1/100 s, at least 2/100 s because browsers slow shorter delays down to 1/10 s.
 * All frames must have the first frame's size. Not thread-safe.
 */
public final class GifWriter implements AutoCloseable {
    /** Frames per second used when an env declares no render_fps. */
    public static final double DEFAULT_FPS = 30;

    private static final String FORMAT = "javax_imageio_gif_image_1.0";

    private final Path path;
    private final ImageOutputStream out;
    private final ImageWriter writer;
    private final int delayCentis;
    private int width = -1;
    private int height = -1;
    private int frames;
    private boolean closed;

    private GifWriter(Path path, ImageOutputStream out, ImageWriter writer, int delayCentis) {
        this.path = path;
        this.out = out;
        this.writer = writer;
        this.delayCentis = delayCentis;
    }

    /**
     * Starts a GIF at {@code path} (parent directories are created; an existing file is replaced) that
     * plays {@code fps} frames per second; {@code fps <= 0} (an env without render_fps) means {@link #DEFAULT_FPS}.
     */
    public static GifWriter create(Path path, double fps) {
        Objects.requireNonNull(path, "path");
        double f = fps > 0 && Double.isFinite(fps) ? fps : DEFAULT_FPS;
        int delay = (int) Math.max(2, Math.min(65535, Math.round(100.0 / f)));
        ImageOutputStream out = null;
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.deleteIfExists(path); // FileImageOutputStream would keep a longer old file's tail
            out = ImageIO.createImageOutputStream(path.toFile());
            if (out == null) {
                throw new IOException("cannot open " + path + " for writing");
            }
            Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("gif");
            if (!it.hasNext()) {
                throw new IllegalStateException("this JDK has no GIF ImageWriter (javax.imageio)");
            }
            ImageWriter writer = it.next();
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            return new GifWriter(path, out, writer, delay);
        } catch (IOException e) {
            closeQuietly(out);
            throw new UncheckedIOException("cannot write GIF " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code frames} as one GIF at {@code fps} frames per second. */
    public static void write(Path path, List<Tensor> frames, double fps) {
        try (GifWriter gif = create(path, fps)) {
            frames.forEach(gif::addFrame);
        }
    }

    /**
     * Appends one frame: a {@code uint8} tensor of shape {@code [H, W, 3]} (RGB; {@code [H, W, 4]} is
     * accepted and its alpha ignored, {@code [1, H, W, C]} — one env's render of a vector env — too).
     *
     * @throws IllegalArgumentException for another dtype or shape, or a size unlike the first frame's
     */
    public GifWriter addFrame(Tensor frame) {
        if (closed) {
            throw new IllegalStateException("this GifWriter (" + path + ") is closed");
        }
        BufferedImage image = toImage(frame);
        if (width < 0) {
            width = image.getWidth();
            height = image.getHeight();
        } else if (image.getWidth() != width || image.getHeight() != height) {
            throw new IllegalArgumentException("GIF frame " + frames + " is " + image.getHeight() + "x" + image.getWidth()
                    + " but the first frame was " + height + "x" + width + "; all frames of a GIF need one size");
        }
        try {
            IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image),
                    writer.getDefaultWriteParam());
            configure(meta, frames == 0, image);
            writer.writeToSequence(new IIOImage(image, null, meta), (ImageWriteParam) null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write GIF frame " + frames + " to " + path + ": " + e.getMessage(), e);
        }
        frames++;
        return this;
    }

    /** Frames written so far. */
    public int frameCount() {
        return frames;
    }

    /** The delay between frames, in 1/100 s (the GIF's unit). */
    public int delayCentiseconds() {
        return delayCentis;
    }

    /** Where the GIF is written. */
    public Path path() {
        return path;
    }

    /** Finishes the file (idempotent). A GIF without frames is an error: there is nothing to show. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (frames == 0) {
                throw new IllegalStateException("no frames were added to the GIF " + path
                        + "; add at least one frame (render() of an env made with render_mode=rgb_array)");
            }
            writer.endWriteSequence();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish GIF " + path + ": " + e.getMessage(), e);
        } finally {
            writer.dispose();
            closeQuietly(out);
            if (frames == 0) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // the file is empty and invalid either way; the exception above says why
                }
            }
        }
    }

    /**
     * Frame delay, no disposal, the exact palette of an indexed frame, and (on the first frame) the
     * NETSCAPE2.0 extension that loops forever.
     */
    private void configure(IIOMetadata meta, boolean first, BufferedImage image) throws IIOInvalidTreeException {
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(FORMAT);
        if (image.getColorModel() instanceof IndexColorModel cm) {
            // The writer takes the local colour table from the metadata, not from the image's colour model
            // (whose default is a generic palette): put the frame's own palette there.
            IIOMetadataNode table = child(root, "LocalColorTable");
            while (table.hasChildNodes()) {
                table.removeChild(table.getFirstChild());
            }
            table.setAttribute("sizeOfLocalColorTable", Integer.toString(cm.getMapSize()));
            table.setAttribute("sortFlag", "FALSE");
            for (int i = 0; i < cm.getMapSize(); i++) {
                IIOMetadataNode entry = new IIOMetadataNode("ColorTableEntry");
                entry.setAttribute("index", Integer.toString(i));
                entry.setAttribute("red", Integer.toString(cm.getRed(i)));
                entry.setAttribute("green", Integer.toString(cm.getGreen(i)));
                entry.setAttribute("blue", Integer.toString(cm.getBlue(i)));
                table.appendChild(entry);
            }
        }
        IIOMetadataNode gce = child(root, "GraphicControlExtension");
        gce.setAttribute("disposalMethod", "none");
        gce.setAttribute("userInputFlag", "FALSE");
        gce.setAttribute("transparentColorFlag", "FALSE");
        gce.setAttribute("delayTime", Integer.toString(delayCentis));
        gce.setAttribute("transparentColorIndex", "0");
        if (first) {
            IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
            app.setAttribute("applicationID", "NETSCAPE");
            app.setAttribute("authenticationCode", "2.0");
            app.setUserObject(new byte[] {1, 0, 0}); // sub-block 1, loop count 0 = forever (little-endian)
            child(root, "ApplicationExtensions").appendChild(app);
        }
        meta.setFromTree(FORMAT, root);
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }

    /**
     * The frame as an image: indexed with an exact palette when it has at most 256 colours, else RGB
     * (which the GIF writer quantizes).
     */
    static BufferedImage toImage(Tensor frame) {
        Objects.requireNonNull(frame, "frame");
        long[] shape = frame.shape();
        if (shape.length == 4 && shape[0] == 1) {
            shape = Arrays.copyOfRange(shape, 1, 4);
        }
        if (frame.dtype() != DType.UINT8 || shape.length != 3 || (shape[2] != 3 && shape[2] != 4)
                || shape[0] < 1 || shape[1] < 1 || shape[0] > 65535 || shape[1] > 65535) {
            throw new IllegalArgumentException("a GIF frame must be a uint8 tensor of shape [H, W, 3] (an rgb_array "
                    + "render), got " + frame.dtype().numpyName() + " " + Arrays.toString(frame.shape())
                    + (frame.dtype() == DType.UINT8 ? "" : "; make the env with render_mode=rgb_array"));
        }
        int h = (int) shape[0];
        int w = (int) shape[1];
        int c = (int) shape[2];
        ByteBuffer data = frame.data();
        int[] rgb = new int[h * w];
        for (int i = 0, p = 0; i < rgb.length; i++, p += c) {
            rgb[i] = (data.get(p) & 0xff) << 16 | (data.get(p + 1) & 0xff) << 8 | (data.get(p + 2) & 0xff);
        }
        BufferedImage indexed = exactPalette(rgb, w, h);
        if (indexed != null) {
            return indexed;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, rgb, 0, w);
        return img;
    }

    /** An indexed image with one palette entry per distinct colour, or null when there are more than 256. */
    private static BufferedImage exactPalette(int[] rgb, int w, int h) {
        // Open addressing over 1024 slots (keys are 24-bit colours, -1 = empty): cheap for <= 256 colours.
        int[] keys = new int[1024];
        int[] idx = new int[1024];
        Arrays.fill(keys, -1);
        int[] palette = new int[256];
        int n = 0;
        byte[] pixels = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            int color = rgb[i];
            int slot = (color * 0x9E3779B1) >>> 22;
            while (keys[slot] != -1 && keys[slot] != color) {
                slot = (slot + 1) & 1023;
            }
            if (keys[slot] == -1) {
                if (n == 256) {
                    return null;
                }
                keys[slot] = color;
                idx[slot] = n;
                palette[n++] = color;
            }
            pixels[i] = (byte) idx[slot];
        }
        // A full 256-entry table: the JDK writer sizes the colour table from the pixel depth (8 bits), and a
        // shorter map makes it misread indices. 768 bytes per frame.
        int size = 256;
        byte[] r = new byte[size];
        byte[] g = new byte[size];
        byte[] b = new byte[size];
        for (int i = 0; i < n; i++) {
            r[i] = (byte) (palette[i] >> 16);
            g[i] = (byte) (palette[i] >> 8);
            b[i] = (byte) palette[i];
        }
        IndexColorModel cm = new IndexColorModel(8, size, r, g, b); // 8 bits: one byte per pixel in the raster
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, cm);
        WritableRaster raster = img.getRaster();
        raster.setDataElements(0, 0, w, h, pixels);
        return img;
    }

    private static void closeQuietly(ImageOutputStream out) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing more can be done for a stream that fails to close
            }
        }
    }
}
