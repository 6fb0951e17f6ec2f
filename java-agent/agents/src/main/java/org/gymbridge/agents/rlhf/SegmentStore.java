package org.gymbridge.agents.rlhf;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;

/**
 * The segments of a run, on disk under {@code RUN/rlhf/segments/}: per segment {@code s-000042.json} (the
 * {@link Segment} and its clip's layout) and, when it was rendered, {@code s-000042.png}, a clip as one
 * image: the frames in a grid, row by row, {@code columns} per row, each scaled to at most
 * {@value #MAX_FRAME_SIDE} px. One image per clip loads in one request and lets the labeling page draw both
 * clips from one timer, so they play at the same speed and in step.
 *
 * <p>Files are written to a temporary name, forced to disk and renamed, the JSON last: a segment whose JSON
 * exists is complete, after a crash too. One process (the training) writes; any number read.
 */
public final class SegmentStore {

    /** Frames are scaled down to at most this many pixels on their longer side. */
    public static final int MAX_FRAME_SIDE = 240;
    /** Frames per grid row in a clip image. */
    static final int COLUMNS = 8;

    /** How a clip image is laid out; null in {@link Stored} when the segment has no frames. */
    public record Clip(String file, int frames, int frameWidth, int frameHeight, int columns, double fps) {
    }

    /** A segment as stored: the data and its clip. */
    public record Stored(Segment segment, Clip clip) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("s-(\\d{6,})");

    private final Path dir;
    private final AtomicInteger lastId;

    private SegmentStore(Path dir, int lastId) {
        this.dir = dir;
        this.lastId = new AtomicInteger(lastId);
    }

    /** The store of the run folder {@code runDir} (created if missing); new ids continue after the stored ones. */
    public static SegmentStore open(Path runDir) {
        Path dir = runDir.resolve("rlhf").resolve("segments");
        try {
            Files.createDirectories(dir);
            int last = 0;
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Matcher m = ID.matcher(p.getFileName().toString());
                    if (m.lookingAt()) {
                        last = Math.max(last, Integer.parseInt(m.group(1)));
                    }
                }
            }
            return new SegmentStore(dir, last);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the segment store " + dir, e);
        }
    }

    public Path directory() {
        return dir;
    }

    /** A fresh segment id, {@code s-} and six or more digits. */
    public String newId() {
        return String.format("s-%06d", lastId.incrementAndGet());
    }

    /** Whether {@code id} has the shape of a segment id (no path tricks through the web page). */
    public static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** Stores a cut from the {@link SegmentSampler}; {@code fps} is the clip's playback speed (the env's render_fps). */
    public Stored save(SegmentSampler.Cut cut, double fps) {
        return save(cut.segment(), cut.frames(), fps);
    }

    /** Stores a segment and its frames (may be empty: no clip). */
    public Stored save(Segment segment, List<Tensor> frames, double fps) {
        Clip clip = null;
        try {
            if (!frames.isEmpty()) {
                clip = writeClip(segment.id(), frames, fps > 0 && Double.isFinite(fps) ? fps : 30);
            }
            Stored stored = new Stored(segment, clip);
            byte[] json = JSON.writeValueAsBytes(stored);
            writeAtomically(dir.resolve(segment.id() + ".json"), out -> out.write(json));
            return stored;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store segment " + segment.id() + " in " + dir, e);
        }
    }

    /** The stored segment {@code id}, or empty if there is none. */
    public Optional<Stored> load(String id) {
        if (!isId(id)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(dir.resolve(id + ".json").toFile(), Stored.class));
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read segment " + id + " from " + dir, e);
        }
    }

    /** The ids of the complete segments, in id order. */
    public List<String> ids() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json") && isId(n.substring(0, n.length() - 5)))
                    .map(n -> n.substring(0, n.length() - 5))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The clip image of segment {@code id}, or empty. */
    public Optional<Path> clipImage(String id) {
        Path p = dir.resolve(id + ".png");
        return isId(id) && Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    private Clip writeClip(String id, List<Tensor> frames, double fps) throws IOException {
        Tensor first = frames.get(0);
        if (first.dtype() != DType.UINT8 || first.rank() != 3 || first.dim(2) != 3) {
            throw new IllegalArgumentException("a clip frame must be uint8 [H, W, 3] (render_mode=rgb_array), got "
                    + first);
        }
        int h = (int) first.dim(0);
        int w = (int) first.dim(1);
        double scale = Math.min(1.0, (double) MAX_FRAME_SIDE / Math.max(w, h));
        int fw = Math.max(1, (int) Math.round(w * scale));
        int fh = Math.max(1, (int) Math.round(h * scale));
        int columns = Math.min(COLUMNS, frames.size());
        int rows = (frames.size() + columns - 1) / columns;
        BufferedImage grid = new BufferedImage(columns * fw, rows * fh, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        for (int k = 0; k < frames.size(); k++) {
            Tensor f = frames.get(k);
            if (f.dim(0) != h || f.dim(1) != w) {
                throw new IllegalArgumentException("frame " + k + " of segment " + id + " is " + f
                        + " but the first frame is [" + h + ", " + w + ", 3]");
            }
            g.drawImage(toImage(f, w, h), (k % columns) * fw, (k / columns) * fh, fw, fh, null);
        }
        g.dispose();
        String file = id + ".png";
        writeAtomically(dir.resolve(file), out -> ImageIO.write(grid, "png", out));
        return new Clip(file, frames.size(), fw, fh, columns, fps);
    }

    private static BufferedImage toImage(Tensor frame, int w, int h) {
        ByteBuffer data = frame.data();
        int[] rgb = new int[w * h];
        for (int p = 0; p < rgb.length; p++) {
            int base = p * 3;
            rgb[p] = (data.get(base) & 0xff) << 16 | (data.get(base + 1) & 0xff) << 8 | (data.get(base + 2) & 0xff);
        }
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, w, h, rgb, 0, w);
        return image;
    }

    private interface Writing {
        void write(OutputStream out) throws IOException;
    }

    private static void writeAtomically(Path target, Writing writing) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            writing.write(out);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
