package org.gymbridge.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link FidelityTest} over the gRPC Session stream: same-host clients normally take the fast lane, so
 * this runs every fidelity case again with the lane turned off (the property is read when a session
 * stream opens, i.e. inside each test).
 */
class FidelityOverGrpcTest extends FidelityTest {
    @BeforeAll
    static void useGrpc() {
        System.setProperty(FastLane.PROPERTY, "false");
    }

    @AfterAll
    static void restore() {
        System.clearProperty(FastLane.PROPERTY);
    }
}
