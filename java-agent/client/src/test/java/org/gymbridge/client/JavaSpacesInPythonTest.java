package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.DictSpace;
import org.gymbridge.spaces.Discrete;
import org.gymbridge.spaces.GraphSpace;
import org.gymbridge.spaces.MultiBinary;
import org.gymbridge.spaces.MultiDiscrete;
import org.gymbridge.spaces.OneOfSpace;
import org.gymbridge.spaces.SequenceSpace;
import org.gymbridge.spaces.Space;
import org.gymbridge.spaces.TextSpace;
import org.gymbridge.spaces.TupleSpace;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java-built spaces and Java samples, encoded by the client, decode in the server's codec into the equal
 * Gymnasium space and into values that Gymnasium's {@code contains} accepts — for every space kind,
 * including Sequence, Graph and OneOf, which no registered env exercises.
 */
class JavaSpacesInPythonTest {

    @TempDir
    Path dir;

    @Test
    void everySpaceKindAndItsJavaSamplesAreValidInGymnasium() throws Exception {
        double inf = Double.POSITIVE_INFINITY;
        Map<String, Space> nested = new LinkedHashMap<>();
        nested.put("velocity", Box.of(-inf, inf, DType.FLOAT32, 3));
        nested.put("half", Box.of(0, 1, DType.FLOAT16, 2));
        Map<String, Space> m = new LinkedHashMap<>();
        m.put("f64", Box.of(-1, 2, DType.FLOAT64, 2, 2));
        m.put("lower", new Box(DType.FLOAT32, new long[] {2}, Tensor.ofFloats(new float[] {0, -5}),
                Tensor.ofFloats(new float[] {(float) inf, (float) inf})));
        m.put("u64", Box.of(0, 1e18, DType.UINT64, 2));
        m.put("image", Box.of(0, 255, DType.UINT8, 4, 4, 3));
        m.put("choice", new Discrete(5, -2, DType.INT64));
        m.put("small", new Discrete(3, 0, DType.INT32));
        m.put("multi", new MultiDiscrete(Tensor.ofLongs(new long[] {3, 4}), Tensor.ofLongs(new long[] {1, -1}), DType.INT64));
        m.put("bits", new MultiBinary(new long[] {2, 3}));
        m.put("pair", new TupleSpace(List.of(new Discrete(2), Box.of(-1, 1, DType.FLOAT32, 1))));
        m.put("nested", new DictSpace(nested));
        m.put("text", new TextSpace(1, 8, "abcXYZ019 "));
        m.put("seq", new SequenceSpace(new Discrete(4), false));
        m.put("stacked", new SequenceSpace(Box.of(0, 1, DType.FLOAT32, 2), true));
        m.put("oneof", new OneOfSpace(List.of(new Discrete(3), Box.of(-1, 1, DType.FLOAT64, 2))));
        DictSpace space = new DictSpace(m);

        Files.write(dir.resolve("space.bin"), Wire.toProto(space).toByteArray());
        SplittableRandom rng = new SplittableRandom(2024);
        int samples = 20;
        for (int i = 0; i < samples; i++) {
            Files.write(dir.resolve("value-" + i + ".bin"), Wire.toProto(space.sample(rng)).toByteArray());
        }
        List<String> out = TestPython.run("check_java_values.py", List.of(dir.toString()));
        assertEquals(SpaceDescription.describe(space), out.get(0), "Python decoded the same space");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            expected.add("True");
        }
        assertEquals(expected, out.subList(1, out.size()), "every Java sample is in the Gymnasium space");
    }

    @Test
    void graphSpacesDecodeInGymnasium() throws Exception {
        GraphSpace g = new GraphSpace(Box.of(0, 1, DType.FLOAT32, 3), new Discrete(4));
        Files.write(dir.resolve("space.bin"), Wire.toProto(g).toByteArray());
        Files.write(dir.resolve("value-0.bin"), Wire.toProto(org.gymbridge.tensor.DictValue.of(
                "nodes", Tensor.ofFloats(new float[] {0, 0.5f, 1, 1, 0, 0}, 2, 3),
                "edges", Tensor.ofLongs(new long[] {3}),
                "edge_links", Tensor.ofLongs(new long[] {0, 1}, 1, 2))).toByteArray());
        List<String> out = TestPython.run("check_java_values.py", List.of(dir.toString()));
        assertEquals(List.of(SpaceDescription.describe(g), "True"), out);
    }
}
