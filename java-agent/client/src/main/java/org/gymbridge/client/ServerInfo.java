package org.gymbridge.client;

import java.util.List;
import java.util.Map;
import org.gymbridge.env.AutoresetMode;

/**
 * What the server said in the handshake: protocol version, its own and its libraries' versions
 * (python, gymnasium, numpy, mujoco ...), supported autoreset modes and limits (0 = unlimited).
 */
public record ServerInfo(int protocolVersion, int minProtocolVersion, String serverVersion,
                         Map<String, String> libraryVersions, List<AutoresetMode> autoresetModes,
                         long maxMessageBytes, int maxSessions, int maxEnvsPerSession) {

    public ServerInfo {
        libraryVersions = Map.copyOf(libraryVersions);
        autoresetModes = List.copyOf(autoresetModes);
    }
}
