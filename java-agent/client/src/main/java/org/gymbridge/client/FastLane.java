package org.gymbridge.client;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import org.gymbridge.proto.v1.SessionRequest;
import org.gymbridge.proto.v1.SessionResponse;

/**
 * The same-host fast lane of one session stream: the same {@link SessionRequest}/{@link SessionResponse}
 * messages as the gRPC {@code Session} stream, each framed as a 4-byte little-endian length plus the
 * serialized message, over the unix socket the server names in its handshake
 * ({@code Capabilities.fast_lane}). The server dispatches them exactly like the gRPC stream, so only the
 * per-message cost changes (grpcio's ~260 us become a few tens of microseconds). Used transparently by
 * {@link SessionStream} when the server is on this host; disabled with the system property
 * {@code gymbridge.fastLane=false} or the environment variable {@code GYMBRIDGE_FAST_LANE=0}.
 *
 * <p>One reader thread per connection completes responses (so pipelined {@code stepAsync} works as on
 * gRPC); writes come from the stream's (synchronized) sender.
 */
final class FastLane implements AutoCloseable {
    static final String PROPERTY = "gymbridge.fastLane";
    static final String ENV_VAR = "GYMBRIDGE_FAST_LANE";

    private final SocketChannel channel;
    private final int maxMessageBytes;
    private ByteBuffer out = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN); // guarded by this
    // Received, not yet parsed bytes (read mode: position..limit); used by the handshake, then the reader thread only.
    private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN).limit(0);
    private volatile boolean closed;
    private volatile GymBridgeClient owner; // whose close() ends this connection too

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
    FastLane(Path socket, String token, int maxMessageBytes, Consumer<SessionResponse> onResponse,
             Consumer<IOException> onEnd) throws IOException {
        this.maxMessageBytes = maxMessageBytes;
        this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            byte[] t = token == null ? new byte[0] : token.getBytes(StandardCharsets.UTF_8);
            ByteBuffer preface = ByteBuffer.allocate(4 + t.length).order(ByteOrder.LITTLE_ENDIAN).putInt(t.length).put(t);
            writeFully(preface.flip());
            SessionResponse hello = readFrame();
            if (hello == null) {
                throw new IOException("the fast lane closed during its handshake");
            }
            if (hello.hasError()) {
                throw new Refused(hello.getError());
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        Thread reader = new Thread(() -> readLoop(onResponse, onEnd), "gymbridge-fastlane-reader");
        reader.setDaemon(true);
        reader.start();
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
     * wrong token the usual way.
     */
    static FastLane open(GymBridgeClient client, Consumer<SessionResponse> onResponse, Consumer<IOException> onEnd) {
        Path p = eligible(client.target(), client.fastLanePath());
        if (p == null) {
            return null;
        }
        try {
            FastLane lane = new FastLane(p, client.fastLaneToken(), client.options().maxMessageBytes(), onResponse, onEnd);
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

    static boolean disabled() {
        String prop = System.getProperty(PROPERTY);
        String env = System.getenv(ENV_VAR);
        return "false".equalsIgnoreCase(prop) || "0".equals(prop) || "false".equalsIgnoreCase(env) || "0".equals(env);
    }

    /** Sends one request (caller serializes sends). */
    synchronized void send(SessionRequest request) throws IOException {
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
    void halfClose() {
        try {
            channel.shutdownOutput();
        } catch (IOException ignored) {
            close();
        }
    }

    /** Whether the connection has ended. */
    boolean isClosed() {
        return closed;
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
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private void readLoop(Consumer<SessionResponse> onResponse, Consumer<IOException> onEnd) {
        IOException failure = null;
        try {
            SessionResponse r;
            while ((r = readFrame()) != null) {
                onResponse.accept(r);
            }
        } catch (IOException e) {
            failure = closed ? null : e;
        } finally {
            close();
            onEnd.accept(failure);
        }
    }

    /**
     * The next response, or null at a clean end of the connection. Reads go through one buffer, so a
     * small response (header and body together) costs one system call; a large body is read straight
     * into its array.
     */
    private SessionResponse readFrame() throws IOException {
        if (!fill(4)) {
            return null;
        }
        int n = in.getInt(in.position());
        if (n < 0 || n > maxMessageBytes) {
            throw new IOException("fast lane: a " + Integer.toUnsignedString(n) + "-byte response exceeds this client's "
                    + maxMessageBytes + "-byte message limit (ClientOptions.withMaxMessageBytes)");
        }
        in.position(in.position() + 4);
        // A fresh array per response: the parsed message's tensor bytes alias it (no second copy).
        byte[] body = new byte[n];
        int have = Math.min(in.remaining(), n);
        in.get(body, 0, have);
        ByteBuffer rest = ByteBuffer.wrap(body, have, n - have);
        while (rest.hasRemaining()) {
            if (channel.read(rest) < 0) {
                throw new IOException("fast lane: the connection ended inside a message");
            }
        }
        CodedInputStream cis = CodedInputStream.newInstance(body);
        cis.enableAliasing(true);
        cis.setSizeLimit(Integer.MAX_VALUE);
        return SessionResponse.parseFrom(cis);
    }

    /** At least {@code k} unread bytes in {@link #in}; false at a clean end of the connection. */
    private boolean fill(int k) throws IOException {
        while (in.remaining() < k) {
            in.compact();
            int r = channel.read(in);
            in.flip();
            if (r < 0) {
                if (in.remaining() == 0) {
                    return false;
                }
                throw new IOException("fast lane: the connection ended inside a message");
            }
        }
        return true;
    }
}
