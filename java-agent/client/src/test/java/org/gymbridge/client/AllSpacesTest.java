package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.gymbridge.env.Env;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.DictSpace;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.MultiBinary;
import org.gymbridge.spaces.MultiDiscrete;
import org.gymbridge.spaces.Space;
import org.gymbridge.spaces.TextSpace;
import org.gymbridge.spaces.TupleSpace;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.DType;
import org.junit.jupiter.api.Test;

/**
 * Every space kind crosses the bridge both ways, with gymbridge/AllSpaces-v0 (an env whose action and
 * observation spaces are one Dict covering Box (±inf, float64, uint8), Discrete with start,
 * MultiDiscrete with start, MultiBinary, Tuple, nested Dict and Text; it echoes the action as the
 * next observation).
 */
class AllSpacesTest extends LocalServerFixture {
    private static final String ENV = "gymbridge/AllSpaces-v0";
    @Test
    void pythonSpacesArriveExactlyInJava() throws Exception {
        try (VectorEnv env = client.makeVec(ENV, MakeOptions.builder().numEnvs(2).build())) {
            List<String> python = TestPython.run("describe_spaces.py", List.of(ENV, "2"));
            List<String> java = List.of(
                    SpaceDescription.describe(env.singleObservationSpace()),
                    SpaceDescription.describe(env.singleActionSpace()),
                    SpaceDescription.describe(env.observationSpace()),
                    SpaceDescription.describe(env.actionSpace()));
            assertEquals(python, java);
        }
    }

    @Test
    void theTestEnvCoversEverySpaceKind() {
        try (VectorEnv env = client.makeVec(ENV, MakeOptions.defaults())) {
            List<Space> leaves = new ArrayList<>();
            collect(env.singleActionSpace(), leaves);
            assertTrue(leaves.stream().anyMatch(s -> s instanceof Box b && b.dtype() == DType.FLOAT32
                    && !b.boundedBelow()[0] && !b.boundedAbove()[0]), "a float32 Box with ±inf bounds");
            assertTrue(leaves.stream().anyMatch(s -> s instanceof Box b && b.dtype() == DType.FLOAT64), "a float64 Box");
            assertTrue(leaves.stream().anyMatch(s -> s instanceof Box b && b.dtype() == DType.UINT8), "a uint8 Box");
            assertTrue(leaves.stream().anyMatch(s -> s instanceof Discrete d && d.start() == -2 && d.n() == 5), "Discrete(5, start=-2)");
            assertTrue(leaves.stream().anyMatch(s -> s instanceof MultiDiscrete m
                    && java.util.Arrays.stream(m.start().toLongArray()).anyMatch(x -> x != 0)), "MultiDiscrete with a start");
            assertTrue(leaves.stream().anyMatch(s -> s instanceof MultiBinary), "MultiBinary");
            assertTrue(leaves.stream().anyMatch(s -> s instanceof TupleSpace), "Tuple");
            assertTrue(leaves.stream().skip(1).anyMatch(s -> s instanceof DictSpace), "a nested Dict");
            assertTrue(leaves.stream().anyMatch(s -> s instanceof TextSpace t && t.maxLength() == 8), "Text(max_length=8)");
        }
    }

    @Test
    void javaSamplesAreValidActionsAndComeBackBitForBit() {
        try (VectorEnv env = client.makeVec(ENV, MakeOptions.builder().numEnvs(3).seed(4).build())) {
            SplittableRandom rng = new SplittableRandom(99);
            ResetResult reset = env.reset(4);
            assertTrue(env.observationSpace().contains(reset.observations()), "reset observation lies in the Java space");
            for (int t = 0; t < 4; t++) {
                Value action = env.actionSpace().sample(rng);
                assertTrue(env.actionSpace().contains(action));
                StepResult r = env.step(action); // the server checks action_space.contains: INVALID_ARGUMENT otherwise
                assertTrue(env.observationSpace().contains(r.observations()), "step observation lies in the Java space");
                assertEquals(action, r.observations(), "AllSpaces echoes the action: every leaf survived both ways");
                assertEquals(1.0, r.rewards()[0]);
                assertFalse(r.done(0));
            }
        }
    }

    @Test
    void singleEnvValuesRoundTripUnbatched() {
        try (Env env = client.make(ENV, MakeOptions.defaults())) {
            SplittableRandom rng = new SplittableRandom(5);
            Env.EnvResetResult reset = env.reset(0);
            assertTrue(env.observationSpace().contains(reset.observation()));
            int steps = 0;
            Env.EnvStepResult r;
            do {
                Value action = env.actionSpace().sample(rng);
                r = env.step(action);
                steps++;
                assertEquals(action, r.observation());
                assertTrue(env.observationSpace().contains(r.observation()));
            } while (!r.done());
            assertEquals(5, steps, "AllSpaces terminates after 5 steps");
            assertTrue(r.terminated());
        }
    }

    private static void collect(Space s, List<Space> out) {
        out.add(s);
        if (s instanceof DictSpace d) {
            d.spaces().values().forEach(x -> collect(x, out));
        } else if (s instanceof TupleSpace t) {
            t.spaces().forEach(x -> collect(x, out));
        }
    }
}
