package org.gymbridge.client;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.gymbridge.proto.v1.SessionRequest;
import org.gymbridge.proto.v1.SessionResponse;

/**
 * The TCP fast lane of a TLS server ({@code Capabilities.fast_lane_tls}): the fast lane's framing (4-byte
 * little-endian length + serialized message, the bearer token as the first frame) inside TLS, verified with the
 * same trust as the client's gRPC channel (the {@code ca=} file, else the JVM's trust store) and the same host
 * name check. A blocking TLS socket with one reader thread that hands every answer to the stream, as gRPC's
 * threads do; the plaintext lane's polling is left out, TLS records cost more than the wake-up it saves.
 */
final class TlsLane implements Transport, AutoCloseable {
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private final SSLSocket socket;
    private final OutputStream out;
    private final InputStream in;
    private final int maxMessageBytes;
    private volatile boolean closed;
    private volatile GymBridgeClient owner;

    /** Connects, completes the TLS handshake and the token preface; {@link FastLane.Refused} when refused. */
    TlsLane(InetSocketAddress address, SSLContext tls, String token, int maxMessageBytes) throws IOException {
        this.maxMessageBytes = maxMessageBytes;
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket();
        try {
            s.setTcpNoDelay(true); // a frame must not wait for the next
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS"); // the host name check gRPC does
            String host = address.getHostString();
            if (!host.isEmpty() && !Character.isDigit(host.charAt(0)) && !host.contains(":")) {
                p.setServerNames(List.of(new SNIHostName(host)));
            }
            s.setSSLParameters(p);
            s.connect(address, CONNECT_TIMEOUT_MS);
            s.setSoTimeout(CONNECT_TIMEOUT_MS);
            s.startHandshake();
            this.out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
            this.in = new BufferedInputStream(s.getInputStream(), 1 << 16);
            byte[] t = token == null ? new byte[0] : token.getBytes(StandardCharsets.UTF_8);
            writeFrame(t);
            SessionResponse hello = SessionResponse.parseFrom(readFrame());
            if (hello.hasError()) {
                throw new FastLane.Refused(hello.getError());
            }
            s.setSoTimeout(0);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        this.socket = s;
    }

    /**
     * The client's TLS trust for this lane: the CA file of its gRPC channel, else the JVM's default trust store.
     * An IllegalArgumentException naming the file when it cannot be read.
     */
    static SSLContext trust(ClientOptions options) {
        Path ca = options.effectiveCaFile();
        try {
            if (ca == null) {
                return SSLContext.getDefault();
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            try (InputStream pem = Files.newInputStream(ca)) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
                    store.setCertificateEntry("ca" + i++, c);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the CA file " + ca + " (ca= / " + ClientOptions.CA_ENV
                    + ") for the TLS fast lane: " + e.getMessage(), e);
        }
    }

    /**
     * Opens the TLS lane of {@code client}'s server and starts its reader, or null when it cannot be opened
     * (the stream then uses gRPC, which reports trust and token problems the usual way).
     */
    static TlsLane open(GymBridgeClient client, InetSocketAddress address, Receiver receiver) {
        TlsLane lane;
        try {
            lane = new TlsLane(address, trust(client.options()), client.fastLaneToken(), client.options().maxMessageBytes());
        } catch (IOException e) {
            System.getLogger(TlsLane.class.getName()).log(System.Logger.Level.DEBUG,
                    "TLS fast lane to " + address + " not opened, using gRPC: " + e);
            return null;
        }
        lane.owner = client;
        client.tlsLanes.add(lane);
        Thread reader = new Thread(() -> lane.readAll(receiver), "gymbridge-tls-lane");
        reader.setDaemon(true);
        reader.start();
        return lane;
    }

    private void readAll(Receiver receiver) {
        try {
            while (true) {
                byte[] body;
                try {
                    body = readFrame();
                } catch (EOFException e) {
                    close();
                    receiver.onCompleted();
                    return;
                }
                receiver.onResponse(SessionResponse.parseFrom(body));
            }
        } catch (IOException e) {
            boolean wasClosed = closed;
            close();
            if (!wasClosed) {
                receiver.onError(io.grpc.Status.UNAVAILABLE.withDescription("TLS fast lane: " + e.getMessage())
                        .withCause(e).asRuntimeException());
            } else {
                receiver.onCompleted();
            }
        }
    }

    private byte[] readFrame() throws IOException {
        byte[] h = in.readNBytes(4);
        if (h.length < 4) {
            throw new EOFException("the TLS fast lane closed");
        }
        int n = (h[0] & 0xff) | (h[1] & 0xff) << 8 | (h[2] & 0xff) << 16 | (h[3] & 0xff) << 24;
        if (n < 0 || n > maxMessageBytes) {
            throw new IOException("a " + Integer.toUnsignedString(n) + "-byte answer exceeds this client's "
                    + maxMessageBytes + "-byte message limit");
        }
        byte[] body = in.readNBytes(n);
        if (body.length < n) {
            throw new EOFException("the TLS fast lane closed within a frame");
        }
        return body;
    }

    private synchronized void writeFrame(byte[] body) throws IOException {
        int n = body.length;
        out.write(new byte[] {(byte) n, (byte) (n >>> 8), (byte) (n >>> 16), (byte) (n >>> 24)});
        out.write(body);
        out.flush();
    }

    @Override
    public void send(SessionRequest request, boolean awaited) {
        try {
            writeFrame(request.toByteArray());
        } catch (IOException e) {
            close();
            throw io.grpc.Status.UNAVAILABLE.withDescription("TLS fast lane: " + e.getMessage()).withCause(e)
                    .asRuntimeException();
        }
    }

    @Override
    public void await(PendingResponse f, long timeoutMs) throws TimeoutException, InterruptedException {
        waitFor(f, timeoutMs);
    }

    @Override
    public void awaitAny(List<PendingResponse> inSendOrder, long timeoutMs) throws TimeoutException, InterruptedException {
        waitFor(CompletableFuture.anyOf(inSendOrder.toArray(new CompletableFuture<?>[0])), timeoutMs);
    }

    private static void waitFor(CompletableFuture<?> f, long timeoutMs) throws TimeoutException, InterruptedException {
        try {
            f.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // Done exceptionally: whoever reads the future reports it.
        }
    }

    @Override
    public void poll() {
        // The reader thread delivers the answers as they arrive.
    }

    @Override
    public void halfClose() {
        try {
            socket.shutdownOutput(); // close_notify: the server answers what it has, then ends the connection
        } catch (IOException | UnsupportedOperationException e) {
            close();
        }
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
            o.tlsLanes.remove(this);
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
