package org.gymbridge.client;

import java.util.List;
import java.util.Map;
import org.gymbridge.env.AutoresetMode;

/**
 * What the server said in the handshake: protocol version, its own and its libraries' versions
 * (python, gymnasium, numpy, mujoco ...), supported autoreset modes and limits (0 = unlimited), and the env
 * families whose envs can be snapshotted ("toy_text", "classic_control", "mujoco", "crafter"; empty: none).
 */
public record ServerInfo(int protocolVersion, int minProtocolVersion, String serverVersion,
                         Map<String, String> libraryVersions, List<AutoresetMode> autoresetModes,
                         long maxMessageBytes, int maxSessions, int maxEnvsPerSession,
                         List<String> snapshotFamilies, int maxSnapshotsPerSession) {

    public ServerInfo {
        libraryVersions = Map.copyOf(libraryVersions);
        autoresetModes = List.copyOf(autoresetModes);
        snapshotFamilies = List.copyOf(snapshotFamilies);
    }

    /** A server without snapshot support. */
    public ServerInfo(int protocolVersion, int minProtocolVersion, String serverVersion,
                      Map<String, String> libraryVersions, List<AutoresetMode> autoresetModes,
                      long maxMessageBytes, int maxSessions, int maxEnvsPerSession) {
        this(protocolVersion, minProtocolVersion, serverVersion, libraryVersions, autoresetModes, maxMessageBytes,
                maxSessions, maxEnvsPerSession, List.of(), 0);
    }
}
