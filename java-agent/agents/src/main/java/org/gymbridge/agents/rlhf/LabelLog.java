package org.gymbridge.agents.rlhf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The answers of a run, {@code RUN/rlhf/labels.jsonl}: an append-only log of {@code answer} and {@code undo}
 * events, one JSON object per line, each forced to disk before it is acknowledged. Label pages write it
 * (several at once, also from several processes: every write holds the file's lock and first reads what
 * others appended, so a pair is answered at most once and no answer is lost); a running training reads it
 * with {@link #refresh()} and {@link #labels()} and sees new answers and undos as they come.
 *
 * <p>An undo retracts the labeler's latest answer that is still standing, so the pair is asked again.
 * Once the run is {@link #closeRun closed} (the training has stopped taking labels) every write is refused.
 * Not thread-safe: one instance per thread (the label server synchronizes on its instance).
 */
public final class LabelLog {
    private static final Pattern LABELER = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final Path runDir;
    private final JsonLines file;
    private final QueryLog queries;
    /** Standing answers by pair, in answer order. */
    private final Map<String, Label> standing = new LinkedHashMap<>();
    /** Per labeler, their standing answers' pairs, latest last. */
    private final Map<String, List<String>> byLabeler = new HashMap<>();

    private LabelLog(Path runDir) {
        this.runDir = runDir;
        this.file = new JsonLines(runDir.resolve("rlhf").resolve("labels.jsonl"));
        this.queries = QueryLog.open(runDir);
    }

    /** The label log of the run folder {@code runDir}, read up to now. */
    public static LabelLog open(Path runDir) {
        LabelLog log = new LabelLog(runDir);
        log.refresh();
        return log;
    }

    /** Marks the run as taking no more labels; pages then get a clear "closed" error. */
    public static void closeRun(Path runDir) {
        try {
            Files.createDirectories(runDir.resolve("rlhf"));
            Files.writeString(runDir.resolve("rlhf").resolve("closed"), "training takes no more labels\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close run " + runDir, e);
        }
    }

    /** Takes labels again after {@link #closeRun} (a run continued with {@code --resume --steps}). */
    public static void reopenRun(Path runDir) {
        try {
            Files.deleteIfExists(runDir.resolve("rlhf").resolve("closed"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reopen run " + runDir, e);
        }
    }

    /** Whether the run has been {@link #closeRun closed}. */
    public boolean isClosed() {
        return Files.exists(runDir.resolve("rlhf").resolve("closed"));
    }

    /** Reads queries and events appended since the last refresh; returns whether anything changed. */
    public boolean refresh() {
        int before = queries.size();
        queries.refresh();
        boolean changed = queries.size() != before;
        for (JsonNode e : file.read()) {
            changed = true;
            String pair = e.path("pair").asText();
            String labeler = e.path("labeler").asText();
            if ("answer".equals(e.path("kind").asText())) {
                Query q = queries.get(pair);
                Choice c = Choice.fromWireName(e.path("choice").asText());
                if (q != null && c != null && !standing.containsKey(pair)) {
                    standing.put(pair, new Label(q, c, labeler, e.path("time").asLong()));
                    byLabeler.computeIfAbsent(labeler, k -> new ArrayList<>()).add(pair);
                }
            } else if ("undo".equals(e.path("kind").asText())) {
                Label removed = standing.remove(pair);
                if (removed != null) {
                    byLabeler.getOrDefault(removed.labeler(), new ArrayList<>()).remove(pair);
                }
            }
        }
        return changed;
    }

    /** The standing answers (undone ones excluded), in answer order, including {@link Choice#CANNOT_TELL}. */
    public List<Label> labels() {
        return List.copyOf(standing.values());
    }

    /** The queries of the run. */
    public QueryLog queries() {
        return queries;
    }

    /** Whether {@code pair} has a standing answer. */
    public boolean isAnswered(String pair) {
        return standing.containsKey(pair);
    }

    /** Lines of the file that could not be parsed (a crash tore them); they are skipped. */
    public int skippedLines() {
        return file.skippedLines();
    }

    /**
     * Records {@code labeler}'s answer to {@code pair}, durably, or refuses it (nothing written).
     *
     * @throws LabelException UNKNOWN_PAIR, ALREADY_ANSWERED, RUN_CLOSED or INVALID
     */
    public Label answer(String pair, Choice choice, String labeler) {
        checkLabeler(labeler);
        if (choice == null) {
            throw new LabelException(LabelException.Reason.INVALID,
                    "choice must be one of left, right, equal, cannot_tell");
        }
        file.appendLocked(() -> {
            refresh();
            if (isClosed()) {
                throw closed();
            }
            if (queries.get(pair) == null) {
                throw new LabelException(LabelException.Reason.UNKNOWN_PAIR, "unknown pair id '" + pair
                        + "': this run has " + queries.size() + " pairs (p-000001 .. )");
            }
            Label existing = standing.get(pair);
            if (existing != null) {
                throw new LabelException(LabelException.Reason.ALREADY_ANSWERED, "pair " + pair
                        + " was already answered (" + existing.choice().wireName() + " by " + existing.labeler()
                        + "); undo it first to change the answer");
            }
            return event("answer", pair, labeler, choice);
        });
        refresh();
        return standing.get(pair);
    }

    /**
     * Retracts {@code labeler}'s latest standing answer, durably, and returns it.
     *
     * @throws LabelException NOTHING_TO_UNDO, RUN_CLOSED or INVALID
     */
    public Label undo(String labeler) {
        checkLabeler(labeler);
        Label[] undone = new Label[1];
        file.appendLocked(() -> {
            refresh();
            if (isClosed()) {
                throw closed();
            }
            List<String> mine = byLabeler.getOrDefault(labeler, List.of());
            if (mine.isEmpty()) {
                throw new LabelException(LabelException.Reason.NOTHING_TO_UNDO, "labeler " + labeler
                        + " has no answer to undo");
            }
            undone[0] = standing.get(mine.get(mine.size() - 1));
            return event("undo", undone[0].query().pair(), labeler, null);
        });
        refresh();
        return undone[0];
    }

    /** The first query without a standing answer that {@code skip} does not exclude, or empty when all are answered. */
    public Optional<Query> firstOpen(java.util.function.Predicate<Query> skip) {
        return queries.all().stream().filter(q -> !standing.containsKey(q.pair()) && !skip.test(q)).findFirst();
    }

    /** Number of standing answers by {@code labeler}. */
    public int answeredBy(String labeler) {
        return byLabeler.getOrDefault(labeler, List.of()).size();
    }

    private LabelException closed() {
        return new LabelException(LabelException.Reason.RUN_CLOSED, "run " + runDir.getFileName()
                + " is closed: its training takes no more labels");
    }

    private static void checkLabeler(String labeler) {
        if (labeler == null || !LABELER.matcher(labeler).matches()) {
            throw new LabelException(LabelException.Reason.INVALID, "labeler must be 1-64 letters, digits, '.', '_'"
                    + " or '-', got " + (labeler == null ? "none" : "'" + labeler + "'"));
        }
    }

    private static Map<String, Object> event(String kind, String pair, String labeler, Choice choice) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("kind", kind);
        e.put("pair", pair);
        if (choice != null) {
            e.put("choice", choice.wireName());
        }
        e.put("labeler", labeler);
        e.put("time", System.currentTimeMillis());
        return e;
    }
}
