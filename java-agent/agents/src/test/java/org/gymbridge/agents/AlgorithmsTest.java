package org.gymbridge.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AlgorithmsTest {

    @Test
    void namesAreFoundInAnyCaseWithUnderscores() {
        assertEquals("ppo", Algorithms.get("PPO").name());
    }

    @Test
    void anUnknownNameSuggestsTheClosestAndListsAll() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Algorithms.get("ppp"));
        assertTrue(e.getMessage().contains("did you mean ppo?"), e.getMessage());
        assertTrue(e.getMessage().contains("Known algorithms: ppo"), e.getMessage());
    }

    @Test
    void everyAlgorithmHasAConfigRecordWithDefaults() {
        for (var a : Algorithms.all()) {
            assertTrue(a.config().isRecord(), a.name());
            assertEquals(a.config(), a.defaults().getClass(), a.name());
        }
    }
}
