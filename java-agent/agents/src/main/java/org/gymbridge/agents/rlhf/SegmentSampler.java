package org.gymbridge.agents.rlhf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.StepResult;
import org.gymbridge.tensor.Tensor;

/**
 * Cuts fixed-length {@link Segment}s out of the stream of vector-env steps, as training runs: call
 * {@link #record} once per vector step with what the policy saw and did, and collect the segments that
 * completed in that step.
 *
 * <p>Each env's stream is cut into consecutive windows of {@code length} steps, {@code gap} steps apart;
 * a window that an episode end interrupts is dropped, so every segment lies inside one episode (clips a
 * person compares should not jump). With {@link AutoresetMode#NEXT_STEP} the step after an episode end only
 * resets the env (its action is ignored, its reward is 0) and is skipped. Frames are optional: pass the
 * env's {@code render()} taken <em>before</em> the step (the picture of the state the action was taken in),
 * or null to record no clips. Not thread-safe.
 */
public final class SegmentSampler {

    /** A finished segment and its frames (one {@code uint8 [H, W, 3]} per step, empty without rendering). */
    public record Cut(Segment segment, List<Tensor> frames) {
    }

    /** Segment lengths the sampler accepts (the paper uses 1-2 s of motion: 25-50 steps). */
    public static final int MIN_LENGTH = 2;
    public static final int MAX_LENGTH = 1000;

    private final int numEnvs;
    private final int obsDim;
    private final int actDim;
    private final int length;
    private final int gap;
    private final AutoresetMode autoresetMode;
    private final Supplier<String> ids;

    private final float[][] obs;
    private final float[][] act;
    private final double[][] rew;
    private final List<List<Tensor>> frames;
    private final int[] filled;
    private final int[] skip;
    private final long[] start;
    private final boolean[] resetPending;
    private long step;

    /**
     * A sampler for {@code numEnvs} envs with observation and action features of the given sizes.
     *
     * @param ids names new segments ({@link SegmentStore#newId()})
     */
    public SegmentSampler(int numEnvs, int obsDim, int actDim, int length, int gap, AutoresetMode autoresetMode,
                          Supplier<String> ids) {
        if (length < MIN_LENGTH || length > MAX_LENGTH) {
            throw new IllegalArgumentException("segment length " + length + " is outside " + MIN_LENGTH + ".."
                    + MAX_LENGTH);
        }
        if (gap < 0) {
            throw new IllegalArgumentException("gap between segments must be >= 0, got " + gap);
        }
        this.numEnvs = numEnvs;
        this.obsDim = obsDim;
        this.actDim = actDim;
        this.length = length;
        this.gap = gap;
        this.autoresetMode = autoresetMode;
        this.ids = ids;
        this.obs = new float[numEnvs][length * obsDim];
        this.act = new float[numEnvs][length * actDim];
        this.rew = new double[numEnvs][length];
        this.frames = new ArrayList<>();
        for (int i = 0; i < numEnvs; i++) {
            frames.add(new ArrayList<>());
        }
        this.filled = new int[numEnvs];
        this.skip = new int[numEnvs];
        this.start = new long[numEnvs];
        this.resetPending = new boolean[numEnvs];
    }

    public int length() {
        return length;
    }

    /**
     * Records one vector step.
     *
     * @param observations the observations the actions were taken in, {@code numEnvs * obsDim} floats
     * @param actions      the actions as features, {@code numEnvs * actDim} floats
     * @param result       what the step returned (rewards and episode ends are read)
     * @param render       {@code uint8 [numEnvs, H, W, 3]} frames of the states before the step, or null
     * @return the segments completed in this step, in env order
     */
    public List<Cut> record(float[] observations, float[] actions, StepResult result, Tensor render) {
        if (observations.length != numEnvs * obsDim || actions.length != numEnvs * actDim
                || result.numEnvs() != numEnvs) {
            throw new IllegalArgumentException("step batch does not match the sampler: " + observations.length
                    + " observation values, " + actions.length + " action values, " + result.numEnvs()
                    + " envs; expected " + numEnvs + " envs of " + obsDim + " + " + actDim + " features");
        }
        List<Cut> done = new ArrayList<>();
        for (int i = 0; i < numEnvs; i++) {
            if (resetPending[i]) {
                resetPending[i] = false; // this step only reset env i
                continue;
            }
            if (skip[i] > 0) {
                skip[i]--;
            } else {
                int t = filled[i];
                if (t == 0) {
                    start[i] = step;
                }
                System.arraycopy(observations, i * obsDim, obs[i], t * obsDim, obsDim);
                System.arraycopy(actions, i * actDim, act[i], t * actDim, actDim);
                rew[i][t] = result.rewards()[i];
                if (render != null) {
                    frames.get(i).add(render.get(i));
                }
                filled[i] = t + 1;
                if (filled[i] == length) {
                    Segment s = new Segment(ids.get(), i, start[i], obsDim, actDim, obs[i].clone(), act[i].clone(),
                            rew[i].clone());
                    done.add(new Cut(s, List.copyOf(frames.get(i))));
                    clear(i);
                    skip[i] = gap;
                }
            }
            if (result.done(i)) {
                clear(i); // a window never spans two episodes
                skip[i] = 0;
                resetPending[i] = autoresetMode == AutoresetMode.NEXT_STEP;
            }
        }
        step++;
        return done;
    }

    private void clear(int i) {
        filled[i] = 0;
        frames.get(i).clear();
        Arrays.fill(rew[i], 0);
    }
}
