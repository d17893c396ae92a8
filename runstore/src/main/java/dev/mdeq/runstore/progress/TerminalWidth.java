package dev.mdeq.runstore.progress;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The width of the terminal in columns, for the progress bar: {@code stty size} on the controlling
 * terminal ({@code /dev/tty}), else the COLUMNS variable, else {@value #DEFAULT}. Read once, then
 * again after the terminal is resized: on SIGWINCH where the JVM lets a program handle it, otherwise
 * at most every {@value #REREAD_SECONDS} seconds (a resize is then followed with that delay).
 */
public final class TerminalWidth implements IntSupplier {
    /** Columns assumed when nothing tells the width. */
    public static final int DEFAULT = 80;
    static final int REREAD_SECONDS = 2;
    private static final AtomicInteger RESIZES = new AtomicInteger();

    private final Supplier<OptionalInt> query;
    private final LongSupplier nanoTime;
    private final boolean signalled;
    private int columns;
    private int resizesSeen = -1;
    private long readAt;

    /**
     * @param query reads the width now (empty: unknown)
     * @param nanoTime the clock of the periodic re-read
     * @param signalled true when {@link #resized()} is called on every resize (no periodic re-read)
     */
    TerminalWidth(Supplier<OptionalInt> query, LongSupplier nanoTime, boolean signalled) {
        this.query = query;
        this.nanoTime = nanoTime;
        this.signalled = signalled;
    }

    /** The width of this process's terminal, following resizes. */
    public static TerminalWidth system() {
        return new TerminalWidth(() -> {
            OptionalInt stty = stty();
            return stty.isPresent() ? stty : parseColumns(System.getenv("COLUMNS"));
        }, System::nanoTime, Signals.WATCHING);
    }

    @Override
    public int getAsInt() {
        long now = nanoTime.getAsLong();
        int resizes = RESIZES.get();
        boolean stale = signalled ? resizes != resizesSeen
                : resizesSeen < 0 || now - readAt >= TimeUnit.SECONDS.toNanos(REREAD_SECONDS);
        if (stale) {
            resizesSeen = resizes;
            readAt = now;
            columns = query.get().orElse(DEFAULT);
        }
        return columns;
    }

    /** Marks every width stale (the SIGWINCH handler). */
    static void resized() {
        RESIZES.incrementAndGet();
    }

    /** The columns of {@code stty size} output ({@code "ROWS COLUMNS"}), if it is that. */
    static OptionalInt parseSttySize(String output) {
        String[] parts = output.strip().split("\\s+");
        return parts.length == 2 ? parseColumns(parts[1]) : OptionalInt.empty();
    }

    /** A positive number of columns, if {@code text} is one. */
    static OptionalInt parseColumns(String text) {
        try {
            int value = text == null ? 0 : Integer.parseInt(text.strip());
            return value > 0 ? OptionalInt.of(value) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** {@code stty size} on the controlling terminal; empty without one (a pod, a pipe, Windows). */
    private static OptionalInt stty() {
        try {
            Process process = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            if (!process.waitFor(1, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroy();
                return OptionalInt.empty();
            }
            return parseSttySize(output);
        } catch (IOException e) {
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    /** Registers the SIGWINCH handler once, when the first terminal width is asked for. */
    private static final class Signals {
        static final boolean WATCHING = watch();

        @SuppressWarnings("removal")
        private static boolean watch() {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), signal -> resized());
                return true;
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                return false; // no SIGWINCH on this platform, or the JVM keeps it: re-read periodically
            }
        }
    }
}
