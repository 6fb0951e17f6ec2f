package org.gymbridge.client;

import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.Snapshot;
import org.gymbridge.env.EnvSpec;
import org.gymbridge.env.ResetResult;
import org.gymbridge.env.StepResult;
import org.gymbridge.env.TabularModel;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.proto.v1.CloseRequest;
import org.gymbridge.proto.v1.GetModelRequest;
import org.gymbridge.proto.v1.GetModelResponse;
import org.gymbridge.proto.v1.MakeRequest;
import org.gymbridge.proto.v1.MakeResponse;
import org.gymbridge.proto.v1.ReleaseSnapshotRequest;
import org.gymbridge.proto.v1.RenderRequest;
import org.gymbridge.proto.v1.ResetRequest;
import org.gymbridge.proto.v1.RestoreRequest;
import org.gymbridge.proto.v1.SessionRequest;
import org.gymbridge.proto.v1.SessionResponse;
import org.gymbridge.proto.v1.SnapshotRequest;
import org.gymbridge.proto.v1.StepRequest;
import org.gymbridge.proto.v1.StepResponse;
import org.gymbridge.spaces.Space;
import org.gymbridge.tensor.Value;

/** A {@link VectorEnv} backed by a server session; reset/step/render travel on its session stream. */
final class RemoteVectorEnv implements VectorEnv {
    private final GymBridgeClient client;
    private final AutoCloseable owned; // the client (and its local server) when this env owns it, else null
    private volatile String sessionId; // replaced when on_crash=recreate makes a new session
    private final int numEnvs;
    private final Space observationSpace;
    private final Space actionSpace;
    private final Space singleObservationSpace;
    private final Space singleActionSpace;
    private final EnvSpec spec;
    private final AutoresetMode autoresetMode;
    private final SessionStream stream;
    private final boolean ownsStream; // false: the stream is shared (PipelinedEnvPool's groups)
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile MakeRequest makeRequest; // how this session was made, for on_crash=recreate
    private final java.util.concurrent.atomic.AtomicInteger recoveries = new java.util.concurrent.atomic.AtomicInteger();
    private volatile TabularModel model; // fetched on first use; the model never changes
    private final Object recoveryLock = new Object();
    private long generation; // guarded by recoveryLock: recoveries started
    private CompletableFuture<ResetResult> recovery; // guarded by recoveryLock: the latest recovery

    RemoteVectorEnv(GymBridgeClient client, MakeResponse r, AutoCloseable owned, SessionStream shared) {
        this.client = client;
        this.owned = owned;
        this.sessionId = r.getSessionId();
        this.numEnvs = r.getNumEnvs();
        this.observationSpace = Wire.fromProto(r.getObservationSpace());
        this.actionSpace = Wire.fromProto(r.getActionSpace());
        this.singleObservationSpace = Wire.fromProto(r.getSingleObservationSpace());
        this.singleActionSpace = Wire.fromProto(r.getSingleActionSpace());
        this.spec = Wire.fromProto(r.getSpec());
        this.autoresetMode = Wire.fromProto(r.getAutoresetMode());
        this.ownsStream = shared == null;
        this.stream = shared == null ? new SessionStream(client) : shared;
    }

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
        return spec;
    }

    @Override
    public AutoresetMode autoresetMode() {
        return autoresetMode;
    }

    /** The server's id of this session. */
    String sessionId() {
        return sessionId;
    }

    GymBridgeClient client() {
        return client;
    }

    @Override
    public ResetResult reset() {
        return reset(ResetRequest.newBuilder().setSessionId(sessionId));
    }

    @Override
    public ResetResult reset(long seed) {
        return reset(ResetRequest.newBuilder().setSessionId(sessionId).setSeed(seed));
    }

    @Override
    public ResetResult reset(long[] seeds) {
        if (seeds.length != numEnvs) {
            throw new IllegalArgumentException("reset(seeds) needs one seed per env: " + numEnvs + " seeds, got "
                    + seeds.length);
        }
        ResetRequest.Builder b = ResetRequest.newBuilder().setSessionId(sessionId);
        for (long s : seeds) {
            b.addSeeds(s);
        }
        return reset(b);
    }

    @Override
    public ResetResult reset(long[] seeds, boolean[] resetMask, java.util.Map<String, Object> options) {
        ResetRequest.Builder b = ResetRequest.newBuilder().setSessionId(sessionId);
        if (seeds != null) {
            if (seeds.length != numEnvs) {
                throw new IllegalArgumentException("reset needs one seed per env: " + numEnvs + " seeds, got " + seeds.length);
            }
            for (long s : seeds) {
                b.addSeeds(s);
            }
        }
        if (resetMask != null) {
            if (resetMask.length != numEnvs) {
                throw new IllegalArgumentException("resetMask needs one entry per env: " + numEnvs + ", got "
                        + resetMask.length);
            }
            for (boolean m : resetMask) {
                b.addResetMask(m);
            }
        }
        if (options != null) {
            b.putAllOptions(Wire.toArgs(options));
        }
        return reset(b);
    }

    private ResetResult reset(ResetRequest.Builder req) {
        checkOpen();
        SessionResponse r = stream.call(SessionRequest.newBuilder().setReset(req), "reset");
        if (r.hasError()) {
            GymBridgeException e = Errors.fromProto(r.getError(), false);
            if (!(e instanceof SessionNotFoundException) || !recreating()) {
                throw e;
            }
            remake(e); // the server lost the session (idle timeout, restart): make it again, then reset
            r = stream.call(SessionRequest.newBuilder().setReset(req.setSessionId(sessionId)), "reset");
            if (r.hasError()) {
                throw Errors.fromProto(r.getError(), false);
            }
        }
        LAST_INFO_DTYPES.set(infoDtypes(r.getReset().getInfoDtypesList()));
        return new ResetResult(Wire.fromProto(r.getReset().getObservations()), Wire.infosFromProto(r.getReset().getInfos()));
    }

    @Override
    public StepResult step(Value actions) {
        long generation = generation();
        try {
            return toStepResult(stream.await(sendStep(actions, true), "step"));
        } catch (GymBridgeException e) {
            return recovered(e, generation);
        }
    }

    private boolean recreating() {
        return client.options().onCrash() == ClientOptions.CrashPolicy.RECREATE && makeRequest != null;
    }

    /** Remembers how the session was made, so that on_crash=recreate can make it again. */
    void rememberMake(MakeRequest request) {
        this.makeRequest = request;
    }

    /** How many times on_crash=recreate recovered this env. */
    int recoveries() {
        return recoveries.get();
    }

    /**
     * How many recoveries have started; a step remembers it when it is sent, so that a step sent before a
     * recovery and failed by the same crash is recovered by it instead of resetting the env again.
     */
    long generation() {
        synchronized (recoveryLock) {
            return generation;
        }
    }

    /**
     * The result of a step that failed with {@code cause}, sent at {@code sentGeneration}: on_crash=recreate
     * turns a crashed env or a lost session into a recovered step (see {@link #recoveryOf}), waiting for the
     * recovery on this thread; anything else is thrown.
     */
    StepResult recovered(GymBridgeException cause, long sentGeneration) {
        CompletableFuture<ResetResult> fresh = recoveryOf(cause, sentGeneration, Runnable::run);
        if (fresh == null) {
            throw cause;
        }
        try {
            return recoveredStep(fresh.join(), cause);
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof GymBridgeException g ? g : e;
        }
    }

    /**
     * The recovery that answers a step failed with {@code cause} and sent at {@code sentGeneration}, or null
     * when the failure is not recovered (the caller throws it). Called in the order the answers arrive, so the
     * first failure of a crash starts the recovery (on {@code runner}) and the steps pipelined behind it, which
     * the server fails too (env crashed, reset required, session not found), share it.
     */
    private CompletableFuture<ResetResult> recoveryOf(GymBridgeException cause, long sentGeneration,
                                                      java.util.concurrent.Executor runner) {
        boolean lost = cause instanceof EnvCrashedException || cause instanceof SessionNotFoundException;
        if (!recreating() || !(lost || cause instanceof ResetRequiredException)) {
            return null;
        }
        synchronized (recoveryLock) {
            if (generation > sentGeneration) {
                return recovery; // sent before the env was recreated: failed by the same crash
            }
            if (!lost) {
                return null; // a step without a reset, not a crash
            }
            generation++;
            recovery = CompletableFuture.supplyAsync(() -> restart(cause), runner);
            return recovery;
        }
    }

    /**
     * on_crash=recreate: the env crashed (the session survives and needs a reset, which restarts its workers)
     * or the session is gone (a new one is made); either way the env is reset.
     */
    private synchronized ResetResult restart(GymBridgeException cause) {
        ResetResult fresh;
        try {
            if (cause instanceof SessionNotFoundException) {
                remake(cause);
            }
            fresh = reset();
        } catch (GymBridgeException again) {
            again.addSuppressed(cause);
            throw again;
        }
        recoveries.incrementAndGet();
        System.getLogger(RemoteVectorEnv.class.getName()).log(System.Logger.Level.WARNING,
                "gymbridge: recovered " + spec.envId() + " (session " + sessionId + ") after: " + cause.getMessage());
        return fresh;
    }

    /**
     * A failed step as on_crash=recreate returns it: the fresh observations with every env truncated, so the
     * episode bookkeeping of a trainer stays right, and infos saying why.
     */
    private StepResult recoveredStep(ResetResult fresh, GymBridgeException cause) {
        boolean[] truncated = new boolean[numEnvs];
        java.util.Arrays.fill(truncated, true);
        java.util.LinkedHashMap<String, org.gymbridge.tensor.Value> infos = new java.util.LinkedHashMap<>(fresh.infos().entries());
        infos.put("gymbridge_recovered", org.gymbridge.tensor.Tensor.ofBools(truncated, numEnvs));
        infos.put("gymbridge_error", org.gymbridge.tensor.TextValue.of(cause.getMessage()));
        return new StepResult(fresh.observations(), new double[numEnvs], new boolean[numEnvs], truncated,
                new org.gymbridge.tensor.DictValue(infos));
    }

    /** Makes a new session like the lost one and switches this env to it. */
    private synchronized void remake(GymBridgeException cause) {
        MakeResponse r;
        try {
            r = client.blockingStub(true).make(makeRequest);
        } catch (RuntimeException e) {
            GymBridgeException g = client.translate(e, "re-making " + spec.envId() + " after the session was lost");
            g.addSuppressed(cause);
            throw g;
        }
        sessionId = r.getSessionId();
    }

    @Override
    public CompletableFuture<StepResult> stepAsync(Value actions) {
        long sentGeneration = generation();
        return sendStep(actions, false).thenApply(RemoteVectorEnv::toStepResult).exceptionallyCompose(t -> {
            Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
            // Decided on the thread that delivers the answers, in their order; the recovery itself makes calls
            // on this env's stream, so it runs on a thread of its own.
            CompletableFuture<ResetResult> fresh = c instanceof GymBridgeException g
                    ? recoveryOf(g, sentGeneration, RemoteVectorEnv::onRecoveryThread) : null;
            return fresh == null ? CompletableFuture.failedFuture(t)
                    : fresh.thenApply(f -> recoveredStep(f, (GymBridgeException) c));
        });
    }

    private static void onRecoveryThread(Runnable recovery) {
        Thread t = new Thread(recovery, "gymbridge-recover");
        t.setDaemon(true);
        t.start();
    }

    /**
     * For {@link PipelinedEnvPool}: sends a step whose answer the pool waits for itself (reading it on its own
     * thread on the fast lane) instead of a reader thread; {@link #toStepResult} turns it into the result.
     */
    PendingResponse sendStepReadByCaller(Value actions) {
        return sendStep(actions, true);
    }

    /** Sends a step; {@code awaited}: the caller awaits it itself (SessionStream.await / awaitAny). */
    private PendingResponse sendStep(Value actions, boolean awaited) {
        checkOpen();
        if (actions == null) {
            throw new IllegalArgumentException("actions must not be null; pass a value of actionSpace(), "
                    + "e.g. actionSpace().sample(rng)");
        }
        StepRequest.Builder step = StepRequest.newBuilder().setSessionId(sessionId).setActions(Wire.toProto(actions));
        return stream.send(SessionRequest.newBuilder().setStep(step), "step", awaited);
    }

    /**
     * For a session made with exact infos (a {@link ShardedVectorEnv}'s shard): the info keys (as paths into the
     * nested info dicts) that the last reset or step answered on this thread sent uncast, each with the dtype
     * the server's vector env would have cast it to. Empty when nothing was widened.
     */
    static Map<List<String>, org.gymbridge.tensor.DType> lastInfoDtypes() {
        return LAST_INFO_DTYPES.get();
    }

    /** Forgets {@link #lastInfoDtypes} on this thread (before a call whose answer it should describe). */
    static void forgetInfoDtypes() {
        LAST_INFO_DTYPES.remove();
    }

    private static final ThreadLocal<Map<List<String>, org.gymbridge.tensor.DType>> LAST_INFO_DTYPES =
            ThreadLocal.withInitial(Map::of);

    private static Map<List<String>, org.gymbridge.tensor.DType> infoDtypes(List<org.gymbridge.proto.v1.InfoDtype> entries) {
        if (entries.isEmpty()) {
            return Map.of();
        }
        Map<List<String>, org.gymbridge.tensor.DType> out = new java.util.HashMap<>();
        for (org.gymbridge.proto.v1.InfoDtype e : entries) {
            out.put(List.copyOf(e.getKeyList()), Wire.fromProto(e.getDtype()));
        }
        return out;
    }

    static StepResult toStepResult(SessionResponse r) {
        if (r.hasError()) {
            throw Errors.fromProto(r.getError(), true);
        }
        StepResponse s = r.getStep();
        LAST_INFO_DTYPES.set(infoDtypes(s.getInfoDtypesList()));
        return new StepResult(Wire.fromProto(s.getObservations()),
                Wire.fromProto(s.getRewards()).toDoubleArray(),
                Wire.fromProto(s.getTerminated()).toBoolArray(),
                Wire.fromProto(s.getTruncated()).toBoolArray(),
                Wire.infosFromProto(s.getInfos()));
    }

    @Override
    public Value render() {
        checkOpen();
        SessionResponse r = stream.call(SessionRequest.newBuilder()
                .setRender(RenderRequest.newBuilder().setSessionId(sessionId)), "render");
        if (r.hasError()) {
            throw Errors.fromProto(r.getError(), false);
        }
        return Wire.fromProto(r.getRender().getFrames());
    }

    @Override
    public TabularModel model() {
        TabularModel m = model;
        if (m != null) {
            return m;
        }
        checkOpen();
        GetModelResponse r;
        try {
            r = client.blockingStub(false).getModel(GetModelRequest.newBuilder().setSessionId(sessionId).build());
        } catch (RuntimeException e) {
            throw client.translate(e, "getting the model of " + spec.envId());
        }
        int n = r.getStateCount();
        int[] nextState = new int[n];
        double[] probability = new double[n];
        double[] reward = new double[n];
        boolean[] done = new boolean[n];
        for (int k = 0; k < n; k++) {
            probability[k] = r.getProbability(k);
            nextState[k] = r.getNextState(k);
            reward[k] = r.getReward(k);
            done[k] = r.getDone(k);
        }
        try {
            m = new TabularModel(r.getNumStates(), r.getNumActions(),
                    r.getStateList().stream().mapToInt(Integer::intValue).toArray(),
                    r.getActionList().stream().mapToInt(Integer::intValue).toArray(),
                    probability, nextState, reward, done);
        } catch (IllegalArgumentException e) {
            throw new GymBridgeException("the server sent a malformed model of " + spec.envId() + ": " + e.getMessage(),
                    Status.Code.INTERNAL, "PROTOCOL_ERROR", e);
        }
        model = m;
        return m;
    }

    @Override
    public Snapshot snapshot(int envIndex) {
        checkOpen();
        checkIndex(envIndex);
        SessionResponse r = stream.call(SessionRequest.newBuilder().setSnapshot(
                SnapshotRequest.newBuilder().setSessionId(sessionId).setEnvIndex(envIndex)), "snapshot");
        if (r.hasError()) {
            throw Errors.fromProto(r.getError(), false);
        }
        return new RemoteSnapshot(this, sessionId, r.getSnapshot().getSnapshotId(), envIndex);
    }

    @Override
    public void restore(int envIndex, Snapshot snapshot) {
        restore(envIndex, snapshot, null);
    }

    @Override
    public void restore(int envIndex, Snapshot snapshot, long reseed) {
        restore(envIndex, snapshot, Long.valueOf(reseed));
    }

    private void restore(int envIndex, Snapshot snapshot, Long reseed) {
        checkOpen();
        RestoreRequest.Builder b = restoreRequest(envIndex, snapshot, reseed);
        SessionResponse r = stream.call(SessionRequest.newBuilder().setRestore(b), "restore");
        if (r.hasError()) {
            throw Errors.fromProto(r.getError(), false);
        }
    }

    private RestoreRequest.Builder restoreRequest(int envIndex, Snapshot snapshot, Long reseed) {
        checkIndex(envIndex);
        if (!(snapshot instanceof RemoteSnapshot s) || s.owner != this) {
            throw new IllegalArgumentException("restore needs a snapshot taken of this env (" + this + "), got " + snapshot);
        }
        if (s.isClosed()) {
            throw new IllegalStateException("snapshot " + s.id() + " was closed (released on the server); take a new one");
        }
        RestoreRequest.Builder b = RestoreRequest.newBuilder().setSessionId(s.sessionId).setEnvIndex(envIndex)
                .setSnapshotId(s.id());
        if (reseed != null) {
            b.setReseed(reseed);
        }
        return b;
    }

    /** One Snapshot request for every env (SnapshotRequest.env_indices): all or none are taken. */
    @Override
    public Snapshot[] snapshotAll() {
        checkOpen();
        SnapshotRequest.Builder b = SnapshotRequest.newBuilder().setSessionId(sessionId);
        for (int i = 0; i < numEnvs; i++) {
            b.addEnvIndices(i);
        }
        SessionResponse r = stream.call(SessionRequest.newBuilder().setSnapshot(b), "snapshot");
        if (r.hasError()) {
            throw Errors.fromProto(r.getError(), false);
        }
        if (r.getSnapshot().getSnapshotIdsCount() != numEnvs) {
            throw new GymBridgeException("the server answered a snapshot of " + numEnvs + " envs with "
                    + r.getSnapshot().getSnapshotIdsCount() + " ids; it predates batched snapshots: update gymbridge-server",
                    Status.Code.UNIMPLEMENTED, "PROTOCOL_ERROR", null);
        }
        Snapshot[] out = new Snapshot[numEnvs];
        for (int i = 0; i < numEnvs; i++) {
            out[i] = new RemoteSnapshot(this, sessionId, r.getSnapshot().getSnapshotIds(i), i);
        }
        return out;
    }

    /** One Restore request for every env (RestoreRequest.env_indices): every pair is checked before any env moves. */
    @Override
    public void restoreAll(Snapshot[] snapshots, long[] reseeds) {
        checkOpen();
        if (snapshots.length != numEnvs || reseeds != null && reseeds.length != numEnvs) {
            throw new IllegalArgumentException("restoreAll needs one snapshot (and one reseed) per env: " + numEnvs
                    + " envs, " + snapshots.length + " snapshots" + (reseeds == null ? "" : ", " + reseeds.length + " reseeds"));
        }
        RestoreRequest.Builder b = RestoreRequest.newBuilder().setSessionId(sessionId);
        for (int i = 0; i < numEnvs; i++) {
            RestoreRequest.Builder one = restoreRequest(i, snapshots[i], null);
            b.addEnvIndices(i).addSnapshotIds(one.getSnapshotId());
            if (reseeds != null) {
                b.addReseeds(reseeds[i]);
            }
        }
        SessionResponse r = stream.call(SessionRequest.newBuilder().setRestore(b), "restore");
        if (r.hasError()) {
            throw Errors.fromProto(r.getError(), false);
        }
    }

    /** Frees these snapshots in one ReleaseSnapshot request (closed ones and nulls are skipped). */
    @Override
    public void releaseAll(Snapshot... snapshots) {
        ReleaseSnapshotRequest.Builder b = ReleaseSnapshotRequest.newBuilder().setSessionId(sessionId);
        for (Snapshot x : snapshots) {
            if (x == null) {
                continue;
            }
            if (!(x instanceof RemoteSnapshot s) || s.owner != this) {
                throw new IllegalArgumentException("releaseAll needs snapshots taken of this env (" + this + "), got " + x);
            }
            if (s.released.compareAndSet(false, true) && s.sessionId.equals(sessionId)) {
                b.addSnapshotIds(s.id());
            }
        }
        if (b.getSnapshotIdsCount() == 0 || closed.get()) {
            return;
        }
        SessionResponse r = stream.call(SessionRequest.newBuilder().setReleaseSnapshot(b), "release snapshot");
        if (r.hasError()) {
            GymBridgeException e = Errors.fromProto(r.getError(), false);
            if (!(e instanceof SessionNotFoundException)) {
                throw e;
            }
        }
    }

    /** Frees a snapshot on the server; nothing to do once the env is closed (its session took them along). */
    void release(RemoteSnapshot s) {
        if (closed.get() || !s.sessionId.equals(sessionId)) {
            return;
        }
        SessionResponse r = stream.call(SessionRequest.newBuilder().setReleaseSnapshot(
                ReleaseSnapshotRequest.newBuilder().setSessionId(s.sessionId).addSnapshotIds(s.id())), "release snapshot");
        if (r.hasError()) {
            GymBridgeException e = Errors.fromProto(r.getError(), false);
            if (!(e instanceof SessionNotFoundException)) {
                throw e;
            }
        }
    }

    private void checkIndex(int envIndex) {
        if (envIndex < 0 || envIndex >= numEnvs) {
            throw new IndexOutOfBoundsException("env index " + envIndex + " is not in 0.." + (numEnvs - 1));
        }
    }

    /** A snapshot handle of this env's session. */
    private static final class RemoteSnapshot implements Snapshot {
        final RemoteVectorEnv owner;
        final String sessionId;
        private final long id;
        private final int envIndex;
        private final AtomicBoolean released = new AtomicBoolean();

        RemoteSnapshot(RemoteVectorEnv owner, String sessionId, long id, int envIndex) {
            this.owner = owner;
            this.sessionId = sessionId;
            this.id = id;
            this.envIndex = envIndex;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public int envIndex() {
            return envIndex;
        }

        @Override
        public boolean isClosed() {
            return released.get();
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                owner.release(this);
            }
        }

        @Override
        public String toString() {
            return "Snapshot(" + id + " of env " + envIndex + ", session " + sessionId + ")";
        }
    }

    /**
     * Closes the session on the server (after any pipelined steps), then the stream, then the client if
     * this env owns it. A session the server no longer has, or a server that is gone, counts as closed.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            closeSession();
        } finally {
            if (ownsStream) {
                stream.finish(); // a shared stream is finished by its owner (PipelinedEnvPool)
            }
            if (owned != null) {
                try {
                    owned.close();
                } catch (Exception e) {
                    throw new GymBridgeException("closing the connection failed: " + e.getMessage(),
                            Status.Code.INTERNAL, "", e);
                }
            }
        }
    }

    private void closeSession() {
        try {
            if (stream.isOpen()) {
                SessionResponse r = stream.call(SessionRequest.newBuilder()
                        .setClose(CloseRequest.newBuilder().setSessionId(sessionId)), "close");
                if (r.hasError()) {
                    throw Errors.fromProto(r.getError(), false);
                }
            } else {
                client.blockingStub(false).close(CloseRequest.newBuilder().setSessionId(sessionId).build());
            }
        } catch (SessionNotFoundException | ServerUnavailableException gone) {
            // Already closed on the server, or the server is gone (and the session with it).
        } catch (GymBridgeException e) {
            throw e;
        } catch (RuntimeException e) {
            GymBridgeException g = client.translate(e, "closing session " + sessionId);
            if (!(g instanceof SessionNotFoundException) && !(g instanceof ServerUnavailableException)) {
                throw g;
            }
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this VectorEnv (" + spec.envId() + ", session " + sessionId + ") is closed");
        }
    }

    @Override
    public String toString() {
        return "VectorEnv(" + spec.envId() + " x" + numEnvs + ", session " + sessionId + " on " + client.target() + ")";
    }
}
