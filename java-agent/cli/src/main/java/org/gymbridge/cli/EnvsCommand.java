package org.gymbridge.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /** The width that {@code --spaces} fits (unless --wide). */
    static final int WIDTH = 100;
    /** Longer ids are cut in the {@code --spaces} table. */
    static final int ID_WIDTH = 26;

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

    @Option(names = "--wide", description = "do not cut long ids and space descriptions to fit 100 columns")
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
        if (spaces) {
            printSpaces(out, envs);
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "MAX STEPS", "ENTRY POINT"});
            for (EnvInfo e : envs) {
                rows.add(new String[] {e.envId(), steps(e), e.entryPoint()});
            }
            printTable(out, rows);
            out.println(envs.size() + " env ids");
        }
        out.flush();
        return 0;
    }

    /**
     * The envs this server can make, with their spaces, in {@link #WIDTH} columns (space texts are cut to fit
     * unless --wide); then the ones it cannot make, grouped by reason, the reason (which names the package to
     * install) wrapped in full, never cut.
     */
    private void printSpaces(PrintWriter out, List<EnvInfo> envs) {
        List<EnvInfo> available = envs.stream().filter(EnvInfo::available).toList();
        Map<String, List<String>> unavailable = new LinkedHashMap<>();
        envs.stream().filter(e -> !e.available())
                .forEach(e -> unavailable.computeIfAbsent(e.unavailable(), r -> new ArrayList<>()).add(e.envId()));
        if (!available.isEmpty()) {
            String[] head = {"ID", "OBSERVATION SPACE", "ACTION SPACE", "STEPS", "RENDER"};
            List<String[]> rows = new ArrayList<>();
            for (EnvInfo e : available) {
                rows.add(new String[] {e.envId(), SpaceText.of(e.observationSpace()), SpaceText.of(e.actionSpace()),
                        steps(e), renderModes(e.renderModes())});
            }
            if (!wide) {
                fit(head, rows);
            }
            rows.add(0, head);
            printTable(out, rows);
        }
        if (!unavailable.isEmpty()) {
            out.println();
            out.println("Not available on this server:");
            unavailable.forEach((reason, ids) -> {
                for (String line : wrap(String.join(", ", ids) + ":", WIDTH - 2)) {
                    out.println("  " + line);
                }
                for (String line : wrap(reason, WIDTH - 4)) {
                    out.println("    " + line);
                }
            });
        }
        out.println(envs.size() + " env ids, " + available.size() + " available here");
    }

    /**
     * Makes the rows fit {@link #WIDTH}: an id longer than {@link #ID_WIDTH} moves to a line of its own above
     * its row; if the space columns are still too wide they lose the blanks after commas, then are cut, each
     * to its share of what is left.
     */
    private static void fit(String[] head, List<String[]> rows) {
        fit(head, rows, false);
    }

    /** {@link #fit(String[], List)}; {@code compacted}: the space texts have lost the blanks after their commas. */
    private static void fit(String[] head, List<String[]> rows, boolean compacted) {
        int[] need = new int[head.length];
        for (int c = 0; c < head.length; c++) {
            need[c] = head[c].length();
            for (String[] r : rows) {
                need[c] = Math.max(need[c], r[c].length());
            }
        }
        need[0] = Math.min(need[0], ID_WIDTH);
        int room = WIDTH - need[0] - need[3] - need[4] - 2 * (head.length - 1);
        int obs = need[1];
        int act = need[2];
        if (obs + act > room && !compacted) {
            for (String[] r : rows) {
                r[1] = r[1].replace(", ", ",");
                r[2] = r[2].replace(", ", ",");
            }
            fit(head, rows, true);
            return;
        }
        if (obs + act > room) {
            // Give each space column its share, but never more than it needs.
            int half = room / 2;
            if (act <= half) {
                obs = room - act;
            } else if (obs <= half) {
                act = room - obs;
            } else {
                obs = room - half;
                act = half;
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            r[1] = cutText(r[1], obs);
            r[2] = cutText(r[2], act);
            if (r[0].length() > need[0]) {
                // An id is never cut (it is what the user types): a long one gets a line of its own.
                rows.add(i++, new String[] {r[0]});
                r[0] = "";
            }
        }
    }

    /**
     * The render modes a client can use: {@code rgb} (rgb_array: frames for {@code gymbridge record}) and
     * {@code ansi} (text); not {@code human}, which draws on the server's screen, nor depth images.
     */
    private static String renderModes(List<String> modes) {
        List<String> shown = new ArrayList<>();
        if (modes.contains("rgb_array")) {
            shown.add("rgb");
        }
        if (modes.contains("ansi")) {
            shown.add("ansi");
        }
        return shown.isEmpty() ? "-" : String.join(",", shown);
    }


    private static String steps(EnvInfo e) {
        return e.maxEpisodeSteps() > 0 ? Integer.toString(e.maxEpisodeSteps()) : "-";
    }

    private static String cutText(String s, int width) {
        return s.length() <= width ? s : s.substring(0, Math.max(0, width - 3)) + "...";
    }

    /** Left-aligned columns two spaces apart; the last column is not padded. */
    static void printTable(PrintWriter out, List<String[]> rows) {
        printTable(out, rows, Integer.MAX_VALUE);
    }

    /**
     * {@link #printTable(PrintWriter, List)} within {@code maxWidth} columns (a row of one cell is a line of its
     * own, outside the columns): a last column that would pass it is wrapped at spaces (or commas) onto continuation lines indented to its start, never cut.
     */
    static void printTable(PrintWriter out, List<String[]> rows, int maxWidth) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols && r.length == cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        int indent = 0;
        for (int c = 0; c < cols - 1; c++) {
            indent += width[c] + 2;
        }
        int room = Math.max(20, maxWidth - indent);
        for (String[] r : rows) {
            if (r.length == 1 && cols > 1) {
                out.println(r[0]);                  // a line of its own, outside the columns
                continue;
            }
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
