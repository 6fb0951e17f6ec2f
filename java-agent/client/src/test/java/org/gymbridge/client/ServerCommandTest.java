package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lookup of the gymbridge-server command outside a checkout: a fake HOME / XDG_CACHE_HOME and a
 * working directory outside the repository. The venv commands are recorded (a real creation pip-installs
 * from PyPI for minutes; .ci/run does it once, from a project outside the repository).
 */
class ServerCommandTest {
    /** The checkout's venv Python: a real interpreter for the version check. */
    private static final Path PYTHON = Path.of("../../python-env-server/.venv/bin/python").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
    private final List<List<String>> commands = new ArrayList<>();

    /** Records each command; `-m venv DIR` makes DIR/bin/python, `pip install` makes bin/gymbridge-server. */
    private int record(List<String> command, Path log) throws IOException {
        commands.add(command);
        Files.writeString(log, "ran " + command + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        if (command.contains("venv")) {
            executable(Path.of(command.get(command.size() - 1), "bin", "python"));
        } else if (command.contains("pip")) {
            executable(Path.of(command.get(0)).resolveSibling("gymbridge-server"));
        }
        return 0;
    }

    private ServerCommand.Lookup outside(Map<String, String> env, String python, ServerCommand.Runner runner)
            throws IOException {
        Path cwd = Files.createDirectories(tmp.resolve("elsewhere/project"));
        return new ServerCommand.Lookup(cwd, env, null, python,
                new PrintStream(progress, true, StandardCharsets.UTF_8), runner);
    }

    private static Path executable(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\necho 3.8\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void aCheckoutsVenvIsFoundBeforeThePath() throws IOException {
        Path checkout = executable(tmp.resolve("repo").resolve(ServerCommand.VENV_EXECUTABLE));
        Path bin = executable(tmp.resolve("bin/gymbridge-server")).getParent();
        Path cwd = Files.createDirectories(tmp.resolve("repo/java-agent/client"));
        ServerCommand.Lookup lookup = new ServerCommand.Lookup(cwd, Map.of("PATH", bin.toString(), "HOME", tmp.toString()),
                null, null, System.err, this::record);
        assertEquals(checkout, ServerCommand.find(lookup));
        assertTrue(commands.isEmpty());
    }

    @Test
    void outsideACheckoutTheServerOnThePathIsUsed() throws IOException {
        Path server = executable(tmp.resolve("bin/gymbridge-server"));
        ServerCommand.Lookup lookup = outside(Map.of("PATH", "/nonexistent:" + server.getParent(), "HOME",
                tmp.resolve("home").toString()), null, this::record);
        assertEquals(server, ServerCommand.find(lookup));
        assertTrue(commands.isEmpty());
    }

    @Test
    void withoutAServerAVenvIsCreatedInTheCacheFromTheShippedSourcesOnce() throws IOException {
        Path home = tmp.resolve("home");
        ServerCommand.Lookup lookup = outside(Map.of("PATH", tmp.resolve("empty").toString(), "HOME", home.toString()),
                PYTHON.toString(), this::record);
        String version = ServerCommand.clientVersion();
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), version);
        Path dir = home.resolve(".cache/gymbridge").resolve(version);

        Path server = ServerCommand.find(lookup);

        Path venv = dir.resolve("venv");
        assertEquals(venv.resolve("bin/gymbridge-server"), server);
        assertEquals(2, commands.size(), commands.toString());
        assertEquals(List.of(PYTHON.toString(), "-m", "venv", venv.toString()), commands.get(0));
        List<String> pip = commands.get(1);
        assertEquals(List.of(venv.resolve("bin/python").toString(), "-m", "pip", "install"), pip.subList(0, 4));
        assertEquals(List.of(dir.resolve("src/python-client").toString(), dir.resolve("src/python-env-server").toString()),
                pip.subList(pip.size() - 2, pip.size()), "the base packages only, no extras");
        // The shipped sources keep the checkout's layout: setup.py generates the stubs from ../proto.
        assertTrue(Files.isRegularFile(dir.resolve("src/python-client/setup.py")));
        assertTrue(Files.isRegularFile(dir.resolve("src/python-client/src/gymbridge/codec/__init__.py")));
        assertTrue(Files.isRegularFile(dir.resolve("src/python-env-server/pyproject.toml")));
        assertTrue(Files.isRegularFile(dir.resolve("src/python-env-server/src/gymbridge_server/cli.py")));
        assertTrue(Files.isRegularFile(dir.resolve("src/proto/gymbridge/v1/env.proto")));
        assertFalse(Files.exists(dir.resolve("src/python-client/src/gymbridge/v1")), "generated stubs are not shipped");
        String printed = progress.toString(StandardCharsets.UTF_8);
        assertEquals(1, printed.lines().count(), printed);
        assertTrue(printed.contains(venv.toString()) && printed.contains("minutes"), printed);

        commands.clear();
        progress.reset();
        assertEquals(server, ServerCommand.find(lookup), "the second lookup finds the venv");
        assertTrue(commands.isEmpty(), commands.toString());
        assertEquals("", progress.toString(StandardCharsets.UTF_8));
    }

    @Test
    void xdgCacheHomeIsHonouredAndOtherShippedSourcesRecreateTheVenv() throws IOException {
        Path xdg = tmp.resolve("xdg");
        ServerCommand.Lookup lookup = outside(Map.of("PATH", "", "HOME", tmp.resolve("home").toString(),
                "XDG_CACHE_HOME", xdg.toString()), PYTHON.toString(), this::record);
        Path server = ServerCommand.find(lookup);
        assertTrue(server.startsWith(xdg.resolve("gymbridge")), server.toString());
        Files.writeString(server.getParent().getParent().resolve(".gymbridge-sources"), "sources of an older jar\n");
        commands.clear();
        assertEquals(server, ServerCommand.find(lookup));
        assertEquals(2, commands.size(), "a stale stamp means other sources: venv and pip again");
    }

    @Test
    void aMissingPythonNamesTheFix() throws IOException {
        ServerCommand.Lookup lookup = outside(Map.of("PATH", tmp.resolve("empty").toString(), "HOME",
                tmp.resolve("home").toString()), null, this::record);
        ServerUnavailableException e = assertThrows(ServerUnavailableException.class, () -> ServerCommand.find(lookup));
        assertTrue(e.getMessage().contains("no python3 on the PATH"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install python3 python3-venv"), e.getMessage());
        assertTrue(e.getMessage().contains("GYMBRIDGE_SERVER"), e.getMessage());
        assertTrue(commands.isEmpty());
    }

    @Test
    void aTooOldPythonIsRefusedNamingItsVersion() throws IOException {
        Path old = executable(tmp.resolve("oldbin/python3")); // prints 3.8 whatever it is asked
        ServerCommand.Lookup lookup = outside(Map.of("PATH", old.getParent().toString(), "HOME",
                tmp.resolve("home").toString()), null, this::record);
        ServerUnavailableException e = assertThrows(ServerUnavailableException.class, () -> ServerCommand.find(lookup));
        assertTrue(e.getMessage().contains("is Python 3.8") && e.getMessage().contains("3.10 or newer"), e.getMessage());
        assertTrue(e.getMessage().contains("GYMBRIDGE_PYTHON"), e.getMessage());
        assertTrue(commands.isEmpty());
    }

    @Test
    void aFailedPipInstallShowsTheEndOfItsLog() throws IOException {
        ServerCommand.Lookup lookup = outside(Map.of("PATH", "", "HOME", tmp.resolve("home").toString()),
                PYTHON.toString(), (command, log) -> {
                    if (command.contains("pip")) {
                        Files.writeString(log, "ERROR: Could not find a version that satisfies grpcio==1.85.1\n");
                        return 1;
                    }
                    return record(command, log);
                });
        ServerUnavailableException e = assertThrows(ServerUnavailableException.class, () -> ServerCommand.find(lookup));
        assertTrue(e.getMessage().contains("pip could not install"), e.getMessage());
        assertTrue(e.getMessage().contains("grpcio==1.85.1") && e.getMessage().contains("install.log"), e.getMessage());
        assertEquals("SERVER_NOT_FOUND", e.reason());
    }
}
