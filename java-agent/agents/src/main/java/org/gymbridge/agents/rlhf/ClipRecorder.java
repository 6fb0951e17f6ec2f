package org.gymbridge.agents.rlhf;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gymbridge.agents.core.ActionAdapter;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.core.ObservationAdapter;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.Snapshot;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Clips of a training's segments without rendering the training: a rendering copy of the first {@code clipEnvs}
 * training envs (a second session made from the training env's URL with {@code render_mode=rgb_array}, MuJoCo at
 * {@code width x height}), reset with the same seed and stepped with the same actions, never rendered while it
 * follows. Every step its observations are checked bit for bit against the training env's, so a clip shows the
 * very segment the labeler is asked about. Where a segment may start, the copy's env is snapshotted on the server;
 * only when a segment is asked about is it replayed from its snapshot with rendering ({@link #render}), and the
 * copy is put back where it stood. Rendering every step would cost ~10-50 ms per MuJoCo frame; this renders the
 * asked segments' frames and nothing else.
 *
 * <p>The copy's step is sent asynchronously when the training step is observed and collected at the next one, so
 * following costs one pipelined round trip per vector step. Not thread-safe; used by the training thread only.
 */
final class ClipRecorder implements AutoCloseable {

    /** What replaying a segment needs: the snapshot of its first state and its actions (as the agent emitted them). */
    private record Source(int env, Snapshot start, float[] actions) {
    }

    /**
     * Segments kept replayable at most (the oldest lose their snapshot first): the server holds at most
     * {@code --max-snapshots-per-session} (default 1,024) per session, and a rollout's open windows need some too.
     */
    static final int MAX_SOURCES = 512;

    private final VectorEnv copy;
    private final int clipEnvs;
    private final int numEnvs;
    private final int obsDim;
    private final ObservationAdapter observations;
    private final ActionAdapter actionAdapter;
    private CompletableFuture<StepResult> pending;
    private float[] expected;                       // the copy's observations as of the last collected step
    private long steps;
    private int actionWidth = -1;
    // This rollout: snapshots where a window starts, by (env, rollout step), and the copy's action rows per step.
    private final Map<Long, Snapshot> windowStarts = new HashMap<>();
    private final List<float[]> rolloutActions = new ArrayList<>();
    // Segments that can be replayed, by segment id (the pool's; released when they leave it).
    private final Map<String, Source> sources = new LinkedHashMap<>();

    private ClipRecorder(VectorEnv copy, int clipEnvs, int numEnvs, long seed) {
        this.copy = copy;
        this.clipEnvs = clipEnvs;
        this.numEnvs = numEnvs;
        this.observations = ObservationAdapter.forSpace(copy.singleObservationSpace());
        this.actionAdapter = ActionAdapter.forSpace(copy.singleActionSpace());
        this.obsDim = observations.size();
        this.expected = features(copy.reset(seed).observations());
    }

    /**
     * The copy of the first {@code clipEnvs} of {@code numEnvs} training envs made from {@code envUrl}, reset with
     * {@code seed} (env i with seed + i, as the trainer resets the training env). Null, with a line on {@code out}
     * saying why, when the env cannot give clips (no rgb_array rendering, or no snapshots).
     */
    static ClipRecorder open(String envUrl, int numEnvs, int clipEnvs, int width, int height, long seed,
                             PrintStream out) {
        int k = Math.min(clipEnvs, numEnvs);
        String url = withQuery(envUrl, Map.of("num_envs", String.valueOf(k), "render_mode", "rgb_array",
                "vectorization", "sync"), List.of("num_workers", "placement"));
        VectorEnv copy = GymBridge.makeVec(url);
        try {
            var spec = copy.spec();
            if (spec == null || !spec.renderModes().contains("rgb_array")) {
                out.println("ppo-rlhf clips: off, " + envUrl + " does not render rgb_array");
                copy.close();
                return null;
            }
            if (spec.entryPoint() != null && spec.entryPoint().contains(".mujoco.")) {
                // MuJoCo renders at the size it was made with: make the copy again at the clip size.
                copy.close();
                copy = GymBridge.makeVec(withQuery(url, Map.of("width", String.valueOf(width), "height",
                        String.valueOf(height)), List.of()));
            }
            ClipRecorder recorder = new ClipRecorder(copy, k, numEnvs, seed);
            recorder.copy.snapshot(0).close();           // fails now, clearly, for envs the server cannot copy
            return recorder;
        } catch (org.gymbridge.client.SnapshotUnsupportedException e) {
            out.println("ppo-rlhf clips: off, the server cannot snapshot " + envUrl + ": " + e.getMessage());
            copy.close();
            return null;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /**
     * Brings the copy to where a resumed training env stands: steps it through the first {@code vectorSteps} rows of
     * the run's action log ({@code RUN/checkpoint/actions.bin}, the trainer's own resume replays it the same way:
     * float32 little-endian, {@code numEnvs x width} per vector step), pipelined. The next {@link #follow} checks
     * the result against the training env.
     */
    void catchUp(java.nio.file.Path actionLog, long vectorSteps) throws java.io.IOException {
        actionWidth = actionAdapter.isDiscrete() ? 1 : actionAdapter.size();
        long need = vectorSteps * 4L * numEnvs * actionWidth;
        if (java.nio.file.Files.size(actionLog) < need) {
            throw new java.io.IOException(actionLog + " is shorter than the " + vectorSteps + " vector steps the clip"
                    + " copy must replay (" + java.nio.file.Files.size(actionLog) + " < " + need + " bytes)");
        }
        java.util.ArrayDeque<CompletableFuture<StepResult>> inFlight = new java.util.ArrayDeque<>();
        StepResult last = null;
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
                java.nio.file.Files.newInputStream(actionLog)))) {
            byte[] row = new byte[4 * numEnvs * actionWidth];
            for (long t = 0; t < vectorSteps; t++) {
                in.readFully(row);
                float[] all = new float[numEnvs * actionWidth];
                java.nio.ByteBuffer.wrap(row).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(all);
                float[] mine = Arrays.copyOf(all, clipEnvs * actionWidth);
                inFlight.addLast(copy.stepAsync(actionAdapter.toValue(HostArrays.toArray(mine, clipEnvs,
                        actionWidth))));
                if (inFlight.size() >= 32) {
                    last = inFlight.removeFirst().join();
                }
            }
        }
        while (!inFlight.isEmpty()) {
            last = inFlight.removeFirst().join();
        }
        if (last != null) {
            expected = features(last.observations());
        }
        steps = vectorSteps;
    }

    /** Playback speed of the clips: the env's render_fps (30 when it has none). */
    double fps() {
        double fps = copy.spec() != null ? copy.spec().renderFps() : 0;
        return fps > 0 && Double.isFinite(fps) ? fps : 30;
    }

    /** Envs 0 .. clipEnvs-1 of the training env have clips. */
    int clipEnvs() {
        return clipEnvs;
    }

    /**
     * Follows one training vector step, before the copy takes it: checks that the copy stands where the training env
     * stood ({@code observations}, the rows the actions were taken in), snapshots the envs {@code startsWindow} marks
     * (a segment may start at this state, rollout step {@code t}) and sends the copy the same actions.
     */
    void follow(INDArray observations, INDArray actions, boolean[] startsWindow, int t) {
        collect();
        float[] training = HostArrays.toFloats(observations);
        for (int i = 0; i < clipEnvs; i++) {
            if (!Arrays.equals(training, i * obsDim, (i + 1) * obsDim, expected, i * obsDim, (i + 1) * obsDim)) {
                throw new IllegalStateException("the clip copy of training env " + i + " (" + copy + ") no longer"
                        + " stands where the training env stands at vector step " + steps + ": its observation differs,"
                        + " so its clips would show something else. Clips need an env that is deterministic under a"
                        + " seeded reset and the same actions; set clips: off to train without clips");
            }
            if (startsWindow[i]) {
                Snapshot old = windowStarts.put(key(i, t), copy.snapshot(i));
                if (old != null) {
                    old.close();
                }
            }
        }
        float[] all = HostArrays.toFloats(actions);
        actionWidth = all.length / numEnvs;
        float[] mine = Arrays.copyOf(all, clipEnvs * actionWidth);
        rolloutActions.add(mine);
        pending = copy.stepAsync(actionAdapter.toValue(HostArrays.toArray(mine, clipEnvs, actionWidth)));
        steps++;
    }

    /**
     * The segment {@code id} of env {@code env} covers rollout steps {@code start .. start+length-1}: keep what its
     * replay needs. Call before {@link #endRollout}.
     */
    void attach(String id, int env, int start, int length) {
        Snapshot s = windowStarts.remove(key(env, start));
        if (s == null) {
            return;                                      // the copy did not follow this rollout (resumed run)
        }
        float[] rows = new float[length * actionWidth];
        for (int k = 0; k < length; k++) {
            System.arraycopy(rolloutActions.get(start + k), env * actionWidth, rows, k * actionWidth, actionWidth);
        }
        sources.put(id, new Source(env, s, rows));
        if (sources.size() > MAX_SOURCES) {
            forget(sources.keySet().iterator().next());
        }
    }

    /** The rollout's windows that became no segment are dropped (their snapshots released). */
    void endRollout() {
        windowStarts.values().forEach(Snapshot::close);
        windowStarts.clear();
        rolloutActions.clear();
    }

    /** Whether segment {@code id} can be rendered. */
    boolean has(String id) {
        return sources.containsKey(id);
    }

    /** Segment {@code id} left the pool: it will not be asked about, its snapshot is released. */
    void forget(String id) {
        Source s = sources.remove(id);
        if (s != null) {
            s.start().close();
        }
    }

    /**
     * Frames of the segments (each {@link #has}), one {@code uint8 [H, W, 3]} per step, the picture of the state the
     * step's action was taken in: each is replayed from its snapshot with rendering, up to one segment per env of
     * the copy at a time, and checked against its recorded observations; then the copy is put back.
     */
    Map<String, List<Tensor>> render(List<Segment> segments) {
        collect();
        List<List<Segment>> byEnv = new ArrayList<>();
        for (int i = 0; i < clipEnvs; i++) {
            byEnv.add(new ArrayList<>());
        }
        for (Segment s : segments) {
            Source src = sources.get(s.id());
            if (src == null) {
                throw new IllegalArgumentException("segment " + s.id() + " has no clip source (not followed, or"
                        + " left the pool)");
            }
            if (!byEnv.get(src.env()).contains(s)) {
                byEnv.get(src.env()).add(s);
            }
        }
        Map<String, List<Tensor>> frames = new LinkedHashMap<>();
        Snapshot[] here = new Snapshot[clipEnvs];
        for (int i = 0; i < clipEnvs; i++) {
            here[i] = copy.snapshot(i);
        }
        try {
            for (int round = 0; ; round++) {
                Segment[] active = new Segment[clipEnvs];
                int length = 0;
                for (int i = 0; i < clipEnvs; i++) {
                    if (round < byEnv.get(i).size()) {
                        active[i] = byEnv.get(i).get(round);
                        length = Math.max(length, active[i].length());
                        copy.restore(i, sources.get(active[i].id()).start());
                        frames.put(active[i].id(), new ArrayList<>());
                    }
                }
                if (length == 0) {
                    break;
                }
                replay(active, length, frames);
            }
        } finally {
            for (int i = 0; i < clipEnvs; i++) {
                copy.restore(i, here[i]);
                here[i].close();
            }
        }
        return frames;
    }

    private void replay(Segment[] active, int length, Map<String, List<Tensor>> frames) {
        float[] filler = null;                           // envs with nothing to replay take any valid action
        for (Segment s : active) {
            if (s != null) {
                filler = Arrays.copyOf(sources.get(s.id()).actions(), actionWidth);
            }
        }
        for (int k = 0; k < length; k++) {
            Tensor picture = copy.render().asTensor();
            float[] rows = new float[clipEnvs * actionWidth];
            for (int i = 0; i < clipEnvs; i++) {
                Segment s = active[i];
                boolean live = s != null && k < s.length();
                if (live) {
                    frames.get(s.id()).add(picture.get(i));
                    System.arraycopy(sources.get(s.id()).actions(), k * actionWidth, rows, i * actionWidth,
                            actionWidth);
                } else {
                    System.arraycopy(filler, 0, rows, i * actionWidth, actionWidth);
                }
            }
            StepResult r = copy.step(actionAdapter.toValue(HostArrays.toArray(rows, clipEnvs, actionWidth)));
            float[] obs = features(r.observations());
            for (int i = 0; i < clipEnvs; i++) {
                Segment s = active[i];
                if (s != null && k + 1 < s.length() && !Arrays.equals(obs, i * obsDim, (i + 1) * obsDim,
                        s.observations(), (k + 1) * obsDim, (k + 2) * obsDim)) {
                    throw new IllegalStateException("replaying segment " + s.id() + " from its snapshot did not give"
                            + " its recorded observation at step " + (k + 1) + ": the env does not replay"
                            + " deterministically; set clips: off to train without clips");
                }
            }
        }
    }

    /** Waits for the copy's last step and keeps its observations for the next check. */
    private void collect() {
        if (pending != null) {
            expected = features(pending.join().observations());
            pending = null;
        }
    }

    private float[] features(org.gymbridge.tensor.Value obs) {
        return HostArrays.toFloats(observations.toBatch(obs));
    }

    private static long key(int env, int t) {
        return (long) t << 16 | env;
    }

    /** Releases every snapshot and closes the copy (and a local server it started). */
    @Override
    public void close() {
        try {
            collect();
        } catch (RuntimeException ignored) {
            // closing anyway
        }
        copy.close();
    }

    /** {@code url} with the query keys {@code set} set (replacing their values) and the keys {@code drop} removed. */
    static String withQuery(String url, Map<String, String> set, List<String> drop) {
        int q = url.indexOf('?');
        String base = q < 0 ? url : url.substring(0, q);
        Map<String, String> params = new LinkedHashMap<>();
        if (q >= 0) {
            for (String kv : url.substring(q + 1).split("&")) {
                if (kv.isEmpty()) {
                    continue;
                }
                Matcher m = KEY_VALUE.matcher(kv);
                if (m.matches()) {
                    params.put(m.group(1), m.group(2));
                } else {
                    params.put(kv, null);
                }
            }
        }
        drop.forEach(params::remove);
        params.putAll(new java.util.TreeMap<>(set));
        StringBuilder b = new StringBuilder(base);
        char sep = '?';
        for (Map.Entry<String, String> e : params.entrySet()) {
            b.append(sep).append(e.getKey());
            if (e.getValue() != null) {
                b.append('=').append(e.getValue());
            }
            sep = '&';
        }
        return b.toString();
    }

    private static final Pattern KEY_VALUE = Pattern.compile("([^=]*)=(.*)");
}
