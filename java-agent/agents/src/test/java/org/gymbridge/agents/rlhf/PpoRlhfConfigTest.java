package org.gymbridge.agents.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.gymbridge.agents.train.Configs;
import org.junit.jupiter.api.Test;

class PpoRlhfConfigTest {

    @Test
    void theLabelScheduleAsksTheInitialLabelsFirstThenFewerPerStepAndSpendsTheBudgetByTheEnd() {
        PpoRlhfConfig c = PpoRlhfConfig.defaults();          // 500 labels, 50 initial, tau 50k, 300k steps
        long first = 2048;
        assertEquals(50, c.labelsAskedBy(first, first));
        int previous = 50;
        int previousGain = 500;
        for (long t = first + 20_480; t <= 300_000; t += 20_480) {
            int asked = c.labelsAskedBy(t, first);
            assertTrue(asked >= previous && asked <= 500, asked + " after " + previous);
            assertTrue(asked - previous <= previousGain + 1, "the rate decays: " + (asked - previous) + " after "
                    + previousGain);
            previousGain = asked - previous;
            previous = asked;
        }
        assertEquals(500, c.labelsAskedBy(300_000, first));
        assertEquals(500, c.labelsAskedBy(900_000, first), "never more than the budget");
    }

    @Test
    void unknownChoicesAreRefusedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Configs.bind(
                PpoRlhfConfig.defaults(), Map.of("query_selection", "entropy"), "test"));
        assertTrue(e.getMessage().contains("[disagreement, random]"), e.getMessage());
        PpoRlhfConfig human = Configs.bind(PpoRlhfConfig.defaults(), Map.of("labeler", "Human",
                "ppo", Map.of("num_steps", 64)), "test");
        assertEquals("human", human.labeler());
        assertEquals(64, human.ppoConfig().numSteps());
        assertEquals(human.totalSteps(), human.ppoConfig().totalSteps());
    }
}
