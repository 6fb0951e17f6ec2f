package org.gymbridge.env;

import java.util.List;
import java.util.Map;

/**
 * Spec metadata of an env (gymnasium.EnvSpec plus env.metadata): its id, time limit, reward range,
 * render modes and the kwargs it was made with. {@code maxEpisodeSteps} is 0 when there is no limit;
 * {@code kwargs} values are Boolean, Long, Double, String, List, Map or null (JSON-like).
 */
public record EnvSpec(String envId, int maxEpisodeSteps, double rewardMin, double rewardMax,
                      List<String> renderModes, double renderFps, String renderMode, boolean nondeterministic,
                      String entryPoint, Map<String, Object> kwargs) {

    public EnvSpec {
        renderModes = List.copyOf(renderModes);
        kwargs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(kwargs));
    }
}
