package org.gymbridge.client;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.gymbridge.env.AutoresetMode;
import org.gymbridge.env.Env;
import org.gymbridge.env.VectorEnv;
import org.gymbridge.proto.v1.EnvServiceGrpc;
import org.gymbridge.proto.v1.HandshakeRequest;
import org.gymbridge.proto.v1.HandshakeResponse;
import org.gymbridge.proto.v1.ListEnvsRequest;
import org.gymbridge.proto.v1.ListEnvsResponse;
import org.gymbridge.proto.v1.MakeRequest;
import org.gymbridge.proto.v1.MakeResponse;
import org.gymbridge.proto.v1.ProtocolVersion;

/**
 * A connection to one gymbridge server: handshake, list env ids, make envs. Many envs can share one
 * client (one gRPC channel); closing the client closes its channel and, for {@code local:}, stops the
 * server it started. Envs made here are closed by the caller; {@link GymBridge#makeVec(String)} is the
 * one-liner that owns its client.
 *
 * <pre>{@code
 * try (GymBridgeClient client = GymBridge.connect("local:")) {
 *     System.out.println(client.handshake().libraryVersions());
 *     try (VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(4).build())) { ... }
 * }
 * }</pre>
 */
public final class GymBridgeClient implements AutoCloseable {
    /** The wire protocol this client speaks. */
    public static final int PROTOCOL_VERSION = ProtocolVersion.PROTOCOL_VERSION_1_VALUE;
    /** Reported to the server in the handshake. */
    public static final String CLIENT_VERSION = "0.1.0";
    static final String SERVICE_NAME = "gymbridge.v1.EnvService";

    private final String target;
    private final ManagedChannel channel;
    private final LocalServer server; // null unless this client started a local: server
    private final ClientOptions options;
    private final EnvServiceGrpc.EnvServiceBlockingStub blocking;
    private final EnvServiceGrpc.EnvServiceStub async;
    private final ServerInfo serverInfo;
    private volatile boolean closed;
    private volatile String fastLanePath = ""; // Capabilities.fast_lane of the last handshake
    private volatile int fastLanePort; // Capabilities.fast_lane_port of the last handshake (0: none)
    // Open fast-lane connections of this client's streams: closed with the client, like gRPC streams with the channel.
    final java.util.Set<FastLane> lanes = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final java.util.Set<TlsLane> tlsLanes = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean fastLaneTls; // Capabilities.fast_lane_tls of the last handshake

    private GymBridgeClient(String target, ManagedChannel channel, LocalServer server, ClientOptions options) {
        this.target = target;
        this.channel = channel;
        this.server = server;
        this.options = options;
        this.blocking = EnvServiceGrpc.newBlockingStub(channel);
        this.async = EnvServiceGrpc.newStub(channel);
        ServerInfo info;
        try {
            if (server != null) {
                awaitHealthy();
            }
            info = handshake();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.serverInfo = info;
    }

    /** Connects as the URL says (its env id and options, if any, are ignored); starts a server for local:. */
    static GymBridgeClient open(ConnectionUrl url) {
        ClientOptions options = url.clientOptions();
        if (url.scheme() == ConnectionUrl.Scheme.LOCAL) {
            LocalServer server = LocalServer.start(null, List.of(), options.serverStartTimeout(), options.token());
            try {
                return new GymBridgeClient(server.address(), channel(server.address(), options), server, options);
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
        }
        String target = url.grpcTarget();
        return new GymBridgeClient(target, channel(target, options), null, options);
    }

    /**
     * Starts a private server with extra flags (e.g. "--max-sessions", "2"), on the unix socket
     * {@code socketPath} or, when it is null, a free loopback port; the returned client owns it.
     */
    static GymBridgeClient startLocal(String socketPath, List<String> extraArgs, ClientOptions options) {
        LocalServer server = LocalServer.start(socketPath, extraArgs, options.serverStartTimeout(), options.token());
        try {
            return new GymBridgeClient(server.address(), channel(server.address(), options), server, options);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * A channel to "host:port" or "unix:/path" that accepts messages up to the configured size: plaintext
     * or TLS, with the bearer token on every call when one is configured, and keepalive pings (every 30 s,
     * 10 s to answer, also between calls) so a dead server or network is noticed by open streams.
     */
    static ManagedChannel channel(String target, ClientOptions options) {
        ChannelCredentials creds = credentials(options);
        ManagedChannelBuilder<?> b;
        if (target.startsWith("unix:")) {
            String path = target.substring("unix:".length());
            if (path.startsWith("//")) {
                path = path.substring(2);
            }
            // grpc-netty-shaded serves unix: targets through its epoll domain-socket transport.
            b = Grpc.newChannelBuilder("unix://" + Path.of(path).toAbsolutePath(), creds);
            if (b instanceof io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder netty) {
                // grpc-netty sets SO_KEEPALIVE on every channel, and Netty logs a WARN for each unix-domain
                // channel, which has no such option; null removes it (the HTTP/2 keepalive pings below remain).
                netty.withOption(io.grpc.netty.shaded.io.netty.channel.ChannelOption.SO_KEEPALIVE, null);
            }
        } else {
            int colon = target.lastIndexOf(':');
            String host = target.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = Integer.parseInt(target.substring(colon + 1));
            b = Grpc.newChannelBuilderForAddress(host, port, creds);
        }
        return b.maxInboundMessageSize(options.maxMessageBytes()).userAgent("gymbridge-java/" + CLIENT_VERSION)
                // The server permits pings every >= 10 s, even without calls in flight.
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .build();
    }

    /** Plaintext or TLS (trusting the CA file, else the JVM's trust store), plus the bearer token if any. */
    static ChannelCredentials credentials(ClientOptions options) {
        ChannelCredentials base = InsecureChannelCredentials.create();
        if (options.tls()) {
            TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
            Path ca = options.effectiveCaFile();
            if (ca != null) {
                try {
                    tls.trustManager(ca.toFile());
                } catch (java.io.IOException | RuntimeException e) {
                    throw new IllegalArgumentException("cannot read the CA file " + ca + " (ca= / " + ClientOptions.CA_ENV
                            + "): " + e.getMessage() + "; it must be a PEM file with the certificate(s) to trust", e);
                }
            }
            base = tls.build();
        }
        String token = options.effectiveToken();
        return token == null ? base : CompositeChannelCredentials.create(base, new BearerToken(token));
    }

    /** Exchanges versions with the server; fails clearly if the protocol versions are incompatible. */
    public ServerInfo handshake() {
        HandshakeResponse r;
        try {
            r = blockingStub(false).handshake(HandshakeRequest.newBuilder()
                    .setProtocolVersion(PROTOCOL_VERSION)
                    .setClientName("gymbridge-java")
                    .setClientVersion(CLIENT_VERSION)
                    .build());
        } catch (RuntimeException e) {
            throw translate(e, "handshake with " + target);
        }
        fastLanePath = r.getCapabilities().getFastLane();
        fastLanePort = r.getCapabilities().getFastLanePort();
        fastLaneTls = r.getCapabilities().getFastLaneTls();
        return serverInfo(r, target);
    }

    /** The server's handshake answer as a ServerInfo; a clear error if its protocol range excludes ours. */
    static ServerInfo serverInfo(HandshakeResponse r, String target) {
        int min = r.getMinProtocolVersion() == 0 ? r.getProtocolVersion() : r.getMinProtocolVersion();
        if (r.getProtocolVersion() < PROTOCOL_VERSION || min > PROTOCOL_VERSION) {
            throw new GymBridgeException("protocol mismatch: this client speaks gymbridge protocol " + PROTOCOL_VERSION
                    + " but the server at " + target + " (gymbridge-server " + r.getServerVersion() + ") speaks "
                    + min + ".." + r.getProtocolVersion() + "; use matching versions of gymbridge-client and "
                    + "gymbridge-server", Status.Code.FAILED_PRECONDITION, "PROTOCOL_MISMATCH");
        }
        List<AutoresetMode> modes = new ArrayList<>();
        r.getCapabilities().getAutoresetModesList().forEach(m -> modes.add(Wire.fromProto(m)));
        return new ServerInfo(r.getProtocolVersion(), min, r.getServerVersion(), r.getLibraryVersionsMap(), modes,
                r.getCapabilities().getMaxMessageBytes(), r.getCapabilities().getMaxSessions(),
                r.getCapabilities().getMaxEnvsPerSession(), r.getCapabilities().getSnapshotFamiliesList(),
                r.getCapabilities().getMaxSnapshotsPerSession());
    }

    /** What the server said in the handshake made when connecting. */
    public ServerInfo serverInfo() {
        return serverInfo;
    }

    /** Every env id the server can make, sorted. */
    public List<EnvInfo> listEnvs() {
        return listEnvs("");
    }

    /** The env ids starting with {@code prefix}, sorted. */
    public List<EnvInfo> listEnvs(String prefix) {
        return listEnvs(prefix, false);
    }

    /**
     * The env ids starting with {@code prefix} ("" for all), sorted. With {@code withSpaces} the server
     * makes each env once (cached on the server; the first listing of all ids takes seconds) and reports
     * its spaces and render modes, and also lists the ids it knows but cannot make here (e.g. Crafter
     * or MineRL without their package) with the reason in {@link EnvInfo#unavailable()}.
     */
    public List<EnvInfo> listEnvs(String prefix, boolean withSpaces) {
        ListEnvsResponse r;
        try {
            // Listing with spaces makes every env once: give it the make deadline, not a call's.
            r = blockingStub(withSpaces).listEnvs(ListEnvsRequest.newBuilder()
                    .setPrefix(prefix == null ? "" : prefix).setWithSpaces(withSpaces).build());
        } catch (RuntimeException e) {
            throw translate(e, "listing envs");
        }
        List<EnvInfo> out = new ArrayList<>();
        for (org.gymbridge.proto.v1.EnvInfo e : r.getEnvsList()) {
            out.add(new EnvInfo(e.getEnvId(), e.getEntryPoint(), e.getMaxEpisodeSteps(),
                    e.hasObservationSpace() ? Wire.fromProto(e.getObservationSpace()) : null,
                    e.hasActionSpace() ? Wire.fromProto(e.getActionSpace()) : null,
                    e.getRenderModesList(), e.getUnavailable(), e.getSnapshots(), e.getSnapshotUnsupported()));
        }
        return out;
    }

    /** Makes a vector env of {@code options.numEnvs()} copies of {@code envId}. Close it when done. */
    public VectorEnv makeVec(String envId, MakeOptions options) {
        return makeSession(envId, options, null);
    }

    /**
     * Makes one env (a session with one copy, autoreset disabled unless the options set it, like a plain
     * gymnasium.Env). Close it when done.
     */
    public Env make(String envId, MakeOptions options) {
        MakeOptions.Builder b = options.toBuilder().numEnvs(1);
        if (options.autoreset() == null) {
            b.autoreset(AutoresetMode.DISABLED);
        }
        return new SingleEnv(makeSession(envId, b.build(), null));
    }

    RemoteVectorEnv makeSession(String envId, MakeOptions options, AutoCloseable owned) {
        return makeSession(envId, options, owned, null);
    }

    /** {@code stream}: the session stream its requests go on, shared with other sessions (null: its own). */
    RemoteVectorEnv makeSession(String envId, MakeOptions options, AutoCloseable owned, SessionStream stream) {
        return makeSession(envId, options, owned, stream, false);
    }

    /**
     * {@code exactInfos}: the session sends an info key whose envs disagree on a dtype uncast, with the dtype
     * its vector env would have cast it to ({@link RemoteVectorEnv#lastInfoDtypes}); for {@link ShardedVectorEnv}.
     */
    RemoteVectorEnv makeSession(String envId, MakeOptions options, AutoCloseable owned, SessionStream stream,
                                boolean exactInfos) {
        Objects.requireNonNull(envId, "envId");
        if (envId.isEmpty()) {
            throw new IllegalArgumentException("no env id given; name one, e.g. local:CartPole-v1 or "
                    + "grpc://host:50051/CartPole-v1 (listEnvs() shows what the server has)");
        }
        checkOpen();
        MakeRequest.Builder req = MakeRequest.newBuilder()
                .setEnvId(envId)
                .setNumEnvs(options.numEnvs())
                .putAllKwargs(Wire.toArgs(options.kwargs()))
                .setAutoresetMode(Wire.toProto(options.autoreset()))
                .setMaxEpisodeSteps(options.maxEpisodeSteps());
        for (MakeOptions.Wrapper w : options.wrappers()) {
            req.addWrappers(org.gymbridge.proto.v1.WrapperSpec.newBuilder().setName(w.name())
                    .putAllKwargs(Wire.toArgs(w.kwargs())));
        }
        if (options.seed() != null) {
            req.setSeed(options.seed());
        }
        if (options.renderMode() != null) {
            req.setRenderMode(options.renderMode());
        }
        if (options.vectorization() != null) {
            req.setVectorization(options.vectorization());
        }
        if (options.numWorkers() > 0) {
            req.setNumWorkers(options.numWorkers());
        }
        if (options.placement() != null) {
            req.setPlacement(options.placement());
        }
        req.setExactInfos(exactInfos);
        MakeResponse r;
        try {
            r = blocking.withDeadlineAfter(this.options.makeTimeout().toMillis(), TimeUnit.MILLISECONDS).make(req.build());
        } catch (RuntimeException e) {
            throw translate(e, "making " + envId);
        }
        RemoteVectorEnv env = new RemoteVectorEnv(this, r, owned, stream);
        env.rememberMake(req.build());
        return env;
    }

    /**
     * Whether this client's session streams take the server's fast lane (the same messages over a unix
     * socket, or over its TCP fast-lane port, bypassing grpcio's per-message cost) rather than gRPC: true when
     * the server offers one this client can use (the unix socket: on this host; the TCP port: without TLS),
     * and the lane is not disabled ({@code -Dgymbridge.fastLane=false} or
     * {@code GYMBRIDGE_FAST_LANE=0}). Everything else always uses gRPC.
     */
    public boolean fastLane() {
        return FastLane.address(this) != null || FastLane.tlsAddress(this) != null;
    }

    /** Whether the server's TCP fast lane speaks TLS (it does when the server serves gRPC with TLS). */
    boolean fastLaneTls() {
        return fastLaneTls;
    }

    /** The TCP fast-lane port the server advertised in the handshake (0 for none). */
    int fastLanePort() {
        return fastLanePort;
    }

    /** The fast-lane socket the server advertised in the handshake ("" for none). */
    String fastLanePath() {
        return fastLanePath;
    }

    /** The bearer token the fast lane presents (the one gRPC calls carry), or null. */
    String fastLaneToken() {
        return options.effectiveToken();
    }

    /** Where this client is connected: "host:port" or "unix:/path". */
    public String target() {
        return target;
    }

    /** Whether this client started (and will stop) a private server process. */
    public boolean ownsServer() {
        return server != null;
    }

    /** The local server process this client started, if any (for tests and tools). */
    java.util.Optional<Process> serverProcess() {
        return server == null ? java.util.Optional.empty() : java.util.Optional.of(server.process());
    }

    ClientOptions options() {
        return options;
    }

    /** The last stderr lines of the local server this client started ("" for a server it did not start). */
    String serverStderrTail() {
        return server == null ? "" : server.stderrTail();
    }

    EnvServiceGrpc.EnvServiceBlockingStub blockingStub(boolean make) {
        long ms = (make ? options.makeTimeout() : options.callTimeout()).toMillis();
        return blocking.withDeadlineAfter(ms, TimeUnit.MILLISECONDS);
    }

    EnvServiceGrpc.EnvServiceStub asyncStub() {
        return async;
    }

    /** The typed exception for a failed call; mentions a local server's death and its stderr. */
    GymBridgeException translate(Throwable t, String what) {
        GymBridgeException e = Errors.fromGrpc(t, what);
        if (server != null && e instanceof ServerUnavailableException && !server.process().isAlive()) {
            return server.failure("exited (code " + server.process().exitValue() + ") while " + what, t);
        }
        return e;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this GymBridgeClient (" + target + ") is closed");
        }
    }

    /** Waits until the server's health service reports SERVING (a local server just printed READY). */
    private void awaitHealthy() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        long deadline = System.nanoTime() + options.serverStartTimeout().toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                HealthCheckResponse r = health.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.newBuilder().setService(SERVICE_NAME).build());
                if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
                if (!server.process().isAlive()) {
                    break;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw server.failure("did not report SERVING on grpc.health.v1", last);
    }

    /** Closes the channel and stops a local server this client started. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        lanes.forEach(FastLane::close);
        tlsLanes.forEach(TlsLane::close);
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @Override
    public String toString() {
        return "GymBridgeClient(" + target + (server != null ? ", local server pid " + server.process().pid() : "") + ")";
    }
}
