package org.gymbridge.agents.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.gymbridge.agents.Algorithms;
import org.gymbridge.agents.core.Algorithm;
import org.gymbridge.agents.train.Configs;
import org.gymbridge.agents.train.TrainerConfig;
import org.gymbridge.agents.train.TrainingRun;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.VectorEnv;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The label page in a real browser: Debian's chromium, headless, driven through the system's chromedriver
 * (both from apt: {@code chromium chromium-driver}; the build's install-system-deps.sh installs them). Clicks
 * and keys through several labels and an undo, then checks what the run's label log holds; and shows the animated
 * clips of the pairs a real ppo-rlhf training (HalfCheetah-v5, MuJoCo rendered headless) asks people about.
 */
class LabelPageBrowserTest {
    private static final Path OUTPUT = Path.of("target", "test-output", "LabelPageBrowserTest");

    @TempDir
    Path run;
    @TempDir
    Path profile;
    private LabelServer server;
    private ChromeDriver browser;

    @BeforeEach
    void start() throws Exception {
        // Explicit driver and browser paths: Selenium Manager has nothing to look up or download.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions()
                .setBinary("/usr/bin/chromium")
                .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--window-size=1100,760", "--user-data-dir=" + profile);
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    private void waitForPair(String pair) {
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(
                d -> pair.equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
    }

    private void waitForStatus(String text) {
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(
                d -> d.findElement(By.id("status")).getText().contains(text));
    }

    private void press(CharSequence key) {
        browser.findElement(By.tagName("body")).sendKeys(key);
    }

    @Test
    void labelsClickedAndTypedInTheBrowserAreStored() throws Exception {
        try (VectorEnv env = GymBridge.makeVec("local:Pendulum-v1?num_envs=2&render_mode=rgb_array")) {
            RandomSegments.record(env, run, 8, 25, 6, 3);
        }
        server = LabelServer.start(run, 0);
        browser.get(server.uri() + "?labeler=browser");
        waitForPair("p-000001");
        // Both clips animate from one timer.
        int frameBefore = Integer.parseInt(browser.findElement(By.tagName("body")).getDomAttribute("data-frame"));
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> Integer.parseInt(
                d.findElement(By.tagName("body")).getDomAttribute("data-frame")) > frameBefore + 3);
        Object drawn = ((JavascriptExecutor) browser).executeScript(
                "const c = document.getElementById('left'); const d = c.getContext('2d')"
                        + ".getImageData(0, 0, c.width, c.height).data; let n = 0;"
                        + "for (let i = 0; i < d.length; i += 4) if (d[i + 1] < 200) n++; return [c.width, n];");
        assertEquals(240L, ((List<?>) drawn).get(0));
        // Pendulum's rod (red, green 77) and axle (black) on white: a few hundred non-white pixels at 240 px.
        assertTrue((Long) ((List<?>) drawn).get(1) > 100, "the left clip shows a pendulum: " + drawn);
        browser.findElement(By.id("btn-left")).click();
        waitForPair("p-000002");
        press(Keys.ARROW_RIGHT);
        waitForPair("p-000003");
        browser.findElement(By.id("btn-equal")).click();
        waitForPair("p-000004");
        press("c");
        waitForPair("p-000005");
        browser.findElement(By.id("btn-undo")).click();
        waitForStatus("Undid your answer to p-000004");
        waitForPair("p-000004");
        press(Keys.ARROW_DOWN);
        waitForPair("p-000005");
        assertTrue(browser.findElement(By.id("progress")).getText().startsWith("4 of 6 pairs answered"),
                browser.findElement(By.id("progress")).getText());

        LabelLog log = LabelLog.open(run);
        assertEquals(List.of("p-000001 left", "p-000002 right", "p-000003 equal", "p-000004 equal"),
                log.labels().stream().map(l -> l.query().pair() + " " + l.choice().wireName()).toList());
        assertTrue(log.labels().stream().allMatch(l -> l.labeler().equals("browser")));
        List<String> lines = Files.readAllLines(run.resolve("rlhf/labels.jsonl"));
        assertEquals(6, lines.size()); // five answers and one undo, all kept
        assertTrue(lines.get(4).contains("\"kind\":\"undo\"") && lines.get(4).contains("p-000004"), lines.get(4));
    }

    @Test
    void theClipsOfThePairsATrainingAsksPlayInThePage() throws Exception {
        // One iteration of a ppo-rlhf training with people (4 envs x 64 steps): it asks its first 6 pairs, their
        // segments replayed and rendered by the clip copy. The run goes on (it is not closed), so the page asks.
        Path config = run.resolve("rlhf.yaml");
        Files.writeString(config, """
                ppo: {num_steps: 64, num_minibatches: 2, update_epochs: 2}
                segment_length: 16
                labeler: human
                first_labels_wait_s: 0
                min_labels: 1
                label_budget: 12
                initial_labels: 6
                label_decay_steps: 512
                clips: auto
                clip_envs: 2
                clip_width: 240
                clip_height: 180
                """);
        Path dir = run.resolve("training");
        Algorithm<?> algorithm = Algorithms.get("ppo-rlhf");
        Record algoConfig = Configs.bind(algorithm.defaults(), Configs.readFile(config), "config");
        TrainerConfig trainer = Configs.bind(TrainerConfig.defaults(), Map.of("log_every", 256,
                "final_eval_episodes", 0), "trainer");
        TrainingRun.create(dir, new TrainingRun.Spec("local:HalfCheetah-v5?num_envs=4", "ppo-rlhf", 1024, 1, trainer),
                algorithm, algoConfig).trainUntil(new PrintStream(OutputStream.nullOutputStream()), 256);
        assertEquals(6, QueryLog.open(dir).size());

        server = LabelServer.start(dir, 0);
        browser.get(server.uri() + "?labeler=browser");
        waitForPair("p-000001");
        String pixels = "const c = document.getElementById(arguments[0]); const d = c.getContext('2d')"
                + ".getImageData(0, 0, c.width, c.height).data; const seen = new Set(); let sum = 0;"
                + "for (let i = 0; i < d.length; i += 4) { seen.add(d[i] << 16 | d[i + 1] << 8 | d[i + 2]);"
                + " sum = (sum * 31 + d[i] + d[i + 1] + d[i + 2]) % 1000000007; }"
                + "return [c.width, c.height, seen.size, sum, +document.body.dataset.frame];";
        JavascriptExecutor js = browser;
        List<?> first = (List<?>) js.executeScript(pixels, "left");
        assertEquals(List.of(240L, 180L), first.subList(0, 2), "the clip is drawn at its frame size: " + first);
        assertTrue((Long) first.get(2) > 50, "the left canvas shows a rendered MuJoCo scene, not text: " + first);
        List<?> right = (List<?>) js.executeScript(pixels, "right");
        assertTrue((Long) right.get(2) > 50, "so does the right one: " + right);
        // The clip plays: a few frames later the picture has changed.
        long frameBefore = (Long) first.get(4);
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> Integer.parseInt(
                d.findElement(By.tagName("body")).getDomAttribute("data-frame")) > frameBefore + 5);
        List<?> later = (List<?>) js.executeScript(pixels, "left");
        assertTrue(!first.get(3).equals(later.get(3)), "the left clip is animated: " + first + " then " + later);
        Files.createDirectories(OUTPUT);
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), OUTPUT.resolve("rlhf-label-page.png"),
                StandardCopyOption.REPLACE_EXISTING);

        browser.findElement(By.id("btn-right")).click();
        waitForPair("p-000002");
        LabelLog log = LabelLog.open(dir);
        assertEquals(List.of("p-000001 right"),
                log.labels().stream().map(l -> l.query().pair() + " " + l.choice().wireName()).toList());
    }
}
