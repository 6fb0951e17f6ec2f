package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.Infos;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Vector infos reach Java typed, masks included: RecordEpisodeStatistics' {@code episode} (float64 return,
 * int64 length, float64 time) under each autoreset mode, ints and strings, and SAME_STEP's final observation.
 * The wrappers come from the URL ({@code wrappers=RecordEpisodeStatistics}).
 */
class InfosTest extends LocalServerFixture {
    private static final Tensor PUSH_LEFT = Tensor.ofLongs(new long[] {0, 0, 0});

    private VectorEnv cartPoles(String query) {
        ConnectionUrl url = ConnectionUrl.parse("local:CartPole-v1?num_envs=3&wrappers=RecordEpisodeStatistics" + query);
        return client.makeVec(url.envId(), url.options());
    }

    /** Pushes left until some env's episode ends; returns that step and counts the steps in {@code steps[0]}. */
    private static StepResult untilAnEpisodeEnds(VectorEnv env, int[] steps) {
        env.reset(7);
        for (int t = 1; t <= 200; t++) {
            StepResult r = env.step(PUSH_LEFT);
            if (r.done(0) || r.done(1) || r.done(2)) {
                steps[0] = t;
                return r;
            }
        }
        throw new AssertionError("CartPole pushed left always falls within 200 steps");
    }

    @Test
    void episodeStatisticsArriveTypedWithTheirMasks() {
        try (VectorEnv env = cartPoles("")) {
            int[] steps = new int[1];
            StepResult r = untilAnEpisodeEnds(env, steps);
            Infos infos = r.infoView();
            assertEquals(DType.FLOAT64, infos.tensor("episode/r").dtype());
            assertEquals(DType.INT64, infos.tensor("episode/l").dtype());
            assertEquals(DType.FLOAT64, infos.tensor("episode/t").dtype());
            assertArrayEquals(new long[] {3}, infos.tensor("episode/r").shape());
            boolean[] done = {r.done(0), r.done(1), r.done(2)};
            assertArrayEquals(done, infos.mask("episode/r"), "exactly the envs whose episode ended");
            assertArrayEquals(done, infos.mask("episode"));
            List<Infos.Episode> episodes = infos.episodes();
            assertFalse(episodes.isEmpty());
            for (Infos.Episode e : episodes) {
                assertTrue(done[e.env()]);
                assertEquals(steps[0], e.length(), "every env started together and this one ended now");
                assertEquals(steps[0], e.reward(), "CartPole pays 1 per step");
                assertTrue(e.seconds() >= 0, "wall time");
                assertEquals(e.reward(), infos.getDouble("episode/r", e.env()));
            }
            int notDone = done[0] ? (done[1] ? 2 : 1) : 0;
            if (!done[notDone]) {
                assertFalse(infos.has("episode/r", notDone));
                NoSuchElementException x = assertThrows(NoSuchElementException.class, () -> infos.getDouble("episode/r", notDone));
                assertTrue(x.getMessage().contains("did not set info 'episode/r'"), x.getMessage());
            }
            DictValue single = infos.forEnv(episodes.get(0).env());
            assertEquals(steps[0], single.get("episode").asDict().tensor("l").getLong(0), "one env's info, unbatched");
            assertEquals(0, single.get("episode").asDict().tensor("l").rank());
            StepResult next = env.step(PUSH_LEFT);
            for (Infos.Episode e : next.infoView().episodes()) {
                assertFalse(done[e.env()], "an env's autoreset step reports no episode (others may end now)");
            }
        }
    }

    @Test
    void sameStepAutoresetKeepsEpisodeStatisticsAndTheFinalObservation() {
        try (VectorEnv env = cartPoles("&autoreset=same_step")) {
            assertEquals(AutoresetMode.SAME_STEP, env.autoresetMode());
            int[] steps = new int[1];
            StepResult r = untilAnEpisodeEnds(env, steps);
            Infos infos = r.infoView();
            List<Infos.Episode> episodes = infos.episodes();
            assertFalse(episodes.isEmpty(), "read from final_info/episode: " + infos.raw());
            for (Infos.Episode e : episodes) {
                assertEquals(steps[0], e.length());
                Tensor last = infos.finalObservation(e.env()).orElseThrow().asTensor();
                assertEquals(DType.FLOAT32, last.dtype());
                assertFalse(last.equals(r.observations().asTensor().get(e.env())), "the next episode already began");
                assertEquals(steps[0], infos.finalInfo(e.env()).orElseThrow().get("episode").asDict().tensor("l").getLong(0));
            }
        }
    }

    @Test
    void intAndStringInfosAreTyped() {
        try (VectorEnv env = client.makeVec("gymbridge/AllSpaces-v0", MakeOptions.builder().numEnvs(2).build())) {
            Infos reset = env.reset(3).infoView();
            assertEquals("reset", reset.getString("label", 1));
            assertEquals(0, reset.getLong("t", 0));
            StepResult r = env.step(env.actionSpace().sample(new SplittableRandom(1)));
            Infos infos = r.infoView();
            assertEquals(DType.INT64, infos.tensor("t").dtype(), "a Python int info is int64");
            assertEquals(1, infos.getLong("t", 1));
            assertEquals("step 1", infos.getString("label", 0));
            assertArrayEquals(new boolean[] {true, true}, infos.mask("label"));
            assertTrue(infos.keys().containsAll(List.of("t", "label")), infos.keys().toString());
            assertFalse(infos.keys().contains("_t"), "masks are not keys");
            NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> infos.tensor("episode/r"));
            assertTrue(e.getMessage().contains("no info 'episode/r'") && e.getMessage().contains("label"), e.getMessage());
        }
    }

    @Test
    void infosOfEveryNumericWidthBoolAndStringArriveWithTheirDtypes() {
        try (VectorEnv env = client.makeVec("gymbridge/InfoTypes-v0", MakeOptions.builder().numEnvs(2).build())) {
            Infos reset = env.reset(0).infoView();
            assertEquals("reset", reset.getString("phase", 0));
            assertEquals(DType.INT64, reset.tensor("start").dtype());
            // env 0 takes action 1 (sets "maybe" and "only_on_1"), env 1 takes action 0
            Infos infos = env.step(Tensor.ofLongs(new long[] {1, 0})).infoView();
            String[][] expected = {{"i8", "INT8"}, {"u8", "UINT8"}, {"i16", "INT16"}, {"u16", "UINT16"},
                {"i32", "INT32"}, {"u32", "UINT32"}, {"i64", "INT64"}, {"u64", "UINT64"}, {"f16", "FLOAT16"},
                {"f32", "FLOAT32"}, {"f64", "FLOAT64"}, {"count", "INT64"}, {"flag", "BOOL"}};
            for (String[] e : expected) {
                assertEquals(DType.valueOf(e[1]), infos.tensor(e[0]).dtype(), e[0]);
            }
            assertEquals(-1, infos.getLong("i8", 1));
            assertEquals(60001, infos.getLong("u16", 0), "read unsigned");
            assertEquals(4_000_000_001L, infos.getLong("u32", 0), "read unsigned");
            assertEquals(0.5, infos.getDouble("f16", 0), "float16 decoded");
            assertEquals((float) (1.0 / 3), (float) infos.getDouble("f32", 0));
            assertEquals(0.1, infos.getDouble("f64", 1));
            assertFalse(infos.getBoolean("flag", 0), "step 1 is odd");
            // Gymnasium keeps an np.bool_ info in an object array (np.bool_ is no np.number): a list of bools here.
            assertTrue(infos.get("np_flag") instanceof org.gymbridge.tensor.ListValue, String.valueOf(infos.get("np_flag")));
            assertFalse(infos.getBoolean("np_flag", 1), "step 1 is not > 2");
            assertEquals("step 1", infos.getString("name", 1));
            assertEquals("ab", infos.getString("np_name", 0), "numpy str");
            assertArrayEquals(new long[] {2, 3}, infos.tensor("vec").shape(), "an array info per env");
            assertArrayEquals(new float[] {0, 1, 2}, infos.get("vec", 0).orElseThrow().asTensor().toFloatArray());
            assertEquals(DType.UINT8, infos.tensor("grid").dtype());
            assertEquals(1, infos.getLong("nested/depth", 0));
            assertEquals("deep", infos.getString("nested/label", 1));
            assertEquals(DType.FLOAT32, infos.tensor("nested/inner/x").dtype());
            assertArrayEquals(new boolean[] {true, false}, infos.mask("maybe"), "only env 0 took action 1");
            assertEquals(DType.INT16, infos.tensor("maybe").dtype());
            assertEquals("yes", infos.getString("only_on_1", 0));
            assertFalse(infos.has("only_on_1", 1));
            assertEquals(List.of("i8", "u8"), List.copyOf(infos.forEnv(1).entries().keySet()).subList(0, 2));
            assertFalse(infos.forEnv(1).has("maybe"), "env 1's own info has no 'maybe'");
        }
    }

    @Test
    void wrappersParseFromTheUrl() {
        List<MakeOptions.Wrapper> w = ConnectionUrl.parse("local:CartPole-v1?wrappers=TimeLimit(max_episode_steps=20),"
                + "NormalizeObservation,ResizeObservation(shape=(32,32)),RecordEpisodeStatistics(buffer_length=5)").options().wrappers();
        assertEquals(List.of(
                new MakeOptions.Wrapper("TimeLimit", java.util.Map.of("max_episode_steps", 20L)),
                new MakeOptions.Wrapper("NormalizeObservation", java.util.Map.of()),
                new MakeOptions.Wrapper("ResizeObservation", java.util.Map.of("shape", List.of(32L, 32L))),
                new MakeOptions.Wrapper("RecordEpisodeStatistics", java.util.Map.of("buffer_length", 5L))), w);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectionUrl.parse("local:CartPole-v1?wrappers=TimeLimit(20)"));
        assertTrue(e.getMessage().contains("is not name=value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConnectionUrl.parse("local:CartPole-v1?wrappers=TimeLimit(x=1"));
        assertTrue(e.getMessage().contains("unbalanced"), e.getMessage());
        try (VectorEnv env = client.makeVec("CartPole-v1", ConnectionUrl.parse(
                "local:CartPole-v1?wrappers=TimeLimit(max_episode_steps=5)").options())) {
            env.reset(0);
            StepResult r = null;
            for (int t = 0; t < 5; t++) {
                r = env.step(Tensor.ofLongs(new long[] {t % 2}));
            }
            assertTrue(r.truncated()[0], "the URL's TimeLimit(max_episode_steps=5) applies");
        }
    }
}
