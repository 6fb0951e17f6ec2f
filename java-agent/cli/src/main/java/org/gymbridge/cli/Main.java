package org.gymbridge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code gymbridge} command. Each verb is a picocli subcommand in its own class in this package,
 * registered in the {@code subcommands} list below; {@code bin/gymbridge} runs it.
 */
@Command(name = "gymbridge", mixinStandardHelpOptions = true, version = "gymbridge 0.1.0-SNAPSHOT",
        description = "Train reinforcement-learning agents from Java on Gymnasium envs served over gRPC.",
        subcommands = {CommandLine.HelpCommand.class, BenchCommand.class, EnvsCommand.class, EvalCommand.class,
                LabelCommand.class, RecordCommand.class, TrainCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "on failure, print the stack trace after the one-line message")
    boolean debug;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code execute} on it instead of {@link #main}. */
    public static CommandLine commandLine() {
        Quiet.logging();
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(new Failures());
    }

    @Override
    public void run() {
        // No verb given: show what there is.
        spec.commandLine().usage(System.out);
    }
}
