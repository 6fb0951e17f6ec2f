package org.gymbridge.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.gymbridge.client.Diagnostics;

/**
 * The bench's raw socket floor: a plain Java-to-Python socket echo ({@code scripts/bench_python.py echo}) of
 * messages the size of a no-op step's request and response ({@link Diagnostics#noOpStep}), over TCP and a
 * unix socket -- what a round trip costs with no bridge at all.
 */
final class BenchFloor {
    private BenchFloor() {
    }

    /** One row per transport (tcp, unix) and batch (1, 64): mean and p50 round trip of the echo. */
    static List<Map<String, Object>> measure(Path py, Path script, Path tmp, boolean quick, List<AutoCloseable> cleanup)
            throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        Path sock = tmp.resolve("echo.sock");
        Process echo = new ProcessBuilder(py.toString(), script.toString(), "echo", "--unix", sock.toString())
                .redirectError(tmp.resolve("echo.log").toFile()).start();
        cleanup.add(() -> BenchProcesses.stop(echo));
        BufferedReader r = new BufferedReader(new InputStreamReader(echo.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (line == null || !line.startsWith("ECHO_READY ")) {
            throw new IllegalStateException("echo server did not start: " + line + "\n" + Files.readString(tmp.resolve("echo.log")));
        }
        String[] f = line.split(" ");
        int port = Integer.parseInt(f[1]);
        int count = quick ? 200 : 5000;
        for (int n : new int[] {1, 64}) {
            Diagnostics.MessageSizes sizes = Diagnostics.noOpStep(n);
            for (String transport : List.of("tcp", "unix")) {
                try (SocketChannel ch = transport.equals("tcp")
                        ? SocketChannel.open(new InetSocketAddress("127.0.0.1", port))
                        : SocketChannel.open(UnixDomainSocketAddress.of(f[2]))) {
                    if (transport.equals("tcp")) {
                        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    }
                    double[] us = pingPong(ch, sizes.request(), sizes.response(), count);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("transport", transport);
                    row.put("num_envs", n);
                    row.put("request_bytes", sizes.request());
                    row.put("response_bytes", sizes.response());
                    row.put("round_trips", count);
                    row.put("mean_us", us[0]);
                    row.put("p50_us", us[1]);
                    rows.add(row);
                    System.err.printf(Locale.ROOT, "bench: socket floor %-4s %4d/%4d bytes: mean %.1f us, p50 %.1f us%n",
                            transport, sizes.request(), sizes.response(), us[0], us[1]);
                }
            }
        }
        return rows;
    }

    /** Mean and median round-trip microseconds of {@code count} request/reply exchanges (after a warm-up). */
    static double[] pingPong(SocketChannel ch, int requestBytes, int replyBytes, int count) throws IOException {
        ByteBuffer req = ByteBuffer.allocateDirect(8 + requestBytes).order(ByteOrder.LITTLE_ENDIAN);
        req.putInt(requestBytes).putInt(replyBytes);
        ByteBuffer reply = ByteBuffer.allocateDirect(8 + replyBytes);
        long[] times = new long[count];
        for (int i = -count / 5; i < count; i++) {
            long t0 = System.nanoTime();
            req.clear();
            while (req.hasRemaining()) {
                ch.write(req);
            }
            reply.clear();
            while (reply.hasRemaining()) {
                if (ch.read(reply) < 0) {
                    throw new IOException("echo server closed the connection");
                }
            }
            if (i >= 0) {
                times[i] = System.nanoTime() - t0;
            }
        }
        double mean = Arrays.stream(times).average().orElse(0) / 1e3;
        Arrays.sort(times);
        return new double[] {mean, times[count / 2] / 1e3};
    }
}
