package org.gymbridge.cli;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps library logging out of the CLI's output. SLF4J (DL4J, ND4J) is set by {@code simplelogger.properties} on
 * the classpath; gRPC and its shaded Netty log through {@code java.util.logging}, whose warnings about a channel
 * or a connection that the server closed (a local server that exits with the CLI) say nothing the user can act
 * on: they are raised to SEVERE here. Real failures still reach the user as exceptions, one line each.
 */
final class Quiet {
    /** Held so that the configured levels are not lost to garbage collection (JUL keeps loggers weakly). */
    private static final Logger[] LOGGERS = {Logger.getLogger("io.grpc"), Logger.getLogger("io.netty"),
            Logger.getLogger("io.grpc.netty.shaded.io.netty")};

    private Quiet() {
    }

    static void logging() {
        for (Logger logger : LOGGERS) {
            logger.setLevel(Level.SEVERE);
        }
    }
}
