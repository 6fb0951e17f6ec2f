package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.proto.v1.Capabilities;
import org.gymbridge.proto.v1.HandshakeResponse;
import org.junit.jupiter.api.Test;

/** A server whose protocol range excludes this client's is refused with a message saying what to do. */
class HandshakeTest {

    private static HandshakeResponse response(int version, int min) {
        return HandshakeResponse.newBuilder().setProtocolVersion(version).setMinProtocolVersion(min).setServerVersion("9.9")
                .putLibraryVersions("gymnasium", "1.4.0")
                .setCapabilities(Capabilities.newBuilder().setMaxMessageBytes(64 << 20)
                        .addAutoresetModes(org.gymbridge.proto.v1.AutoresetMode.AUTORESET_MODE_SAME_STEP))
                .build();
    }

    @Test
    void aCompatibleServerIsAccepted() {
        ServerInfo info = GymBridgeClient.serverInfo(response(2, 1), "h:1");
        assertEquals(2, info.protocolVersion());
        assertEquals("1.4.0", info.libraryVersions().get("gymnasium"));
        assertEquals(64 << 20, info.maxMessageBytes());
        assertEquals(java.util.List.of(AutoresetMode.SAME_STEP), info.autoresetModes());
    }

    @Test
    void anOlderServerIsRefusedClearly() {
        GymBridgeException e = assertThrows(GymBridgeException.class, () -> GymBridgeClient.serverInfo(response(0, 0), "h:1"));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
        assertEquals("PROTOCOL_MISMATCH", e.reason());
        assertTrue(e.getMessage().contains("protocol 1") && e.getMessage().contains("matching versions"), e.getMessage());
    }

    @Test
    void aNewerServerThatDroppedOurProtocolIsRefused() {
        GymBridgeException e = assertThrows(GymBridgeException.class, () -> GymBridgeClient.serverInfo(response(3, 2), "h:1"));
        assertTrue(e.getMessage().contains("2..3"), e.getMessage());
    }
}
