package dev.mdeq.operator;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Everything logged in this JVM while open (every logger, every level, with stack traces): the JBoss log
 * manager under Quarkus hands records to the handlers of the root java.util.logging logger.
 */
final class LogCapture extends Handler implements AutoCloseable {
    private final StringBuffer text = new StringBuffer();
    private final Formatter formatter = new SimpleFormatter();
    private LogCapture() {
        setLevel(Level.ALL);
        Logger.getLogger("").addHandler(this);
    }

    static LogCapture start() {
        return new LogCapture();
    }

    /**
     * All records so far, formatted, with their exceptions' stack traces and messages. Logs a marker through the
     * operator's logging first and fails when it was not captured, so that an empty capture cannot pass a check.
     */
    String text() {
        String marker = "log-capture-marker-" + System.nanoTime();
        org.jboss.logging.Logger.getLogger("dev.mdeq.operator").warn(marker);
        if (!text.toString().contains(marker)) {
            throw new AssertionError("the log capture saw nothing: its handler is not attached to the log manager");
        }
        return text.toString();
    }

    @Override
    public void publish(LogRecord record) {
        text.append(formatter.formatMessage(record)).append('\n');
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            text.append(trace).append('\n');
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
