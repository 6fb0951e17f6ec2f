package org.gymbridge.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * Runs the {@code gymbridge} command line as {@code bin/gymbridge} does ({@link Main#commandLine()}, minus the
 * JVM exit) and keeps what it wrote: picocli's out and err, and {@code System.out} and {@code System.err}
 * (where train prints progress, and libraries would log).
 */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try {
            CommandLine cli = Main.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            code = cli.execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        String printedErr = capturedErr.toString(StandardCharsets.UTF_8);
        stdout.print(printed);
        stderr.print(printedErr);
        return new CliRun(code, printed + out, printedErr + err);
    }

    /** Everything the user saw. */
    String all() {
        return out + err;
    }
}
