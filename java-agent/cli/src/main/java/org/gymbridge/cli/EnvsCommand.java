package org.gymbridge.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.gymbridge.client.EnvInfo;
import org.gymbridge.client.GymBridge;
import org.gymbridge.client.GymBridgeClient;
import org.gymbridge.client.GymBridgeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gymbridge envs}: the env ids a server can make, as a table. With {@code --spaces} the server
 * makes each env once and the table shows its observation and action spaces, and the ids it cannot
 * make here (Crafter or MineRL without their package, Box2D without box2d) with the reason.
 */
@Command(name = "envs", mixinStandardHelpOptions = true,
        description = {"List the env ids a gymbridge server can make.",
                "Examples:  gymbridge envs --server local: --spaces --prefix Cart",
                "           gymbridge envs --server grpc://localhost:50051"})
public final class EnvsCommand implements Callable<Integer> {
    /** Column widths beyond which space and reason texts are cut (unless --wide). */
    static final int SPACE_WIDTH = 44;
    static final int REASON_WIDTH = 60;

    @Spec
    CommandSpec spec;

    @Option(names = "--server", paramLabel = "URL", defaultValue = "local:",
            description = "the server: local: (starts a private one), grpc://host:port or unix:/path.sock "
                    + "(default: ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--prefix", paramLabel = "P", defaultValue = "", description = "only ids starting with P")
    String prefix;

    @Option(names = "--spaces", description = "also show observation and action spaces, render modes and why an "
            + "env is unavailable (the server makes each env once: the first listing takes seconds)")
    boolean spaces;

    @Option(names = "--wide", description = "do not cut long space descriptions")
    boolean wide;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<EnvInfo> envs;
        try (GymBridgeClient client = GymBridge.connect(server)) {
            envs = client.listEnvs(prefix, spaces);
        } catch (GymBridgeException | IllegalArgumentException e) {
            // A bad URL or an unreachable server: the message says what to fix; no stack trace.
            PrintWriter err = spec.commandLine().getErr();
            err.println("gymbridge envs: " + e.getMessage());
            err.flush();
            return 1;
        }
        if (envs.isEmpty()) {
            out.println("no env ids" + (prefix.isEmpty() ? "" : " start with '" + prefix + "'") + " on " + server);
            out.flush();
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        if (spaces) {
            rows.add(new String[] {"ID", "OBSERVATION SPACE", "ACTION SPACE", "MAX STEPS", "RENDER MODES", "UNAVAILABLE"});
            for (EnvInfo e : envs) {
                rows.add(new String[] {e.envId(), cut(SpaceText.of(e.observationSpace()), SPACE_WIDTH),
                        cut(SpaceText.of(e.actionSpace()), SPACE_WIDTH), steps(e), String.join(",", e.renderModes()),
                        cut(e.unavailable(), REASON_WIDTH)});
            }
        } else {
            rows.add(new String[] {"ID", "MAX STEPS", "ENTRY POINT"});
            for (EnvInfo e : envs) {
                rows.add(new String[] {e.envId(), steps(e), e.entryPoint()});
            }
        }
        printTable(out, rows);
        long unavailable = envs.stream().filter(e -> !e.available()).count();
        out.println(envs.size() + " env ids" + (spaces ? ", " + unavailable + " unavailable here" : ""));
        out.flush();
        return 0;
    }

    private static String steps(EnvInfo e) {
        return e.maxEpisodeSteps() > 0 ? Integer.toString(e.maxEpisodeSteps()) : "-";
    }

    private String cut(String s, int width) {
        if (wide || s.length() <= width) {
            return s;
        }
        return s.substring(0, width - 3) + "...";
    }

    /** Left-aligned columns two spaces apart; the last column is not padded. */
    static void printTable(PrintWriter out, List<String[]> rows) {
        printTable(out, rows, Integer.MAX_VALUE);
    }

    /**
     * {@link #printTable(PrintWriter, List)} within {@code maxWidth} columns: a last column that would pass it
     * is wrapped at spaces (or commas) onto continuation lines indented to its start, never cut.
     */
    static void printTable(PrintWriter out, List<String[]> rows, int maxWidth) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        int indent = 0;
        for (int c = 0; c < cols - 1; c++) {
            indent += width[c] + 2;
        }
        int room = Math.max(20, maxWidth - indent);
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < cols - 1; c++) {
                sb.append(String.format("%-" + width[c] + "s  ", r[c]));
            }
            List<String> last = wrap(r[cols - 1], room);
            out.println((sb + last.get(0)).stripTrailing());
            for (String more : last.subList(1, last.size())) {
                out.println(" ".repeat(indent) + more);
            }
        }
    }

    /** {@code text} in lines of at most {@code width} characters, broken after spaces or commas where possible. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        String rest = text;
        while (rest.length() > width) {
            int cut = -1;
            for (int i = width; i > width / 3; i--) {
                char ch = rest.charAt(i - 1);
                if (ch == ' ' || ch == ',') {
                    cut = i;
                    break;
                }
            }
            if (cut < 0) {
                cut = width;
            }
            lines.add(rest.substring(0, cut).stripTrailing());
            rest = rest.substring(cut).stripLeading();
        }
        lines.add(rest);
        return lines;
    }
}
