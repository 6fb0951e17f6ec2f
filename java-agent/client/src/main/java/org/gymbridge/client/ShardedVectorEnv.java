package org.gymbridge.client;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.EnvSpec;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.spaces.Box;
import org.gymbridge.spaces.DictSpace;
import org.gymbridge.spaces.MultiBinary;
import org.gymbridge.spaces.MultiDiscrete;
import org.gymbridge.spaces.Space;
import org.gymbridge.spaces.TupleSpace;
import org.gymbridge.tensor.DType;
import org.gymbridge.tensor.DictValue;
import org.gymbridge.tensor.ListValue;
import org.gymbridge.tensor.NoneValue;
import org.gymbridge.tensor.Tensor;
import org.gymbridge.tensor.TextValue;
import org.gymbridge.tensor.TupleValue;
import org.gymbridge.tensor.Value;

/**
 * One {@link VectorEnv} whose envs are split over several servers: {@code grpc://h1:50051,h2:50051/Crafter-v1?num_envs=64}
 * (shard sizes as even as possible, the first ones one larger) or {@code ...&shards=48,16}. Shard j holds envs
 * {@code offset_j .. offset_j + size_j - 1} in its own session on its own server; a step sends every shard its slice
 * of the actions at once (one request per server in flight) and merges the answers in env order. Seeds follow
 * Gymnasium's rule over the whole vector (env i gets seed + i: shard j is reset with seed + offset_j), and infos are
 * merged as Gymnasium merges envs' infos, so the result equals one server with the same num_envs, bit for bit. An
 * info key whose dtype differs between envs of one call (FrozenLake's {@code prob}: an int after an autoreset, a
 * float after a step) gets the dtype of the first env reporting it over all shards: the shards' sessions are made
 * with exact infos, so a server sends such a key uncast with the dtype its first env gave it, and the merge casts
 * (whatever the shard's vectorization).
 *
 * <p>A failing shard fails the call with a {@link GymBridgeException} naming the shard, its server and its envs; the
 * other shards' sessions are untouched. {@code on_crash} applies per shard (a shard whose env crashed is recreated on
 * its own server). Other URL keys (token, timeouts, TLS with {@code grpcs://}) apply to every server.
 */
final class ShardedVectorEnv implements VectorEnv {
    private final List<VectorEnv> shards;
    private final List<String> targets;
    private final int[] offsets; // offsets[j]: first env of shard j; offsets[k] = numEnvs
    private final int numEnvs;
    private final Space singleObservationSpace;
    private final Space singleActionSpace;
    private final Space observationSpace;
    private final Space actionSpace;
    private final ExecutorService pool;
    // Each shard's last observations: a masked reset that skips a shard keeps them, as one server would.
    private final List<Value> lastObservations;

    private ShardedVectorEnv(List<VectorEnv> shards, List<String> targets) {
        this.shards = List.copyOf(shards);
        this.targets = List.copyOf(targets);
        this.offsets = new int[shards.size() + 1];
        for (int j = 0; j < shards.size(); j++) {
            offsets[j + 1] = offsets[j] + shards.get(j).numEnvs();
        }
        this.numEnvs = offsets[shards.size()];
        VectorEnv first = shards.get(0);
        this.singleObservationSpace = first.singleObservationSpace();
        this.singleActionSpace = first.singleActionSpace();
        this.observationSpace = concatSpaces(singleObservationSpace, shards.stream().map(VectorEnv::observationSpace).toList());
        this.actionSpace = concatSpaces(singleActionSpace, shards.stream().map(VectorEnv::actionSpace).toList());
        this.lastObservations = new ArrayList<>(java.util.Collections.nCopies(shards.size(), (Value) null));
        this.pool = Executors.newFixedThreadPool(shards.size(), r -> {
            Thread t = new Thread(r, "gymbridge-shard");
            t.setDaemon(true);
            return t;
        });
    }

    /** Whether {@code url} names several servers ({@code grpc://h1:p1,h2:p2/...}). */
    static boolean isSharded(String url) {
        if (url == null) {
            return false;
        }
        String s = url.trim();
        int start = s.startsWith("grpc://") ? 7 : s.startsWith("grpcs://") ? 8 : -1;
        if (start < 0) {
            return false;
        }
        int end = s.length();
        for (char c : new char[] {'/', '?'}) {
            int i = s.indexOf(c, start);
            if (i >= 0) {
                end = Math.min(end, i);
            }
        }
        return s.substring(start, end).contains(",");
    }

    /** Opens one session per server of a sharded URL (see the class doc); closes what it opened on failure. */
    static VectorEnv open(String url, ClientOptions base) {
        String s = url.trim();
        String scheme = s.startsWith("grpcs://") ? "grpcs://" : "grpc://";
        String rest = s.substring(scheme.length());
        int end = rest.length();
        for (char c : new char[] {'/', '?'}) {
            int i = rest.indexOf(c);
            if (i >= 0) {
                end = Math.min(end, i);
            }
        }
        String[] hosts = rest.substring(0, end).split(",", -1);
        String tail = rest.substring(end);
        int[] sizes = null;
        int q = tail.indexOf('?');
        if (q >= 0) {
            List<String> kept = new ArrayList<>();
            for (String part : tail.substring(q + 1).split("&")) {
                if (part.startsWith("shards=")) {
                    sizes = parseShards(part.substring("shards=".length()), url);
                } else if (!part.isEmpty()) {
                    kept.add(part);
                }
            }
            tail = tail.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
        }
        for (String h : hosts) {
            if (h.isBlank()) {
                throw bad(url, "an empty server in the list; write grpc://h1:50051,h2:50051/EnvId");
            }
        }
        ConnectionUrl whole = ConnectionUrl.parse(scheme + hosts[0] + tail, base);
        if (whole.envId().isEmpty()) {
            throw bad(url, "no env id; write grpc://h1:50051,h2:50051/EnvId?num_envs=8");
        }
        boolean numEnvsGiven = tail.contains("num_envs=");
        int n = numEnvsGiven ? whole.options().numEnvs() : (sizes != null ? Arrays.stream(sizes).sum() : hosts.length);
        if (sizes == null) {
            sizes = evenShards(n, hosts.length);
        }
        if (sizes.length != hosts.length) {
            throw bad(url, "shards= lists " + sizes.length + " sizes for " + hosts.length + " servers");
        }
        if (Arrays.stream(sizes).sum() != n) {
            throw bad(url, "shards=" + join(sizes) + " adds up to " + Arrays.stream(sizes).sum() + ", not num_envs=" + n);
        }
        if (Arrays.stream(sizes).anyMatch(x -> x < 1)) {
            throw bad(url, "every server needs at least one env: num_envs=" + n + " over " + hosts.length
                    + " servers gives " + join(sizes) + "; use more envs or fewer servers");
        }
        List<VectorEnv> made = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        try {
            int offset = 0;
            for (int j = 0; j < hosts.length; j++) {
                ConnectionUrl u = ConnectionUrl.parse(scheme + hosts[j] + tail, base);
                MakeOptions.Builder b = u.options().toBuilder().numEnvs(sizes[j]);
                if (u.options().seed() != null) {
                    b.seed(u.options().seed() + offset); // Gymnasium's rule over the whole vector
                }
                GymBridgeClient client = GymBridgeClient.open(u);
                try {
                    made.add(client.makeSession(u.envId(), b.build(), client, null, true));
                } catch (RuntimeException e) {
                    client.close();
                    throw e;
                }
                targets.add(u.grpcTarget());
                offset += sizes[j];
            }
            return new ShardedVectorEnv(made, targets);
        } catch (RuntimeException e) {
            made.forEach(VectorEnv::close);
            throw e;
        }
    }

    static int[] evenShards(int n, int k) {
        int[] out = new int[k];
        for (int j = 0; j < k; j++) {
            out[j] = n / k + (j < n % k ? 1 : 0);
        }
        return out;
    }

    private static int[] parseShards(String v, String url) {
        try {
            return Arrays.stream(v.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
        } catch (NumberFormatException e) {
            throw bad(url, "shards=" + v + " is not a list of integers like shards=48,16");
        }
    }

    private static String join(int[] a) {
        return String.join(",", Arrays.stream(a).mapToObj(Integer::toString).toList());
    }

    private static IllegalArgumentException bad(String url, String problem) {
        return new IllegalArgumentException("malformed gymbridge URL '" + ConnectionSettings.shown(url.trim()) + "': "
                + problem);
    }

    // ------------------------------------------------------------------------------------------------ VectorEnv

    @Override
    public int numEnvs() {
        return numEnvs;
    }

    @Override
    public Space observationSpace() {
        return observationSpace;
    }

    @Override
    public Space actionSpace() {
        return actionSpace;
    }

    @Override
    public Space singleObservationSpace() {
        return singleObservationSpace;
    }

    @Override
    public Space singleActionSpace() {
        return singleActionSpace;
    }

    @Override
    public EnvSpec spec() {
        return shards.get(0).spec();
    }

    @Override
    public AutoresetMode autoresetMode() {
        return shards.get(0).autoresetMode();
    }

    /** Shard {@code j}'s own vector env (its envs {@code offset(j)} onwards). */
    VectorEnv shard(int j) {
        return shards.get(j);
    }

    /** The first env of shard {@code j}. */
    int offset(int j) {
        return offsets[j];
    }

    @Override
    public ResetResult reset() {
        return mergeResets(onEveryShard(j -> answer(() -> shards.get(j).reset())));
    }

    @Override
    public ResetResult reset(long seed) {
        return mergeResets(onEveryShard(j -> answer(() -> shards.get(j).reset(seed + offsets[j]))));
    }

    @Override
    public ResetResult reset(long[] seeds) {
        if (seeds.length != numEnvs) {
            throw new IllegalArgumentException("reset(seeds) needs one seed per env: " + numEnvs + " seeds, got " + seeds.length);
        }
        return mergeResets(onEveryShard(j -> answer(() -> shards.get(j).reset(Arrays.copyOfRange(seeds, offsets[j], offsets[j + 1])))));
    }

    @Override
    public ResetResult reset(long[] seeds, boolean[] resetMask, Map<String, Object> options) {
        if (seeds != null && seeds.length != numEnvs || resetMask != null && resetMask.length != numEnvs) {
            throw new IllegalArgumentException("reset needs one seed and one mask entry per env (" + numEnvs + ")");
        }
        List<Answer<ResetResult>> parts = onEveryShard(j -> {
            boolean[] mask = resetMask == null ? null : Arrays.copyOfRange(resetMask, offsets[j], offsets[j + 1]);
            if (mask != null && !anyTrue(mask)) {
                return null; // nothing to reset on this server: its envs keep their state and observations
            }
            long[] s = seeds == null ? null : Arrays.copyOfRange(seeds, offsets[j], offsets[j + 1]);
            return answer(() -> shards.get(j).reset(s, mask, options));
        });
        return mergeResets(parts);
    }

    @Override
    public StepResult step(Value actions) {
        if (actions == null) {
            throw new IllegalArgumentException("actions must not be null; pass a value of actionSpace(), e.g. actionSpace().sample(rng)");
        }
        List<Answer<StepResult>> answers = onEveryShard(j -> answer(
                () -> shards.get(j).step(slice(singleActionSpace, actions, offsets[j], offsets[j + 1]))));
        double[] rewards = new double[numEnvs];
        boolean[] terminated = new boolean[numEnvs];
        boolean[] truncated = new boolean[numEnvs];
        List<Value> obs = new ArrayList<>();
        List<DictValue> infos = new ArrayList<>();
        List<Map<List<String>, DType>> firstDtypes = new ArrayList<>();
        for (int j = 0; j < answers.size(); j++) {
            StepResult r = answers.get(j).result();
            firstDtypes.add(answers.get(j).firstDtypes());
            System.arraycopy(r.rewards(), 0, rewards, offsets[j], r.rewards().length);
            System.arraycopy(r.terminated(), 0, terminated, offsets[j], r.terminated().length);
            System.arraycopy(r.truncated(), 0, truncated, offsets[j], r.truncated().length);
            obs.add(r.observations());
            infos.add(r.infos());
            lastObservations.set(j, r.observations());
        }
        return new StepResult(concat(singleObservationSpace, obs), rewards, terminated, truncated,
                mergeInfos(infos, sizes(), firstDtypes, List.of()));
    }

    @Override
    public java.util.concurrent.CompletableFuture<StepResult> stepAsync(Value actions) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> step(actions), pool);
    }

    @Override
    public Value render() {
        List<Value> frames = onEveryShard(j -> shards.get(j).render());
        if (frames.get(0) instanceof Tensor) {
            return concatTensors(frames.stream().map(f -> (Tensor) f).toList());
        }
        return concatLists(frames);
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (VectorEnv s : shards) {
            try {
                s.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        pool.shutdownNow();
        if (first != null) {
            throw first;
        }
    }

    // --------------------------------------------------------------------------------------------- plumbing

    private int[] sizes() {
        int[] out = new int[shards.size()];
        for (int j = 0; j < out.length; j++) {
            out[j] = offsets[j + 1] - offsets[j];
        }
        return out;
    }

    /** Runs {@code call(j)} for every shard at once; every answer in shard order, or the first failure named. */
    private <T> List<T> onEveryShard(Function<Integer, T> call) {
        List<Future<T>> futures = new ArrayList<>();
        for (int j = 0; j < shards.size(); j++) {
            int shard = j;
            futures.add(pool.submit(() -> call.apply(shard)));
        }
        List<T> out = new ArrayList<>();
        RuntimeException first = null;
        for (int j = 0; j < futures.size(); j++) {
            try {
                out.add(futures.get(j).get());
            } catch (ExecutionException e) {
                out.add(null);
                if (first == null) {
                    first = named(j, e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GymBridgeException("interrupted while waiting for the shards", io.grpc.Status.Code.CANCELLED, "");
            }
        }
        if (first != null) {
            throw first;
        }
        return out;
    }

    private RuntimeException named(int j, Throwable cause) {
        String where = "shard " + j + " (envs " + offsets[j] + ".." + (offsets[j + 1] - 1) + " on " + targets.get(j) + ")";
        if (cause instanceof GymBridgeException g) {
            return new GymBridgeException(where + " failed; the other shards are unaffected: " + g.getMessage(),
                    g.code(), g.reason(), g);
        }
        if (cause instanceof RuntimeException r) {
            return r;
        }
        return new GymBridgeException(where + " failed: " + cause, io.grpc.Status.Code.UNKNOWN, "", cause);
    }

    private ResetResult mergeResets(List<Answer<ResetResult>> parts) {
        List<DictValue> infos = new ArrayList<>();
        List<Map<List<String>, DType>> firstDtypes = new ArrayList<>();
        for (int j = 0; j < parts.size(); j++) {
            ResetResult r = parts.get(j) == null ? null : parts.get(j).result();
            if (r != null) {
                lastObservations.set(j, r.observations());
            }
            infos.add(r == null ? DictValue.empty() : r.infos());
            firstDtypes.add(r == null ? Map.of() : parts.get(j).firstDtypes());
        }
        return new ResetResult(concat(singleObservationSpace, lastObservations),
                mergeInfos(infos, sizes(), firstDtypes, List.of()));
    }

    /** A shard's answer and the info keys its server sent uncast, with the dtype its first env gave each. */
    private record Answer<T>(T result, Map<List<String>, DType> firstDtypes) {
    }

    /** Runs a shard's call on this thread and keeps what its server said about the dtypes of its infos. */
    private static <T> Answer<T> answer(java.util.function.Supplier<T> call) {
        RemoteVectorEnv.forgetInfoDtypes();
        T result = call.get();
        return new Answer<>(result, RemoteVectorEnv.lastInfoDtypes());
    }

    private static boolean anyTrue(boolean[] a) {
        for (boolean b : a) {
            if (b) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTensorSpace(Space s) {
        return s instanceof Box || s instanceof org.gymbridge.spaces.Discrete || s instanceof MultiDiscrete
                || s instanceof MultiBinary;
    }

    /** Envs {@code lo..hi-1} of a batched value of the single-env {@code space} (Gymnasium's batch_space layout). */
    static Value slice(Space space, Value v, int lo, int hi) {
        if (space instanceof DictSpace d && v instanceof DictValue dv) {
            Map<String, Value> out = new LinkedHashMap<>();
            dv.entries().forEach((k, x) -> out.put(k, d.spaces().containsKey(k) ? slice(d.spaces().get(k), x, lo, hi) : x));
            return new DictValue(out);
        }
        if (space instanceof TupleSpace ts && v instanceof TupleValue tv && tv.size() == ts.spaces().size()) {
            List<Value> out = new ArrayList<>();
            for (int i = 0; i < tv.size(); i++) {
                out.add(slice(ts.get(i), tv.get(i), lo, hi));
            }
            return new TupleValue(out);
        }
        if (v instanceof Tensor t) {
            return sliceRows(t, lo, hi);
        }
        if (v instanceof TupleValue t) {
            return new TupleValue(t.items().subList(lo, hi));
        }
        if (v instanceof TextValue t) {
            return new TextValue(t.items().subList(lo, hi));
        }
        if (v instanceof ListValue l) {
            return new ListValue(l.items().subList(lo, hi));
        }
        return v;
    }

    static Tensor sliceRows(Tensor t, int lo, int hi) {
        long[] shape = t.shape().clone();
        long perRow = shape[0] == 0 ? 0 : t.size() / shape[0] * t.dtype().itemSize();
        shape[0] = hi - lo;
        ByteBuffer view = t.data().slice((int) (lo * perRow), (int) ((hi - lo) * perRow));
        return Tensor.of(t.dtype(), shape, view);
    }

    /** Consecutive shards' batched values of the single-env {@code space} as one batch. */
    static Value concat(Space space, List<Value> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        if (space instanceof DictSpace d) {
            Map<String, Value> out = new LinkedHashMap<>();
            for (String k : ((DictValue) parts.get(0)).entries().keySet()) {
                out.put(k, concat(d.spaces().get(k), parts.stream().map(p -> ((DictValue) p).get(k)).toList()));
            }
            return new DictValue(out);
        }
        if (space instanceof TupleSpace ts) {
            List<Value> out = new ArrayList<>();
            for (int i = 0; i < ts.spaces().size(); i++) {
                int item = i;
                out.add(concat(ts.get(i), parts.stream().map(p -> ((TupleValue) p).get(item)).toList()));
            }
            return new TupleValue(out);
        }
        if (isTensorSpace(space)) {
            return concatTensors(parts.stream().map(p -> (Tensor) p).toList());
        }
        return concatLists(parts);
    }

    private static Value concatLists(List<Value> parts) {
        if (parts.get(0) instanceof TextValue) {
            List<String> out = new ArrayList<>();
            parts.forEach(p -> out.addAll(((TextValue) p).items()));
            return new TextValue(out);
        }
        List<Value> out = new ArrayList<>();
        for (Value p : parts) {
            if (p instanceof TupleValue t) {
                out.addAll(t.items());
            } else if (p instanceof ListValue l) {
                out.addAll(l.items());
            }
        }
        return parts.get(0) instanceof ListValue ? new ListValue(out) : new TupleValue(out);
    }

    /** numpy.concatenate on axis 0 of same-dtype tensors (the result has the first one's dtype otherwise, as astype). */
    static Tensor concatTensors(List<Tensor> parts) {
        return concatTensors(parts, parts.get(0).dtype());
    }

    /** numpy.concatenate on axis 0, then astype(dtype). */
    static Tensor concatTensors(List<Tensor> parts, DType dtype) {
        Tensor first = parts.get(0);
        long rows = 0;
        for (Tensor t : parts) {
            if (t.rank() == 0 || !Arrays.equals(Arrays.copyOfRange(t.shape(), 1, t.rank()),
                    Arrays.copyOfRange(first.shape(), 1, first.rank()))) {
                throw new IllegalArgumentException("cannot join shards' batches of shapes " + Arrays.toString(first.shape())
                        + " and " + Arrays.toString(t.shape()));
            }
            rows += t.dim(0);
        }
        long[] shape = first.shape().clone();
        shape[0] = rows;
        long total = 0;
        for (Tensor t : parts) {
            total += t.size();
        }
        ByteBuffer out = ByteBuffer.allocate((int) (total * dtype.itemSize())).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : parts) {
            out.put((t.dtype() == dtype ? t : cast(t, dtype)).data().duplicate());
        }
        out.flip();
        return Tensor.of(dtype, shape, out.asReadOnlyBuffer());
    }

    /** numpy's astype for numbers: floats to integers truncate toward zero, anything non-zero to bool is true. */
    private static Tensor cast(Tensor t, DType to) {
        long[] shape = t.shape();
        int n = (int) t.size();
        if (to == DType.BOOL) {
            boolean[] b = new boolean[n];
            for (int i = 0; i < n; i++) {
                b[i] = t.getDouble(i) != 0;
            }
            return Tensor.ofBools(b, shape);
        }
        if (to.isFloating()) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = t.getDouble(i);
            }
            return Tensor.fromDoubles(to, d, shape);
        }
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = t.dtype().isFloating() ? (long) t.getDouble(i) : t.getLong(i);
        }
        return Tensor.fromLongs(to, l, shape);
    }

    /**
     * Shards' vector infos as one (Gymnasium's layout): keys in order of first appearance, batches joined in env
     * order; a shard without a key adds zeros (None for object batches, an empty dict's entries alike) and a false
     * {@code _key} mask, as Gymnasium leaves envs that did not report it. A key gets the dtype of the first env
     * reporting it: its shard's batch dtype, or, when that shard's envs disagreed and its server sent the batch
     * uncast, the dtype in that shard's {@code firstDtypes} (keyed by the path of nested keys).
     */
    static DictValue mergeInfos(List<DictValue> parts, int[] sizes, List<Map<List<String>, DType>> firstDtypes,
                                List<String> path) {
        List<String> keys = new ArrayList<>();
        for (DictValue p : parts) {
            for (String k : p.entries().keySet()) {
                if (!keys.contains(k)) {
                    keys.add(k);
                }
            }
        }
        Map<String, Value> out = new LinkedHashMap<>();
        for (String key : keys) {
            Value first = null;
            List<String> keyPath = new ArrayList<>(path);
            keyPath.add(key);
            DType firstDtype = null;
            for (int j = 0; j < parts.size(); j++) {
                if (parts.get(j).has(key)) {
                    first = parts.get(j).get(key);
                    firstDtype = firstDtypes.get(j).get(keyPath);
                    break;
                }
            }
            if (first instanceof DictValue) {
                List<DictValue> nested = new ArrayList<>();
                for (DictValue p : parts) {
                    nested.add(p.has(key) && p.get(key) instanceof DictValue d ? d : DictValue.empty());
                }
                out.put(key, mergeInfos(nested, sizes, firstDtypes, keyPath));
                continue;
            }
            if (first instanceof Tensor ft) {
                DType dtype = firstDtype != null ? firstDtype : ft.dtype();
                List<Tensor> chunks = new ArrayList<>();
                for (int j = 0; j < parts.size(); j++) {
                    DictValue p = parts.get(j);
                    if (p.has(key)) {
                        chunks.add((Tensor) p.get(key));
                    } else {
                        long[] shape = ft.shape().clone();
                        shape[0] = sizes[j];
                        chunks.add(Tensor.zeros(dtype, shape));
                    }
                }
                out.put(key, concatTensors(chunks, dtype));
                continue;
            }
            if (first instanceof TextValue && parts.stream().allMatch(p -> p.has(key) && p.get(key) instanceof TextValue)) {
                List<String> strings = new ArrayList<>();
                parts.forEach(p -> strings.addAll(((TextValue) p.get(key)).items()));
                out.put(key, new TextValue(strings));
                continue;
            }
            List<Value> items = new ArrayList<>();
            for (int j = 0; j < parts.size(); j++) {
                DictValue p = parts.get(j);
                Value v = p.has(key) ? p.get(key) : null;
                if (v instanceof ListValue l) {
                    items.addAll(l.items());
                } else if (v instanceof TupleValue t) {
                    items.addAll(t.items());
                } else if (v instanceof TextValue t) {
                    t.items().forEach(x -> items.add(TextValue.of(x)));
                } else {
                    for (int i = 0; i < sizes[j]; i++) {
                        items.add(NoneValue.INSTANCE);
                    }
                }
            }
            out.put(key, new ListValue(items));
        }
        return new DictValue(out);
    }

    /** The batched space of all shards: their batched spaces joined on axis 0, following the single space. */
    static Space concatSpaces(Space single, List<Space> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        if (single instanceof DictSpace d) {
            Map<String, Space> out = new LinkedHashMap<>();
            for (String k : d.spaces().keySet()) {
                out.put(k, concatSpaces(d.spaces().get(k), parts.stream().map(p -> ((DictSpace) p).spaces().get(k)).toList()));
            }
            return new DictSpace(out);
        }
        if (single instanceof TupleSpace ts) {
            List<Space> out = new ArrayList<>();
            for (int i = 0; i < ts.spaces().size(); i++) {
                int item = i;
                out.add(concatSpaces(ts.get(i), parts.stream().map(p -> ((TupleSpace) p).get(item)).toList()));
            }
            return new TupleSpace(out);
        }
        Space first = parts.get(0);
        if (first instanceof Box b) {
            Tensor low = concatTensors(parts.stream().map(p -> ((Box) p).low()).toList());
            Tensor high = concatTensors(parts.stream().map(p -> ((Box) p).high()).toList());
            return new Box(b.dtype(), low.shape(), low, high);
        }
        if (first instanceof MultiDiscrete m) {
            return new MultiDiscrete(concatTensors(parts.stream().map(p -> ((MultiDiscrete) p).nvec()).toList()),
                    concatTensors(parts.stream().map(p -> ((MultiDiscrete) p).start()).toList()), m.dtype());
        }
        if (first instanceof MultiBinary mb) {
            long[] shape = mb.shape().clone();
            shape[0] = parts.stream().mapToLong(p -> ((MultiBinary) p).shape()[0]).sum();
            return new MultiBinary(shape);
        }
        List<Space> out = new ArrayList<>();
        parts.forEach(p -> out.addAll(((TupleSpace) p).spaces()));
        return new TupleSpace(out);
    }
}
