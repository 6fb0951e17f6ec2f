package org.gymbridge.agents.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One vector step as agents see it: per env i, observation {@code observations[i]}, action
 * {@code actions[i]}, then reward, terminated/truncated and the next observation.
 *
 * <p>With Gymnasium's NEXT_STEP autoreset (the default) the step after an episode ends only resets that
 * env: its action is ignored and its reward is 0. Such steps are marked {@code valid[i] == false} and must
 * not be learned from. Because of that reset step, {@code nextObservations[i]} of a final step is the
 * true final observation, so truncated episodes can bootstrap from it.
 *
 * @param observations     [numEnvs, obsSize] float32
 * @param actions          the actions returned by {@link Agent#act}
 * @param rewards          reward per env
 * @param terminated       the episode reached a terminal state (no bootstrapping)
 * @param truncated        the episode was cut off (time limit): bootstrap from the next observation
 * @param nextObservations [numEnvs, obsSize] float32, the observations returned by this step
 * @param valid            false where this step was an autoreset step rather than a real transition
 */
public record Transition(INDArray observations, INDArray actions, double[] rewards, boolean[] terminated,
                         boolean[] truncated, INDArray nextObservations, boolean[] valid) {

    /** terminated or truncated. */
    public boolean done(int env) {
        return terminated[env] || truncated[env];
    }
}
