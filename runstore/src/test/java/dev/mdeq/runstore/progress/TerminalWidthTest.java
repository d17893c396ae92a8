package dev.mdeq.runstore.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TerminalWidthTest {
    private final AtomicLong nanos = new AtomicLong();
    private final Deque<OptionalInt> answers = new ArrayDeque<>();
    private int queries;

    private OptionalInt query() {
        queries++;
        return answers.isEmpty() ? OptionalInt.empty() : answers.pop();
    }

    @Test
    void withSignalsTheWidthIsReadOnceAndAgainAfterAResize() {
        answers.addAll(List.of(OptionalInt.of(120), OptionalInt.of(60)));
        TerminalWidth width = new TerminalWidth(this::query, nanos::get, true);
        assertEquals(120, width.getAsInt());
        nanos.addAndGet(60_000_000_000L);
        assertEquals(120, width.getAsInt());
        assertEquals(1, queries, "no re-read without a resize");
        TerminalWidth.resized();
        assertEquals(60, width.getAsInt());
        assertEquals(60, width.getAsInt());
        assertEquals(2, queries);
    }

    @Test
    void withoutSignalsTheWidthIsReadAgainAfterAWhile() {
        answers.addAll(List.of(OptionalInt.of(100), OptionalInt.of(40)));
        TerminalWidth width = new TerminalWidth(this::query, nanos::get, false);
        assertEquals(100, width.getAsInt());
        nanos.addAndGet(1_000_000_000L);
        assertEquals(100, width.getAsInt());
        nanos.addAndGet(TerminalWidth.REREAD_SECONDS * 1_000_000_000L);
        assertEquals(40, width.getAsInt());
        assertEquals(2, queries);
    }

    @Test
    void anUnknownWidthIsTheDefault() {
        assertEquals(TerminalWidth.DEFAULT, new TerminalWidth(this::query, nanos::get, false).getAsInt());
    }

    @Test
    void sttyAndColumnsAreParsed() {
        assertEquals(OptionalInt.of(80), TerminalWidth.parseSttySize("30 80\n"));
        assertEquals(OptionalInt.empty(), TerminalWidth.parseSttySize("stty: 'standard input': Inappropriate ioctl"));
        assertEquals(OptionalInt.empty(), TerminalWidth.parseSttySize("0 0"), "a pseudo terminal with no size");
        assertEquals(OptionalInt.of(132), TerminalWidth.parseColumns(" 132 "));
        assertEquals(OptionalInt.empty(), TerminalWidth.parseColumns(null));
        assertEquals(OptionalInt.empty(), TerminalWidth.parseColumns("-5"));
    }

    @Test
    void theSystemWidthIsPositiveWithOrWithoutATerminal() {
        assertTrue(TerminalWidth.system().getAsInt() > 0);
    }
}
