package org.gymbridge.agents.rlhf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;

/**
 * Fills a run folder with segments of a random policy and random pairs of them to label: a way to try the
 * label page (and to test it) before any training has run. With an env made with
 * {@code render_mode=rgb_array} every segment gets a clip. The same seed gives the same segments and pairs.
 */
public final class RandomSegments {
    private RandomSegments() {
    }

    /**
     * Steps {@code env} with uniformly random actions until {@code count} segments of {@code length} steps
     * are stored in {@code runDir}, then adds {@code pairs} random pairs of them to its queries.
     *
     * @return the stored segments
     */
    public static List<SegmentStore.Stored> record(VectorEnv env, Path runDir, int count, int length, int pairs,
                                                   long seed) {
        SegmentStore store = SegmentStore.open(runDir);
        Features obsFeatures = new Features(env.singleObservationSpace());
        Features actFeatures = new Features(env.singleActionSpace());
        SegmentSampler sampler = new SegmentSampler(env.numEnvs(), obsFeatures.size(), actFeatures.size(), length, 0,
                env.autoresetMode(), store::newId);
        boolean rendering = "rgb_array".equals(env.spec().renderMode());
        Random rng = new Random(seed);
        List<SegmentStore.Stored> stored = new ArrayList<>();
        float[] obs = obsFeatures.rows(env.reset(seed).observations());
        while (stored.size() < count) {
            Tensor frames = rendering ? env.render().asTensor() : null;
            Value actions = env.actionSpace().sample(rng);
            StepResult result = env.step(actions);
            for (SegmentSampler.Cut cut : sampler.record(obs, actFeatures.rows(actions), result, frames)) {
                if (stored.size() < count) {
                    stored.add(store.save(cut, env.spec().renderFps()));
                }
            }
            obs = obsFeatures.rows(result.observations());
        }
        QueryLog queries = QueryLog.open(runDir);
        for (int p = 0; p < pairs && stored.size() > 1; p++) {
            int a = rng.nextInt(stored.size());
            int b = (a + 1 + rng.nextInt(stored.size() - 1)) % stored.size();
            queries.add(stored.get(a).segment().id(), stored.get(b).segment().id());
        }
        return stored;
    }
}
