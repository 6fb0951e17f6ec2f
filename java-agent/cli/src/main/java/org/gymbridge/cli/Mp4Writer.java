package org.gymbridge.cli;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;

/**
 * An MP4 video written by {@code ffmpeg}: raw {@code uint8 [H, W, 3]} frames (rgb24; {@code [H, W, 4]} as rgba)
 * go to its standard input, it encodes them with its default MP4 codec (H.264 where it has libx264) in
 * yuv420p, which every player shows; odd frame sizes are padded by one pixel, which yuv420p needs.
 * The ffmpeg used is {@code -Dgymbridge.ffmpeg=PATH} if set, else the first {@code ffmpeg} on the PATH.
 */
final class Mp4Writer implements RecordCommand.Frames {
    private final String ffmpeg;
    private final Path out;
    private final double fps;
    private Process process;
    private OutputStream pipe;
    private Path log;
    private long[] shape;
    private int frames;

    Mp4Writer(String ffmpeg, Path out, double fps) {
        this.ffmpeg = ffmpeg;
        this.out = out;
        this.fps = fps;
    }

    /** The ffmpeg executable, or an IllegalArgumentException that names the fixes. */
    static String ffmpeg() {
        String configured = System.getProperty("gymbridge.ffmpeg");
        if (configured != null) {
            if (Files.isExecutable(Path.of(configured))) {
                return configured;
            }
            throw new IllegalArgumentException("-Dgymbridge.ffmpeg=" + configured + " is not an executable file;"
                    + " name ffmpeg's path there, or record a .gif (needs nothing)");
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "ffmpeg"))) {
                return Path.of(dir, "ffmpeg").toString();
            }
        }
        throw new IllegalArgumentException("writing .mp4 needs ffmpeg, which is not on the PATH: install it"
                + " (apt-get install ffmpeg, brew install ffmpeg, or https://ffmpeg.org/download.html) or"
                + " record a .gif instead (--out video.gif needs nothing)");
    }

    @Override
    public void add(Tensor frame) {
        if (frame.dtype() != DType.UINT8 || frame.rank() != 3 || frame.dim(2) != 3 && frame.dim(2) != 4) {
            throw new IllegalArgumentException("an MP4 frame must be uint8 [H, W, 3] or [H, W, 4], got "
                    + frame.dtype() + " " + java.util.Arrays.toString(frame.shape()));
        }
        try {
            if (process == null) {
                start(frame.shape());
            } else if (!java.util.Arrays.equals(shape, frame.shape())) {
                throw new IllegalArgumentException("MP4 frame " + frames + " is " + java.util.Arrays.toString(frame.shape())
                        + " but the first frame was " + java.util.Arrays.toString(shape) + "; all frames need one size");
            }
            pipe.write(frame.toByteArray());
            frames++;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("ffmpeg stopped taking frames for " + out + ": " + ffmpegSays(), e);
        }
    }

    private void start(long[] frameShape) throws IOException {
        shape = frameShape.clone();
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        log = Files.createTempFile("gymbridge-ffmpeg", ".log");
        process = new ProcessBuilder(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
                "-f", "rawvideo", "-pix_fmt", shape[2] == 4 ? "rgba" : "rgb24", "-s", shape[1] + "x" + shape[0],
                "-framerate", Double.toString(fps), "-i", "-",
                "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
                out.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(log.toFile())
                .start();
        pipe = new java.io.BufferedOutputStream(process.getOutputStream(), 1 << 20);
    }

    @Override
    public int count() {
        return frames;
    }

    @Override
    public void close() throws IOException {
        if (process == null) {
            throw new IllegalStateException("no frames to write to " + out);
        }
        try {
            pipe.close();
            int code = process.waitFor();
            if (code != 0) {
                throw new IOException("ffmpeg failed (exit " + code + ") writing " + out + ": " + ffmpegSays());
            }
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while ffmpeg finished " + out, e);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private String ffmpegSays() {
        try {
            String text = log == null ? "" : Files.readString(log).strip();
            return text.isEmpty() ? "(no message)" : text.lines().reduce((a, b) -> b).orElse(text);
        } catch (IOException e) {
            return "(its log is unreadable)";
        }
    }
}
