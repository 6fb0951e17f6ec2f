package org.gymbridge.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of test classes that share one private server (started through the real {@code local:} launcher)
 * for all their tests; each class gets its own server, stopped after its last test.
 */
abstract class LocalServerFixture {
    protected static GymBridgeClient client;

    @BeforeAll
    static void startServer() {
        client = GymBridge.connect("local:");
    }

    @AfterAll
    static void stopServer() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
