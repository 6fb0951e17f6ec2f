package org.gymbridge.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.gymbridge.agents.rlhf.LabelLog;
import org.gymbridge.agents.rlhf.LabelServer;
import org.gymbridge.agents.rlhf.RandomSegments;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeException;
import org.gymbridge.env.VectorEnv;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gymbridge label --run DIR}: serves the run's labeling page on 127.0.0.1 until Ctrl-C. People open
 * it in a browser and answer which of two clips is better; the answers go to {@code DIR/rlhf/labels.jsonl},
 * where a running training picks them up. {@code --sample URL} first fills the run with clips of a random
 * policy and random pairs, to try the page without a training.
 */
@Command(name = "label", mixinStandardHelpOptions = true,
        description = {"Serve a run's preference-labeling page on 127.0.0.1 (RL from human preferences).",
                "Examples:  gymbridge label --run runs/pendulum-rlhf",
                "           gymbridge label --run /tmp/try --sample 'local:Pendulum-v1?render_mode=rgb_array' --pairs 20"})
public final class LabelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--run", paramLabel = "DIR", required = true, description = "the run folder")
    Path run;

    @Option(names = "--port", paramLabel = "P", defaultValue = "8765",
            description = "port on 127.0.0.1 (0: any free port; default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--sample", paramLabel = "URL", description = "first record random-policy segments of this env "
            + "(use render_mode=rgb_array for clips) and random pairs of them")
    String sample;

    @Option(names = "--segments", paramLabel = "N", defaultValue = "16", description = "segments to record with "
            + "--sample (default: ${DEFAULT-VALUE})")
    int segments;

    @Option(names = "--length", paramLabel = "L", defaultValue = "50", description = "steps per segment with "
            + "--sample (default: ${DEFAULT-VALUE})")
    int length;

    @Option(names = "--pairs", paramLabel = "N", defaultValue = "10", description = "pairs to add with --sample "
            + "(default: ${DEFAULT-VALUE})")
    int pairs;

    @Option(names = "--seed", defaultValue = "0", description = "seed of --sample (default: ${DEFAULT-VALUE})")
    long seed;

    /** Counted down once the page is served; tests wait on it. */
    final CountDownLatch serving = new CountDownLatch(1);
    volatile LabelServer server;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (sample != null) {
                Files.createDirectories(run);
                try (VectorEnv env = GymBridge.makeVec(sample)) {
                    RandomSegments.record(env, run, segments, length, pairs, seed);
                }
                out.println("recorded " + segments + " segments and " + pairs + " pairs of " + sample + " in " + run);
            }
            if (!Files.isDirectory(run)) {
                err.println("gymbridge label: run folder " + run + " does not exist");
                err.flush();
                return 2;
            }
            server = LabelServer.start(run, port);
        } catch (GymBridgeException | IllegalArgumentException | java.io.UncheckedIOException e) {
            err.println("gymbridge label: " + e.getMessage());
            err.flush();
            return 1;
        }
        try (LabelServer s = server) {
            LabelLog log = LabelLog.open(run);
            out.println("labeling " + run + ": " + log.labels().size() + " of " + log.queries().size()
                    + " pairs answered" + (log.isClosed() ? " (closed: no more answers accepted)" : ""));
            out.println("open " + s.uri() + " in a browser on this machine (Ctrl-C stops)");
            out.flush();
            serving.countDown();
            new CountDownLatch(1).await(); // until interrupted (Ctrl-C ends the JVM)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
