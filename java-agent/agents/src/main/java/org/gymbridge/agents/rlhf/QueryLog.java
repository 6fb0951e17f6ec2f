package org.gymbridge.agents.rlhf;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pairs a run wants labeled, {@code RUN/rlhf/queries.jsonl}: the training appends {@link Query}s (chosen
 * by ensemble disagreement or at random), label pages and the {@link LabelLog} read them. Append-only and
 * forced to disk like every {@link JsonLines} file; safe for one writer and many readers, also across
 * processes. Not thread-safe: one instance per thread.
 */
public final class QueryLog {
    private final JsonLines file;
    private final Map<String, Query> queries = new LinkedHashMap<>();

    private QueryLog(Path path) {
        this.file = new JsonLines(path);
    }

    /** The query log of the run folder {@code runDir}. */
    public static QueryLog open(Path runDir) {
        QueryLog log = new QueryLog(runDir.resolve("rlhf").resolve("queries.jsonl"));
        log.refresh();
        return log;
    }

    /** Reads the queries added since the last refresh (by any process). */
    public QueryLog refresh() {
        for (JsonNode n : file.read()) {
            Query q = new Query(n.path("pair").asText(), n.path("left").asText(), n.path("right").asText());
            queries.putIfAbsent(q.pair(), q);
        }
        return this;
    }

    /** Adds the pair (left, right) under a fresh pair id and returns it. */
    public Query add(String left, String right) {
        if (!SegmentStore.isId(left) || !SegmentStore.isId(right) || left.equals(right)) {
            throw new IllegalArgumentException("a query compares two different segment ids, got " + left + " and "
                    + right);
        }
        Query added = file.appendLocked(() -> {
            refresh();
            return new Query(String.format("p-%06d", queries.size() + 1), left, right);
        });
        refresh();
        return added;
    }

    /** The query with this pair id, or null. */
    public Query get(String pair) {
        return queries.get(pair);
    }

    /** All queries in the order they were added. */
    public List<Query> all() {
        return Collections.unmodifiableList(new ArrayList<>(queries.values()));
    }

    public int size() {
        return queries.size();
    }
}
