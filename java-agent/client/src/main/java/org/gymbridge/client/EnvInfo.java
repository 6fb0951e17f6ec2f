package org.gymbridge.client;

import java.util.List;
import org.gymbridge.spaces.Space;

/**
 * One env id the server can make, as {@link GymBridgeClient#listEnvs} reports it: its entry point and
 * registered time limit (0: none). Listed with spaces, it also carries the observation and action
 * spaces of one env and its render modes, or — when the server cannot make it (a missing package) —
 * the reason in {@code unavailable} and null spaces. Listed without spaces, the spaces are null, the
 * render modes empty and {@code unavailable} "". Either way {@code snapshots} says whether
 * {@link org.gymbridge.env.VectorEnv#snapshot} works for it, and {@code snapshotUnsupported} why not.
 */
public record EnvInfo(String envId, String entryPoint, int maxEpisodeSteps, Space observationSpace,
                      Space actionSpace, List<String> renderModes, String unavailable, boolean snapshots,
                      String snapshotUnsupported) {

    public EnvInfo {
        renderModes = renderModes == null ? List.of() : List.copyOf(renderModes);
        unavailable = unavailable == null ? "" : unavailable;
        snapshotUnsupported = snapshotUnsupported == null ? "" : snapshotUnsupported;
    }

    /** An id as a server without snapshot support lists it. */
    public EnvInfo(String envId, String entryPoint, int maxEpisodeSteps, Space observationSpace,
                   Space actionSpace, List<String> renderModes, String unavailable) {
        this(envId, entryPoint, maxEpisodeSteps, observationSpace, actionSpace, renderModes, unavailable, false, "");
    }

    /** An id listed without spaces. */
    public EnvInfo(String envId, String entryPoint, int maxEpisodeSteps) {
        this(envId, entryPoint, maxEpisodeSteps, null, null, List.of(), "");
    }

    /** Whether the server can make this env (no {@code unavailable} reason). */
    public boolean available() {
        return unavailable.isEmpty();
    }

    /** Whether the listing included this env's spaces. */
    public boolean hasSpaces() {
        return observationSpace != null && actionSpace != null;
    }
}
