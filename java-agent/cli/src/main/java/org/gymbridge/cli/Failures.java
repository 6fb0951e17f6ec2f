package org.gymbridge.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.gymbridge.client.GymBridgeException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * What the user sees when a command fails: one line, {@code gymbridge VERB: message}, whose message says what to
 * fix (the server's messages do, like the client's and the agents'). The stack trace only with {@code --debug}.
 * Exit code 2 for bad input (an unknown algorithm or key, a malformed URL or file), 1 for everything else
 * (an env the server cannot make, a server that cannot be reached, an env that crashed).
 */
final class Failures implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
        PrintWriter err = cli.getErr();
        err.println(cli.getCommandName().equals("gymbridge") ? "gymbridge: " + oneLine(e)
                : "gymbridge " + cli.getCommandName() + ": " + oneLine(e));
        if (debug(parsed)) {
            e.printStackTrace(err);
        } else if (!(e instanceof GymBridgeException || e instanceof IllegalArgumentException
                || e instanceof IOException || e instanceof UncheckedIOException)) {
            // Not one of the failures whose message names the fix: the trace is what a bug report needs.
            err.println("(run again with --debug for the stack trace)");
        }
        err.flush();
        return e instanceof IllegalArgumentException ? 2 : 1;
    }

    /** The message of {@code e}, or of its cause when it only wraps one, on one line. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while ((t.getMessage() == null || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        String[] lines = message.strip().split("\\R");
        return lines.length == 1 ? lines[0] : lines[0] + " (--debug shows the rest)";
    }

    private static boolean debug(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.hasSubcommand() ? p.subcommand() : null) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }
}
