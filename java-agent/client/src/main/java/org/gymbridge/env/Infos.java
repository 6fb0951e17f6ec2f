package org.gymbridge.env;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.ListValue;
import org.gymbridge.tensor.NoneValue;
import org.gymbridge.tensor.TextValue;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;
import org.gymbridge.tensor.Tensor;

/**
 * Typed, mask-aware access to Gymnasium's vector infos ({@link StepResult#infos()}). Gymnasium stores an
 * info key {@code k} as a batch over the envs plus a bool mask {@code _k} saying which envs set it; nested
 * dicts (e.g. {@code episode} from RecordEpisodeStatistics) repeat the layout. Here a key is a path,
 * {@code "episode/r"}, and an env's value is present only when every mask along the path marks it:
 * <pre>{@code
 * Infos infos = result.infoView();
 * for (int i = 0; i < env.numEnvs(); i++) {
 *     if (infos.has("episode/r", i)) {
 *         System.out.println("env " + i + " return " + infos.getDouble("episode/r", i));
 *     }
 * }
 * infos.episodes();            // the finished episodes' statistics, whatever the autoreset mode
 * }</pre>
 * Values keep their wire types: numeric and bool infos are tensors of their numpy dtype (float64, int64,
 * bool ...), strings are text, per-env objects (SAME_STEP's {@code final_obs}) are lists with None for
 * the envs that set nothing. A key that itself contains '/' cannot be named in a path: read it from
 * {@link #raw()}. Immutable.
 */
public final class Infos {
    private final DictValue raw;

    private Infos(DictValue raw) {
        this.raw = raw;
    }

    /** A view of vector infos (a {@link StepResult#infos()} or {@link ResetResult#infos()}). */
    public static Infos of(DictValue infos) {
        return new Infos(infos == null ? DictValue.empty() : infos);
    }

    /** The infos as they arrived (Gymnasium's layout, masks included). */
    public DictValue raw() {
        return raw;
    }

    /** Whether no env reported anything. */
    public boolean isEmpty() {
        return keys().isEmpty();
    }

    /** The top-level info keys, without the {@code _key} masks, in the server's order. */
    public Set<String> keys() {
        return keysOf(raw);
    }

    /** Whether the path exists for any env (its batch arrived). */
    public boolean has(String path) {
        return find(path) != null;
    }

    /** Whether env {@code env} set the value at {@code path}: every mask along the path marks it. */
    public boolean has(String path, int env) {
        String[] parts = split(path);
        DictValue dict = raw;
        for (int i = 0; i < parts.length; i++) {
            Value v = dict.entries().get(parts[i]);
            if (v == null || !masked(dict, parts[i], env)) {
                return false;
            }
            if (i == parts.length - 1) {
                return !(element(v, env) instanceof NoneValue);
            }
            if (!(v instanceof DictValue d)) {
                return false;
            }
            dict = d;
        }
        return false;
    }

    /**
     * Which envs set the value at {@code path} (the AND of the masks along it); all true where Gymnasium
     * sent no mask. Its length is the batch size of the value.
     *
     * @throws NoSuchElementException if the path is absent (see {@link #keys()})
     */
    public boolean[] mask(String path) {
        int n = batchSize(require(path));
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) {
            out[i] = has(path, i);
        }
        return out;
    }

    /** The batch at {@code path} (all envs, masks not applied). */
    public Value get(String path) {
        return require(path);
    }

    /** The batch at {@code path} as a tensor, e.g. {@code tensor("episode/r")}: float64 [n]. */
    public Tensor tensor(String path) {
        Value v = require(path);
        if (v instanceof Tensor t) {
            return t;
        }
        throw new IllegalStateException("info '" + path + "' is a " + v.getClass().getSimpleName() + ", not a tensor: " + v);
    }

    /** The nested vector infos at {@code path} (e.g. {@code "final_info"} under SAME_STEP autoreset). */
    public Infos dict(String path) {
        Value v = require(path);
        if (v instanceof DictValue d) {
            return new Infos(d);
        }
        throw new IllegalStateException("info '" + path + "' is a " + v.getClass().getSimpleName() + ", not a dict: " + v);
    }

    /** Env {@code env}'s value at {@code path}, if it set one (tensor leaves lose the batch axis). */
    public Optional<Value> get(String path, int env) {
        if (!has(path, env)) {
            return Optional.empty();
        }
        return Optional.of(element(find(path), env));
    }

    /** Env {@code env}'s numeric value at {@code path} as a double. */
    public double getDouble(String path, int env) {
        return scalar(path, env).getDouble(0);
    }

    /** Env {@code env}'s integer value at {@code path} as a long. */
    public long getLong(String path, int env) {
        return scalar(path, env).getLong(0);
    }

    /** Env {@code env}'s bool (or numeric, non-zero = true) value at {@code path}. */
    public boolean getBoolean(String path, int env) {
        return scalar(path, env).getBoolean(0);
    }

    /** Env {@code env}'s string value at {@code path}. */
    public String getString(String path, int env) {
        Value v = present(path, env);
        if (v instanceof TextValue t && t.size() == 1) {
            return t.get(0);
        }
        throw new IllegalStateException("info '" + path + "' of env " + env + " is not a string: " + v);
    }

    /**
     * Env {@code env}'s info as a single (unbatched) env would report it: the keys it set, their values
     * without the batch axis, no masks — what {@code gymnasium.Env.step} returned inside the vector env.
     */
    public DictValue forEnv(int env) {
        return forEnv(raw, env);
    }

    /** Statistics of one finished episode (Gymnasium's RecordEpisodeStatistics: return, length, seconds). */
    public record Episode(int env, double reward, long length, double seconds) {
    }

    /**
     * The episodes that ended in this step, from RecordEpisodeStatistics ({@code wrappers=RecordEpisodeStatistics}):
     * under NEXT_STEP and DISABLED autoreset they are in {@code episode}, under SAME_STEP in
     * {@code final_info/episode}; both are read. Empty when the wrapper is not applied.
     */
    public List<Episode> episodes() {
        List<Episode> out = new ArrayList<>();
        collectEpisodes(this, out);
        if (has("final_info") && require("final_info") instanceof DictValue) {
            collectEpisodes(dict("final_info"), out);
        }
        return out;
    }

    private static void collectEpisodes(Infos infos, List<Episode> out) {
        if (!infos.has("episode/r")) {
            return;
        }
        boolean[] mask = infos.mask("episode/r");
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                out.add(new Episode(i, infos.getDouble("episode/r", i),
                        infos.has("episode/l", i) ? infos.getLong("episode/l", i) : -1,
                        infos.has("episode/t", i) ? infos.getDouble("episode/t", i) : Double.NaN));
            }
        }
    }

    /** SAME_STEP autoreset: the last observation of env {@code env}'s episode that ended in this step. */
    public Optional<Value> finalObservation(int env) {
        return get("final_obs", env);
    }

    /** SAME_STEP autoreset: the last info of env {@code env}'s episode that ended in this step. */
    public Optional<DictValue> finalInfo(int env) {
        if (!has("final_info", env) || !(require("final_info") instanceof DictValue d)) {
            return Optional.empty();
        }
        return Optional.of(forEnv(d, env));
    }

    @Override
    public String toString() {
        return "Infos" + keys();
    }

    // ---- internals ---------------------------------------------------------------------------------

    private static Set<String> keysOf(DictValue d) {
        Set<String> out = new LinkedHashSet<>();
        for (String k : d.entries().keySet()) {
            if (!(k.startsWith("_") && d.has(k.substring(1)))) {
                out.add(k);
            }
        }
        return out;
    }

    private static DictValue forEnv(DictValue d, int env) {
        Map<String, Value> out = new LinkedHashMap<>();
        for (String k : keysOf(d)) {
            if (!masked(d, k, env)) {
                continue;
            }
            Value v = d.entries().get(k);
            Value e = v instanceof DictValue inner ? forEnv(inner, env) : element(v, env);
            if (!(e instanceof NoneValue)) {
                out.put(k, e);
            }
        }
        return new DictValue(out);
    }

    /** Whether the {@code _key} mask of {@code key} in {@code dict} marks {@code env} (true without a mask). */
    private static boolean masked(DictValue dict, String key, int env) {
        Value m = dict.entries().get("_" + key);
        if (m instanceof Tensor t && t.rank() == 1) {
            return env >= 0 && env < t.dim(0) && t.getBoolean(env);
        }
        return true;
    }

    /** Env {@code env}'s slice of a batch value. */
    private static Value element(Value v, int env) {
        if (v instanceof Tensor t) {
            if (t.rank() == 0) {
                return t; // a scalar shared by all envs
            }
            return env >= 0 && env < t.dim(0) ? t.get(env) : NoneValue.INSTANCE;
        }
        if (v instanceof ListValue l) {
            return env >= 0 && env < l.size() ? l.get(env) : NoneValue.INSTANCE;
        }
        if (v instanceof TextValue t) {
            return t.size() == 1 ? t : env >= 0 && env < t.size() ? TextValue.of(t.get(env)) : NoneValue.INSTANCE;
        }
        if (v instanceof DictValue d) {
            return forEnv(d, env);
        }
        if (v instanceof TupleValue t) {
            List<Value> items = new ArrayList<>();
            t.items().forEach(x -> items.add(element(x, env)));
            return new TupleValue(items);
        }
        return v;
    }

    private static int batchSize(Value v) {
        if (v instanceof Tensor t) {
            return t.rank() == 0 ? 1 : (int) t.dim(0);
        }
        if (v instanceof ListValue l) {
            return l.size();
        }
        if (v instanceof TextValue t) {
            return t.size();
        }
        if (v instanceof DictValue d) {
            for (Value x : d.entries().values()) {
                return batchSize(x);
            }
        }
        return 0;
    }

    private Tensor scalar(String path, int env) {
        Value v = present(path, env);
        if (v instanceof Tensor t && t.size() == 1) {
            return t;
        }
        throw new IllegalStateException("info '" + path + "' of env " + env + " is not a single number: " + v);
    }

    private Value present(String path, int env) {
        require(path);
        if (!has(path, env)) {
            throw new NoSuchElementException("env " + env + " did not set info '" + path + "' in this step (its mask "
                    + "is false); check has(\"" + path + "\", " + env + ") first");
        }
        return element(find(path), env);
    }

    private Value require(String path) {
        Value v = find(path);
        if (v == null) {
            throw new NoSuchElementException("no info '" + path + "'; the infos have " + describe());
        }
        return v;
    }

    private Value find(String path) {
        Value v = raw;
        for (String p : split(path)) {
            if (!(v instanceof DictValue d) || !d.has(p)) {
                return null;
            }
            v = d.entries().get(p);
        }
        return v;
    }

    private String describe() {
        List<String> paths = new ArrayList<>();
        paths(raw, "", paths);
        return paths.isEmpty() ? "no keys" : "keys " + paths;
    }

    private static void paths(DictValue d, String prefix, List<String> out) {
        for (String k : keysOf(d)) {
            Value v = d.entries().get(k);
            if (v instanceof DictValue inner && !inner.entries().isEmpty()) {
                paths(inner, prefix + k + "/", out);
            } else {
                out.add(prefix + k);
            }
        }
    }

    private static String[] split(String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("empty info path; name a key such as \"episode/r\"");
        }
        String[] parts = path.split("/");
        if (Arrays.stream(parts).anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("malformed info path '" + path + "'; keys are separated by single '/'");
        }
        return parts;
    }
}
