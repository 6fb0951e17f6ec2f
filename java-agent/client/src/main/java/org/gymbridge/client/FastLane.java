package org.gymbridge.client;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.gymbridge.proto.v1.SessionRequest;
import org.gymbridge.proto.v1.SessionResponse;

/**
 * The same-host fast lane of one session stream: the same {@link SessionRequest}/{@link SessionResponse}
 * messages as the gRPC {@code Session} stream, each framed as a 4-byte little-endian length plus the
 * serialized message, over the unix socket the server names in its handshake
 * ({@code Capabilities.fast_lane}). The server dispatches them exactly like the gRPC stream, so only the
 * per-message cost changes (grpcio's ~260 us become a few tens of microseconds). The {@link Transport} of a
 * {@link SessionStream} whose server is on this host; disabled with the system property
 * {@code gymbridge.fastLane=false} or the environment variable {@code GYMBRIDGE_FAST_LANE=0}. A server started
 * with {@code --fast-lane-port} offers the same framing on a TCP port for clients on other hosts
 * ({@code Capabilities.fast_lane_port}; plaintext, so a TLS client never uses it, unless the server speaks TLS on
 * it too: {@link TlsLane}).
 *
 * <p>Who reads the socket: a thread that waits for its own answer ({@code step}, {@code reset} ...) reads it
 * itself ({@link #await}), so a synchronous round trip wakes one client thread, not a reader thread that
 * then wakes the caller (on this VM each wake-up costs tens of microseconds, a large share of a batched
 * step). Answers that nobody waits for in {@link #await} ({@code stepAsync}) are read by a reader thread that runs only while such requests are in flight. Either reader hands every response
 * to {@code onResponse}; one lock makes sure only one of them reads at a time. Writes come from the
 * stream's (synchronized) sender.
 *
 * <p>How a step's answer is awaited ({@link #awaitStep}): a thread blocked in {@code select} lets its vCPU
 * halt, and on this VM waking it costs ~60-90 us each way, a large share of a batched step (and a thread
 * that sleeps through most of the step and spins only near its end measured no better than blocking). So
 * the waiting thread polls the socket with non-blocking reads, yielding the CPU between polls (so a worker
 * process or policy thread that needs this core gets it), for up to {@code gymbridge.spinMicros}
 * (default 5000) after sending, then blocks; when the lane's last few steps all took longer than that, or
 * (number of cores - 1) threads of this JVM already poll, it blocks at once. The window is the system
 * property, else the environment variable {@code GYMBRIDGE_SPIN_US} (which sets the server's
 * {@code --spin-us} default too); 0 turns polling off.
 */
final class FastLane implements Transport, AutoCloseable {
    static final String PROPERTY = "gymbridge.fastLane";
    static final String ENV_VAR = "GYMBRIDGE_FAST_LANE";
    static final String SPIN_PROPERTY = "gymbridge.spinMicros";
    static final String SPIN_ENV_VAR = "GYMBRIDGE_SPIN_US";
    static final long DEFAULT_SPIN_MICROS = 5000;
    private static final int WINDOW = 8;
    // Threads of this JVM that may poll at once: one core stays for the server (and anything else); more
    // pollers would only take turns on the cores they share with it.
    private static final java.util.concurrent.Semaphore POLLERS =
            new java.util.concurrent.Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));

    private final SocketChannel channel;
    private final int maxMessageBytes;
    private ByteBuffer out = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN); // guarded by this
    // Received, not yet parsed bytes (read mode: position..limit); used by the handshake, then the reader thread only.
    private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN).limit(0);
    private volatile boolean closed;
    private volatile GymBridgeClient owner; // whose close() ends this connection too
    private final Consumer<SessionResponse> onResponse;
    private final Consumer<IOException> onEnd;
    private final AtomicBoolean ended = new AtomicBoolean();
    // Reading (after the handshake): non-blocking channel, readiness from a selector, one reader at a time.
    private Selector readSelector;
    private Selector writeSelector; // created when a write finds the socket buffer full
    private final ReentrantLock readLock = new ReentrantLock();
    // Partial frame being read (guarded by readLock): its body and how much of it has arrived.
    private byte[] body;
    private int bodyHave;
    // Requests whose answers no thread waits for in await(): the reader thread reads while there are any.
    private final Set<Long> asyncSeqs = ConcurrentHashMap.newKeySet();
    private final AtomicInteger asyncPending = new AtomicInteger();
    private final Object readerSignal = new Object();
    private Thread reader; // started with the first async request (or by halfClose)
    private volatile boolean draining; // half-closed: the reader reads until the server ends the connection
    private final long spinNanos = spinMicros() * 1000;
    // This lane's last WINDOW step round trips (guarded by readLock): the shortest predicts the next.
    private final long[] roundTrips = new long[WINDOW];
    private int roundTripCount;

    /** The server refused the connection (wrong token ...): the reason, as the server's Status. */
    static final class Refused extends IOException {
        final org.gymbridge.proto.v1.Status status;

        Refused(org.gymbridge.proto.v1.Status status) {
            super(status.getMessage());
            this.status = status;
        }
    }

    /**
     * Connects, sends the token preface and waits for the server's answer; then starts the reader,
     * which hands every response to {@code onResponse} and, once, the end of the connection to
     * {@code onEnd} (null: the server closed it; else the I/O error).
     */
    FastLane(java.net.SocketAddress address, String token, int maxMessageBytes, Consumer<SessionResponse> onResponse,
             Consumer<IOException> onEnd) throws IOException {
        this.maxMessageBytes = maxMessageBytes;
        boolean tcp = address instanceof java.net.InetSocketAddress;
        this.channel = tcp ? SocketChannel.open() : SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            if (tcp) {
                channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true); // a frame must not wait
            }
            channel.connect(address);
            byte[] t = token == null ? new byte[0] : token.getBytes(StandardCharsets.UTF_8);
            ByteBuffer preface = ByteBuffer.allocate(4 + t.length).order(ByteOrder.LITTLE_ENDIAN).putInt(t.length).put(t);
            writeFully(preface.flip());
            SessionResponse hello;
            try {
                // The channel still blocks here, so every read waits for data and the loop ends with the answer.
                do {
                    hello = pollFrame(true);
                } while (hello == null);
            } catch (EndOfLane e) {
                throw new IOException("the fast lane closed during its handshake");
            }
            if (hello.hasError()) {
                throw new Refused(hello.getError());
            }
            channel.configureBlocking(false);
            readSelector = Selector.open();
            channel.register(readSelector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (readSelector != null) {
                readSelector.close();
            }
            throw e;
        }
        this.onResponse = onResponse;
        this.onEnd = onEnd;
    }

    /**
     * The fast-lane socket to use for a server at {@code target} that advertised {@code advertised}, or
     * null: only for servers on this host (a unix: target or a loopback address), when the socket exists
     * and the lane is not disabled.
     */
    static Path eligible(String target, String advertised) {
        if (advertised == null || advertised.isEmpty() || disabled()) {
            return null;
        }
        String t = target.toLowerCase(Locale.ROOT);
        boolean sameHost = t.startsWith("unix:") || t.startsWith("127.") || t.startsWith("localhost:")
                || t.startsWith("[::1]:");
        Path p = Path.of(advertised);
        return sameHost && Files.exists(p) ? p : null;
    }

    /**
     * A fast lane for a session stream of {@code client}, or null when it has none (not offered, not on this
     * host, disabled) or it cannot be opened -- the stream then uses gRPC, which reports problems such as a
     * wrong token the usual way. The end of the connection reaches {@code receiver} as onCompleted (the server
     * closed it) or as an UNAVAILABLE onError (an I/O error).
     */
    /**
     * Where this client's fast lane is: the unix socket for a server on this host, else the server's TCP
     * fast-lane port when it offers one and the connection is plaintext (a TLS client never leaves TLS);
     * {@code gymbridge.fastLane=tcp} prefers the TCP port even on this host. Null for none.
     */
    static java.net.SocketAddress address(GymBridgeClient client) {
        if (disabled()) {
            return null;
        }
        boolean preferTcp = "tcp".equalsIgnoreCase(System.getProperty(PROPERTY));
        Path p = preferTcp ? null : eligible(client.target(), client.fastLanePath());
        if (p != null) {
            return UnixDomainSocketAddress.of(p);
        }
        String target = client.target();
        int port = client.fastLanePort();
        if (port <= 0 || client.options().tls() || client.fastLaneTls() || target.startsWith("unix:")) {
            return null;
        }
        return tcpAddress(target, port);
    }

    /**
     * Where this client's TLS fast lane ({@link TlsLane}) is: the server's TCP fast-lane port when the client
     * uses TLS, the server's lane speaks TLS and there is no same-host unix lane to take instead. Null for none.
     */
    static java.net.InetSocketAddress tlsAddress(GymBridgeClient client) {
        if (disabled() || !client.options().tls() || !client.fastLaneTls() || client.fastLanePort() <= 0
                || client.target().startsWith("unix:")) {
            return null;
        }
        boolean preferTcp = "tcp".equalsIgnoreCase(System.getProperty(PROPERTY));
        if (!preferTcp && eligible(client.target(), client.fastLanePath()) != null) {
            return null;
        }
        return tcpAddress(client.target(), client.fastLanePort());
    }

    private static java.net.InetSocketAddress tcpAddress(String target, int port) {
        int colon = target.lastIndexOf(':');
        String host = target.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new java.net.InetSocketAddress(host, port);
    }

    static FastLane open(GymBridgeClient client, Receiver receiver) {
        java.net.SocketAddress p = address(client);
        if (p == null) {
            return null;
        }
        Consumer<IOException> onEnd = e -> {
            if (e == null) {
                receiver.onCompleted();
            } else {
                receiver.onError(unavailable(e));
            }
        };
        try {
            FastLane lane = new FastLane(p, client.fastLaneToken(), client.options().maxMessageBytes(),
                    receiver::onResponse, onEnd);
            lane.owner = client;
            client.lanes.add(lane);
            if (lane.closed) {
                client.lanes.remove(lane); // ended before it was registered
            }
            return lane;
        } catch (IOException e) {
            return null;
        }
    }

    /** The polling window in microseconds (system property, else environment variable, else the default). */
    static long spinMicros() {
        String v = System.getProperty(SPIN_PROPERTY);
        if (v == null) {
            v = System.getenv(SPIN_ENV_VAR);
        }
        if (v == null || v.isBlank()) {
            return DEFAULT_SPIN_MICROS;
        }
        try {
            return Math.max(0, Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SPIN_PROPERTY + " / " + SPIN_ENV_VAR + " must be a whole number of "
                    + "microseconds (0 turns polling off), got '" + v + "'");
        }
    }

    static boolean disabled() {
        String prop = System.getProperty(PROPERTY);
        String env = System.getenv(ENV_VAR);
        return "false".equalsIgnoreCase(prop) || "0".equals(prop) || "false".equalsIgnoreCase(env) || "0".equals(env);
    }

    private static RuntimeException unavailable(IOException e) {
        return io.grpc.Status.UNAVAILABLE.withDescription("fast lane: " + e.getMessage()).withCause(e).asRuntimeException();
    }

    /**
     * Sends one request (caller serializes sends). {@code awaited}: the caller will wait for the answer in
     * {@link #await} (and read it there); otherwise the reader thread reads it.
     */
    @Override
    public void send(SessionRequest request, boolean awaited) {
        try {
            write(request, awaited);
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    private synchronized void write(SessionRequest request, boolean awaited) throws IOException {
        if (!awaited) {
            asyncSeqs.add(request.getSeq());
            if (asyncPending.incrementAndGet() == 1) {
                startOrSignalReader();
            }
        }
        int size = request.getSerializedSize();
        if (out.capacity() < 4 + size) {
            out = ByteBuffer.allocateDirect(Math.max(4 + size, out.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
        }
        out.clear();
        out.putInt(size);
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        request.writeTo(cos);
        cos.flush();
        out.flip();
        writeFully(out);
    }

    /** No more requests: the server answers those in flight, then ends the connection (and its sessions). */
    @Override
    public void halfClose() {
        try {
            channel.shutdownOutput();
        } catch (IOException ignored) {
            close();
            return;
        }
        // Someone must read the last answers and the end of the connection (which closes the socket): the
        // reader thread, which now reads until the end.
        draining = true;
        startOrSignalReader();
    }

    /** Whether the connection has ended. */
    boolean isClosed() {
        return closed;
    }

    @Override
    public void cancel(String why) {
        close();
    }

    /** Ends the connection now; the server closes the sessions made on it. */
    @Override
    public void close() {
        closed = true;
        GymBridgeClient o = owner;
        if (o != null) {
            o.lanes.remove(this);
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
        // Closing a selector wakes a thread blocked in its select() (which then sees the close) and frees its
        // file descriptors.
        for (Selector sel : new Selector[] {readSelector, writeSelector}) {
            if (sel != null) {
                try {
                    sel.close();
                } catch (IOException ignored) {
                    // nothing left to release
                }
            }
        }
        Selector sel = readSelector;
        synchronized (readerSignal) {
            readerSignal.notifyAll();
        }
        if (sel != null && !readLock.isLocked()) {
            endOnce(null); // nobody is reading who would report the end
        }
    }

    /**
     * Waits up to {@code timeoutMs} for {@code f} (the future of an awaited request on this lane), reading
     * the socket on this thread when no other thread is reading it. Returns when {@code f} is done (also
     * when the connection ended: the end fails f); TimeoutException when the time ran out.
     */
    @Override
    public void await(PendingResponse f, long timeoutMs) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!f.isDone()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException();
            }
            if (readLock.tryLock()) {
                try {
                    PendingResponse step = f.step && spinNanos > 0 ? f : null;
                    if (step != null) {
                        awaitStep(step, deadline);
                    }
                    while (!f.isDone()) {
                        left = deadline - System.nanoTime();
                        if (left <= 0) {
                            throw new TimeoutException();
                        }
                        if (!readOne(left)) {
                            break; // ended
                        }
                    }
                    if (step != null && f.isDone() && !f.isCompletedExceptionally()) {
                        roundTrips[roundTripCount++ % WINDOW] = System.nanoTime() - step.sentNanos;
                    }
                } finally {
                    readLock.unlock();
                }
            } else {
                // The reader thread reads (async requests are in flight): it may read our answer too, or stop
                // when theirs are in; look again shortly.
                try {
                    f.get(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 2), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                    // done exceptionally (the caller's get reports it) or not yet: loop
                }
            }
            if (closed && !f.isDone()) {
                endOnce(null);
            }
        }
    }

    /**
     * The first part of waiting for a step's answer (holding readLock; see the class comment): poll the socket,
     * yielding the CPU between polls, until the answer is in or spinNanos have passed since the request went
     * out -- unless this lane's recent steps all took longer than that, then the caller blocks at once.
     */
    private void awaitStep(PendingResponse f, long deadline) {
        long shortest = Long.MAX_VALUE;
        for (int i = 0, n = Math.min(roundTripCount, WINDOW); i < n; i++) {
            shortest = Math.min(shortest, roundTrips[i]);
        }
        if (roundTripCount > 0 && shortest > spinNanos || !POLLERS.tryAcquire()) {
            return;
        }
        long end = Math.min(f.sentNanos + spinNanos, deadline);
        try {
            while (!f.isDone() && !closed) {
                SessionResponse r = pollFrame(true);
                if (r != null) {
                    deliver(r);
                } else if (System.nanoTime() - end >= 0) {
                    return;
                } else {
                    // Yield, not onSpinWait: a runnable thread that wants this CPU (a worker process stepping
                    // envs, a policy thread) gets it; on an otherwise idle core this returns at once.
                    Thread.yield();
                }
            }
        } catch (IOException | RuntimeException e) {
            ended(e);
        } finally {
            POLLERS.release();
        }
    }

    /** Starts the reader thread of async requests, or wakes it. */
    private void startOrSignalReader() {
        synchronized (readerSignal) {
            if (reader == null) {
                reader = new Thread(this::readerLoop, "gymbridge-fastlane-reader");
                reader.setDaemon(true);
                reader.start();
            } else {
                readerSignal.notifyAll();
            }
        }
    }

    /** The reader thread: reads while async requests are in flight, else waits for one. */
    private void readerLoop() {
        while (!closed) {
            synchronized (readerSignal) {
                while (asyncPending.get() == 0 && !draining && !closed) {
                    try {
                        readerSignal.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            readLock.lock();
            try {
                while ((asyncPending.get() > 0 || draining) && !closed) {
                    if (!readOne(TimeUnit.SECONDS.toNanos(1))) {
                        return;
                    }
                }
            } finally {
                readLock.unlock();
            }
        }
        endOnce(null);
    }

    /**
     * Reads and dispatches at most one response, waiting up to {@code timeoutNanos} for data (holding
     * readLock). True when the connection is still open (whether or not a frame came), false once it ended
     * (the end has been reported).
     */
    private boolean readOne(long timeoutNanos) {
        try {
            // A frame already in the buffer, else wait for the socket and read: no read attempt before the
            // wait, which right after a request would almost always find nothing (one system call per step).
            SessionResponse r = pollFrame(false);
            if (r == null) {
                long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                readSelector.select(ms);
                readSelector.selectedKeys().clear();
                if (closed) {
                    throw new IOException("closed");
                }
                r = pollFrame(true);
            }
            if (r != null) {
                deliver(r);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            ended(e);
            return false;
        }
    }

    /**
     * Waits for the oldest of {@code inSendOrder} (reading on this thread, as {@link #await}): groups of equal
     * size finish about in the order they were sent, and the others' answers are delivered as they come.
     */
    @Override
    public void awaitAny(List<PendingResponse> inSendOrder, long timeoutMs) throws TimeoutException, InterruptedException {
        await(inSendOrder.get(0), timeoutMs);
    }

    /**
     * Dispatches the responses that have fully arrived, without waiting, unless another thread is reading
     * (for {@link PipelinedEnvPool#recv}, which takes an answer that is in before it waits for one).
     */
    @Override
    public void poll() {
        if (!readLock.tryLock()) {
            return;
        }
        try {
            SessionResponse r;
            while ((r = pollFrame(true)) != null) {
                deliver(r);
            }
        } catch (IOException | RuntimeException e) {
            ended(e);
        } finally {
            readLock.unlock();
        }
    }

    /** Hands a response to the stream (completing its future); holding readLock. */
    private void deliver(SessionResponse r) {
        if (asyncSeqs.remove(r.getSeq())) {
            asyncPending.decrementAndGet();
        }
        onResponse.accept(r);
    }

    /**
     * A read failed: closes the connection and reports its end, once -- as a clean end (null) when the server
     * closed it between frames, it was closed here already, or the failure is not an I/O error.
     */
    private void ended(Exception e) {
        boolean wasClosed = closed;
        close();
        endOnce(e instanceof EndOfLane || wasClosed || !(e instanceof IOException io) ? null : io);
    }

    /** Reports the end of the connection to the stream, once. */
    private void endOnce(IOException failure) {
        if (ended.compareAndSet(false, true)) {
            onEnd.accept(failure);
        }
    }

    private static final class EndOfLane extends IOException {
        EndOfLane() {
            super("the server closed the fast lane");
        }
    }

    /**
     * The next response if all of it has arrived (reading what the socket has without blocking when
     * {@code mayRead}, else only what is buffered), else null. EndOfLane at a clean end of the connection
     * between frames.
     */
    private SessionResponse pollFrame(boolean mayRead) throws IOException {
        if (body == null) {
            if (in.remaining() < 4) {
                if (!mayRead) {
                    return null;
                }
                in.compact();
                int r = channel.read(in);
                in.flip();
                if (r < 0) {
                    if (in.remaining() == 0) {
                        throw new EndOfLane();
                    }
                    throw new IOException("fast lane: the connection ended inside a message");
                }
                if (in.remaining() < 4) {
                    return null;
                }
            }
            int n = in.getInt(in.position());
            if (n < 0 || n > maxMessageBytes) {
                throw new IOException("fast lane: a " + Integer.toUnsignedString(n) + "-byte response exceeds this client's "
                        + maxMessageBytes + "-byte message limit (ClientOptions.withMaxMessageBytes)");
            }
            in.position(in.position() + 4);
            // A fresh array per response: the parsed message's tensor bytes alias it (no second copy).
            body = new byte[n];
            bodyHave = Math.min(in.remaining(), n);
            in.get(body, 0, bodyHave);
        }
        if (bodyHave < body.length) {
            if (!mayRead) {
                return null;
            }
            ByteBuffer rest = ByteBuffer.wrap(body, bodyHave, body.length - bodyHave);
            int r = channel.read(rest);
            if (r < 0) {
                throw new IOException("fast lane: the connection ended inside a message");
            }
            bodyHave += r;
            if (bodyHave < body.length) {
                return null;
            }
        }
        byte[] b = body;
        body = null;
        CodedInputStream cis = CodedInputStream.newInstance(b);
        cis.enableAliasing(true);
        cis.setSizeLimit(Integer.MAX_VALUE);
        return SessionResponse.parseFrom(cis);
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.write(b) == 0 && b.hasRemaining()) {
                // Non-blocking after the handshake: the socket buffer is full (a large request); wait until
                // the server has read some of it.
                if (writeSelector == null) {
                    writeSelector = Selector.open();
                    channel.register(writeSelector, SelectionKey.OP_WRITE);
                }
                writeSelector.select(100);
                writeSelector.selectedKeys().clear();
                if (closed) {
                    throw new IOException("fast lane closed");
                }
            }
        }
    }
}
