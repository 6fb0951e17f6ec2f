package org.gymbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LabelCommandTest {

    @TempDir
    Path dir;

    @Test
    void aMissingRunFolderIsReported() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new LabelCommand());
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("--run", dir.resolve("nope").toString(), "--port", "0");
        assertEquals(2, exit);
        assertTrue(err.toString().contains("run folder " + dir.resolve("nope") + " does not exist"), err.toString());
    }

    @Test
    void samplesARunAndServesItsPageUntilInterrupted() throws Exception {
        LabelCommand command = new LabelCommand();
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = new Thread(() -> exit.set(cl.execute("--run", dir.toString(), "--port", "0", "--sample",
                "local:CartPole-v1?num_envs=2&render_mode=rgb_array", "--segments", "4", "--length", "25",
                "--pairs", "3")));
        t.start();
        assertTrue(command.serving.await(120, TimeUnit.SECONDS), "the page is served: " + out);
        URI progress = command.server.uri().resolve("/api/progress");
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(progress).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertEquals("{\"answered\":0,\"total\":3,\"closed\":false}", body);
        assertTrue(out.toString().contains("open http://127.0.0.1:"), out.toString());
        t.interrupt();
        t.join(10_000);
        assertEquals(0, exit.get());
    }
}
