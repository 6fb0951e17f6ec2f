package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.Env;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.ListValue;
import org.gymbridge.tensor.NoneValue;
import org.gymbridge.tensor.TextValue;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Rendering and Gymnasium's vector infos (final observations under SAME_STEP autoreset) reach Java intact. */
class RenderAndInfosTest extends LocalServerFixture {
    @Test
    void rgbArrayFramesAreUint8PerEnv() {
        try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).renderMode("rgb_array").build())) {
            env.reset(0);
            Tensor frames = env.render().asTensor();
            assertEquals(DType.UINT8, frames.dtype());
            assertArrayEquals(new long[] {2, 400, 600, 3}, frames.shape());
            assertEquals("rgb_array", env.spec().renderMode());
            assertTrue(env.spec().renderModes().contains("rgb_array"));
        }
        try (Env env = client.make("CartPole-v1", MakeOptions.builder().renderMode("rgb_array").build())) {
            env.reset(0);
            assertArrayEquals(new long[] {400, 600, 3}, env.render().asTensor().shape(), "one env's frame");
        }
    }

    @Test
    void messagesAboveGrpcsDefault4MiBArrive() {
        try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(8).renderMode("rgb_array").build())) {
            env.reset(0);
            Tensor frames = env.render().asTensor();
            assertTrue(frames.data().remaining() > 4 << 20, "8 frames of 400x600x3 = 5.8 MB");
            assertArrayEquals(new long[] {8, 400, 600, 3}, frames.shape());
        }
    }

    @Test
    void ansiFramesAreTextPerEnv() {
        try (VectorEnv env = client.makeVec("FrozenLake-v1", MakeOptions.builder().numEnvs(2).renderMode("ansi").build())) {
            env.reset(0);
            TextValue text = env.render().asText();
            assertEquals(2, text.size());
            assertTrue(text.get(0).contains("FHFH"), text.get(0));
        }
    }

    @Test
    void sameStepAutoresetPutsTheFinalObservationInTheInfos() {
        try (VectorEnv env = client.makeVec("CartPole-v1",
                MakeOptions.builder().numEnvs(2).autoreset(AutoresetMode.SAME_STEP).build())) {
            assertEquals(AutoresetMode.SAME_STEP, env.autoresetMode());
            env.reset(0);
            Tensor pushLeft = Tensor.ofLongs(new long[] {0, 0});
            StepResult r;
            int steps = 0;
            do {
                r = env.step(pushLeft);
                steps++;
            } while (!r.done(0) && !r.done(1) && steps < 200);
            int ended = r.done(0) ? 0 : 1;
            ListValue finalObs = r.infos().get("final_obs").asList();
            boolean[] mask = r.infos().tensor("_final_obs").toBoolArray();
            assertTrue(mask[ended]);
            Tensor last = finalObs.get(ended).asTensor();
            assertEquals(DType.FLOAT32, last.dtype());
            assertArrayEquals(new long[] {4}, last.shape());
            assertTrue(Math.abs(last.getDouble(2)) > 0.2 || Math.abs(last.getDouble(0)) > 2.4, "a terminal CartPole state: " + last);
            Tensor next = r.observations().asTensor().get(ended);
            assertFalse(next.equals(last), "the observation is already the next episode's first");
            if (!mask[1 - ended]) {
                Value other = finalObs.get(1 - ended);
                assertSame(NoneValue.INSTANCE, other);
            }
        }
    }
}
