package org.gymbridge.agents.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path run;
    private LabelServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    /** A run folder with {@code segments} frameless segments and {@code pairs} queries over them. */
    static void prepareRun(Path run, int segments, int pairs) {
        SegmentStore store = SegmentStore.open(run);
        for (int k = 0; k < segments; k++) {
            String id = store.newId();
            store.save(new Segment(id, 0, k, 1, 1, new float[] {k, k}, new float[] {0, 1}, new double[] {k, -k}),
                    List.of(), 30);
        }
        QueryLog queries = QueryLog.open(run);
        List<String> ids = store.ids();
        for (int p = 0; p < pairs; p++) {
            queries.add(ids.get(p % ids.size()), ids.get((p + 1) % ids.size()));
        }
    }

    @BeforeEach
    void start() {
        prepareRun(run, 10, 6);
        server = LabelServer.start(run, 0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(server.uri().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(server.uri().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String answer(String pair, String choice, String labeler) {
        return "{\"pair\":\"" + pair + "\",\"choice\":\"" + choice + "\",\"labeler\":\"" + labeler + "\"}";
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("error").asText();
    }

    @Test
    void servesThePageOnLoopbackOnly() throws Exception {
        assertEquals("127.0.0.1", server.uri().getHost());
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("Which clip is better?"));
        assertEquals(200, get("/app.js").statusCode());
        assertEquals(404, get("/../pom.xml").statusCode());
    }

    @Test
    void answersAndUndosReachARunningTrainingsReader() throws Exception {
        LabelLog reader = LabelLog.open(run); // what a training holds
        JsonNode next = JSON.readTree(get("/api/next?labeler=ann").body());
        assertEquals("p-000001", next.path("pair").asText());
        assertEquals(6, next.path("total").asInt());

        assertEquals(200, post("/api/answer", answer("p-000001", "left", "ann")).statusCode());
        assertEquals(200, post("/api/answer", answer("p-000002", "equal", "ann")).statusCode());
        assertTrue(reader.refresh());
        assertEquals(List.of("p-000001", "p-000002"), reader.labels().stream().map(l -> l.query().pair()).toList());
        assertEquals(Choice.EQUAL, reader.labels().get(1).choice());

        HttpResponse<String> undo = post("/api/undo", "{\"labeler\":\"ann\"}");
        assertEquals(200, undo.statusCode());
        assertEquals("p-000002", JSON.readTree(undo.body()).path("undone").asText());
        reader.refresh();
        assertEquals(List.of("p-000001"), reader.labels().stream().map(l -> l.query().pair()).toList());
        // The undone pair is asked again.
        assertEquals("p-000002", JSON.readTree(get("/api/next?labeler=ann").body()).path("pair").asText());
    }

    @Test
    void badRequestsGetAClearErrorAndLoseNothing() throws Exception {
        assertEquals(200, post("/api/answer", answer("p-000001", "right", "ann")).statusCode());

        HttpResponse<String> unknown = post("/api/answer", answer("p-999999", "left", "ann"));
        assertEquals(404, unknown.statusCode());
        assertTrue(error(unknown).contains("unknown pair id 'p-999999'"), error(unknown));

        HttpResponse<String> twice = post("/api/answer", answer("p-000001", "left", "bob"));
        assertEquals(409, twice.statusCode());
        assertTrue(error(twice).contains("pair p-000001 was already answered (right by ann)"), error(twice));

        HttpResponse<String> malformed = post("/api/answer", "{\"pair\": \"p-000002\", ");
        assertEquals(400, malformed.statusCode());
        assertTrue(error(malformed).startsWith("malformed JSON"), error(malformed));

        HttpResponse<String> badChoice = post("/api/answer", answer("p-000002", "both", "ann"));
        assertEquals(400, badChoice.statusCode());
        assertTrue(error(badChoice).contains("choice 'both'"), error(badChoice));

        HttpResponse<String> nothing = post("/api/undo", "{\"labeler\":\"carl\"}");
        assertEquals(409, nothing.statusCode());
        assertTrue(error(nothing).contains("no answer to undo"), error(nothing));

        LabelLog.closeRun(run);
        HttpResponse<String> closed = post("/api/answer", answer("p-000002", "left", "ann"));
        assertEquals(410, closed.statusCode());
        assertTrue(error(closed).contains("is closed"), error(closed));
        assertEquals(410, post("/api/undo", "{\"labeler\":\"ann\"}").statusCode());

        LabelLog reader = LabelLog.open(run);
        assertEquals(1, reader.labels().size());
        assertEquals(Choice.RIGHT, reader.labels().get(0).choice());
        assertEquals(1, Files.readAllLines(run.resolve("rlhf/labels.jsonl")).size());
    }

    @Test
    void severalLabelersAtOnceLoseNoAnswer() throws Exception {
        server.close();
        Path big = run.resolve("big");
        Files.createDirectories(big);
        prepareRun(big, 40, 200);
        server = LabelServer.start(big, 0);
        // A second server on the same run, as a second `gymbridge label` process would be.
        try (LabelServer second = LabelServer.start(big, 0)) {
            int labelers = 8;
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger refusedTwice = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(labelers);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int w = 0; w < labelers; w++) {
                String name = "labeler-" + w;
                URI base = (w % 2 == 0 ? server : second).uri();
                results.add(pool.submit(() -> {
                    List<String> mine = new ArrayList<>();
                    while (true) {
                        JsonNode next = JSON.readTree(http.send(HttpRequest.newBuilder(
                                base.resolve("/api/next?labeler=" + name)).build(),
                                HttpResponse.BodyHandlers.ofString()).body());
                        if (!next.has("pair")) {
                            return mine;
                        }
                        String pair = next.path("pair").asText();
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/answer"))
                                .POST(HttpRequest.BodyPublishers.ofString(answer(pair, "left", name))).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            accepted.incrementAndGet();
                            mine.add(pair);
                        } else if (r.statusCode() == 409) {
                            refusedTwice.incrementAndGet(); // the other server handed the same pair out
                        } else {
                            throw new AssertionError(r.statusCode() + " " + r.body());
                        }
                        // And a deliberate double submission of the pair just answered: always refused.
                        HttpResponse<String> again = http.send(HttpRequest.newBuilder(base.resolve("/api/answer"))
                                .POST(HttpRequest.BodyPublishers.ofString(answer(pair, "right", name))).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (again.statusCode() != 409) {
                            throw new AssertionError("double submission of " + pair + " got " + again.statusCode());
                        }
                    }
                }));
            }
            Set<String> answered = new HashSet<>();
            int total = 0;
            for (Future<List<String>> f : results) {
                List<String> mine = f.get();
                total += mine.size();
                answered.addAll(mine);
            }
            pool.shutdown();

            assertEquals(200, accepted.get());
            assertEquals(200, total);
            assertEquals(200, answered.size());
            LabelLog reader = LabelLog.open(big);
            assertEquals(200, reader.labels().size());
            assertTrue(reader.labels().stream().allMatch(l -> l.choice() == Choice.LEFT));
            assertEquals(200, Files.readAllLines(big.resolve("rlhf/labels.jsonl")).size());
            assertEquals(0, reader.skippedLines());
            assertFalse(JSON.readTree(get("/api/next?labeler=late").body()).has("pair"));
        }
    }
}
