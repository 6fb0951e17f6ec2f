package org.gymbridge.agents.train;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.gymbridge.agents.core.Schedule;

/**
 * Typed configs from YAML or JSON files: a file is a map whose keys are the config record's component names
 * ({@code learningRate}; {@code learning_rate} and {@code learning-rate} mean the same), every key optional
 * (missing ones keep the record's defaults), unknown keys rejected with the list of known ones. Nested
 * records are nested maps. {@link #toMap} and {@link #writeYaml} give the resolved config back, written
 * with snake_case keys, so a run folder's {@code config.yaml} reads like a CleanRL argument list and loads
 * back into the same record.
 *
 * <p>Supported component types: int, long, double, float, boolean, String, enums (by name, any case),
 * int[] / long[] / double[] / String[], and records.
 */
public final class Configs {

    /** JSON has no NaN or infinity: non-finite numbers are written as null (Jackson's default is the string "NaN"). */
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new SimpleModule()
            .addSerializer(Double.class, new NonFiniteAsNull<>(Double.class))
            .addSerializer(double.class, new NonFiniteAsNull<>(double.class))
            .addSerializer(Float.class, new NonFiniteAsNull<>(Float.class))
            .addSerializer(float.class, new NonFiniteAsNull<>(float.class)));
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .enable(SerializationFeature.INDENT_OUTPUT);

    private Configs() {
    }

    private static final class NonFiniteAsNull<T extends Number> extends StdSerializer<T> {
        NonFiniteAsNull(Class<T> type) {
            super(type);
        }

        @Override
        public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            double d = value.doubleValue();
            if (!Double.isFinite(d)) {
                gen.writeNull();
            } else if (value instanceof Float f) {
                gen.writeNumber(f);
            } else {
                gen.writeNumber(d);
            }
        }
    }

    /** Reads a YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}) file into a map (empty file: empty map). */
    public static Map<String, Object> readFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no config file at " + file.toAbsolutePath());
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper;
        if (name.endsWith(".json")) {
            mapper = JSON;
        } else if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            mapper = YAML;
        } else {
            throw new IOException("config file " + file + " must end in .yaml, .yml or .json");
        }
        String text = Files.readString(file);
        if (text.isBlank()) {
            return new LinkedHashMap<>();
        }
        Object tree;
        try {
            tree = mapper.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new IOException("config file " + file + " is not valid " + (mapper == JSON ? "JSON" : "YAML") + ": "
                    + e.getOriginalMessage(), e);
        }
        if (tree == null) {
            return new LinkedHashMap<>();
        }
        if (!(tree instanceof Map<?, ?> map)) {
            throw new IOException("config file " + file + " must hold a map of keys to values, not a "
                    + tree.getClass().getSimpleName());
        }
        return stringKeys(map, file.toString());
    }

    /**
     * A record of type {@code defaults.getClass()} with the values of {@code values} over {@code defaults}.
     *
     * @param where names the source in error messages (e.g. "config.yaml for dqn")
     * @throws IllegalArgumentException for an unknown key (listing the known ones) or a value of the wrong type
     */
    public static <C extends Record> C bind(C defaults, Map<String, ?> values, String where) {
        @SuppressWarnings("unchecked")
        Class<C> type = (Class<C>) defaults.getClass();
        RecordComponent[] components = type.getRecordComponents();
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent c : components) {
            byKey.put(normalize(c.getName()), c);
        }
        Map<String, Object> given = new LinkedHashMap<>();
        for (Map.Entry<String, ?> entry : values.entrySet()) {
            RecordComponent c = byKey.get(normalize(entry.getKey()));
            if (c == null) {
                throw new IllegalArgumentException("unknown key '" + entry.getKey() + "' in " + where + "; known keys: "
                        + Arrays.stream(components).map(k -> snake(k.getName())).collect(Collectors.joining(", ")));
            }
            if (given.put(c.getName(), entry.getValue()) != null) {
                throw new IllegalArgumentException("key '" + snake(c.getName()) + "' is given twice in " + where);
            }
        }
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            Object current = get(c, defaults);
            if (given.containsKey(c.getName())) {
                String key = where + ", key '" + snake(c.getName()) + "'";
                args[i] = convert(given.get(c.getName()), c.getType(), current, key);
            } else {
                args[i] = current;
            }
        }
        return construct(type, components, args, where);
    }

    /** The record as an ordered map with snake_case keys (nested records as maps, arrays as lists). */
    public static Map<String, Object> toMap(Record config) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (RecordComponent c : config.getClass().getRecordComponents()) {
            map.put(snake(c.getName()), plain(get(c, config)));
        }
        return map;
    }

    /** Writes {@link #toMap} as YAML. */
    public static void writeYaml(Path file, Map<String, ?> map) throws IOException {
        Files.writeString(file, toYaml(map));
    }

    /** A map of plain values (maps, lists, strings, numbers, booleans) as YAML text. */
    public static String toYaml(Map<String, ?> map) {
        try {
            return YAML.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write config as YAML", e);
        }
    }

    /** A map of plain values as one line of JSON. */
    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** Parses a JSON text into plain values (maps, lists, strings, numbers, booleans). */
    public static Object parseJson(String text) throws IOException {
        return JSON.readValue(text, Object.class);
    }

    /** {@code learningRate} -> {@code learning_rate}. */
    public static String snake(String camel) {
        StringBuilder b = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                b.append('_').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    private static String normalize(String key) {
        return key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    private static Map<String, Object> stringKeys(Map<?, ?> map, String where) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("key " + e.getKey() + " in " + where + " is not a string");
            }
            out.put(key, e.getValue());
        }
        return out;
    }

    private static Object get(RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), e);
        }
    }

    private static <C> C construct(Class<C> type, RecordComponent[] components, Object[] args, String where) {
        Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        try {
            Constructor<C> constructor = type.getDeclaredConstructor(types);
            constructor.setAccessible(true);
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            // The record's own validation (e.g. "gamma must be in [0, 1]"): keep its message, add where.
            Throwable cause = e.getCause();
            throw new IllegalArgumentException(where + ": " + cause.getMessage(), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getSimpleName(), e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object convert(Object value, Class<?> type, Object current, String key) {
        if (value == null) {
            throw new IllegalArgumentException(key + " has no value (remove the key to keep the default)");
        }
        if (type == int.class || type == Integer.class) {
            return Math.toIntExact(integral(value, key));
        }
        if (type == long.class || type == Long.class) {
            return integral(value, key);
        }
        if (type == double.class || type == Double.class) {
            return number(value, key);
        }
        if (type == float.class || type == Float.class) {
            return (float) number(value, key);
        }
        if (type == boolean.class || type == Boolean.class) {
            if (value instanceof Boolean b) {
                return b;
            }
            throw new IllegalArgumentException(key + " must be true or false, got " + describe(value));
        }
        if (type == String.class) {
            if (value instanceof String || value instanceof Number || value instanceof Boolean) {
                return value.toString();
            }
            throw new IllegalArgumentException(key + " must be a string, got " + describe(value));
        }
        if (type.isEnum()) {
            String name = value.toString().replace('-', '_');
            for (Object constant : type.getEnumConstants()) {
                if (((Enum<?>) constant).name().equalsIgnoreCase(name)) {
                    return constant;
                }
            }
            throw new IllegalArgumentException(key + " must be one of " + Arrays.stream(type.getEnumConstants())
                    .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))
                    + ", got " + describe(value));
        }
        if (type.isArray()) {
            List<?> list = value instanceof List<?> l ? l : List.of(value);
            Object array = Array.newInstance(type.getComponentType(), list.size());
            for (int i = 0; i < list.size(); i++) {
                Array.set(array, i, convert(list.get(i), type.getComponentType(), null, key + "[" + i + "]"));
            }
            return array;
        }
        if (type.isRecord()) {
            if (value instanceof Number n) {
                // A scalar for a record with a static constant(double) factory, e.g. "epsilon: 0.1" for a Schedule.
                try {
                    return type.getMethod("constant", double.class).invoke(null, n.doubleValue());
                } catch (NoSuchMethodException e) {
                    // fall through: a map is required
                } catch (ReflectiveOperationException e) {
                    throw new IllegalArgumentException(key + ": " + e.getCause().getMessage(), e);
                }
            }
            if (!(value instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException(key + " must be a map of " + Arrays.stream(type.getRecordComponents())
                        .map(c -> snake(c.getName())).collect(Collectors.joining(", ")) + ", got " + describe(value));
            }
            return bind((Record) current, stringKeys(map, key), key);
        }
        throw new IllegalStateException(key + ": config fields of type " + type.getSimpleName() + " are not supported");
    }

    private static long integral(Object value, String key) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            return ((Number) value).longValue();
        }
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) < 9e15) {
            return (long) n.doubleValue();                 // 1e5 in YAML is a double
        }
        if (value instanceof String s && s.replace("_", "").matches("[-+]?\\d+")) {
            return Long.parseLong(s.replace("_", ""));     // 100_000
        }
        throw new IllegalArgumentException(key + " must be an integer, got " + describe(value));
    }

    private static double number(Object value, String key) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s.replace("_", ""));   // YAML 1.1 reads 1e-3 (no dot) as a string
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException(key + " must be a number, got " + describe(value));
    }

    private static String describe(Object value) {
        return value instanceof String s ? "'" + s + "'" : value + " (" + value.getClass().getSimpleName() + ")";
    }

    private static Object plain(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Record r) {
            return toMap(r);
        }
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        if (value.getClass().isArray()) {
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                list.add(plain(Array.get(value, i)));
            }
            return list;
        }
        return value;
    }
}
