package dev.mdeq.runstore.progress;

import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.Progress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProgressReporterTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-02T10:00:00Z"), ZoneOffset.UTC);

    private void elapse(double seconds) {
        nanos.addAndGet((long) (seconds * 1e9));
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private List<JsonNode> jsonLines() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output().split("\n")) {
            if (!line.isBlank()) {
                lines.add(RunJson.mapper().readTree(line));
            }
        }
        return lines;
    }

    @Test
    void podsGetOneStructuredLinePerInterval() throws IOException {
        ProgressReporter p = ProgressReporter.builder("evaluate", Progress.Phase.EVALUATING, 100).unit("images")
                .console(false).out(out).logInterval(Duration.ofSeconds(30)).clocks(nanos::get, clock).start();
        for (int i = 0; i < 10; i++) {
            elapse(1);
            p.advance(1);
        }
        assertEquals(1, jsonLines().size(), "only the start line before the interval: " + output());
        elapse(20);
        p.advance(10); // 20 done after 30 s
        p.metric("mIoU", 71.234);
        elapse(1);
        p.advance(0);
        p.finish(Progress.Phase.SUCCEEDED, "done");

        List<JsonNode> lines = jsonLines();
        assertEquals(3, lines.size(), output());
        assertEquals("started", lines.get(0).get("event").asText());
        JsonNode progress = lines.get(1);
        assertEquals("progress", progress.get("event").asText());
        assertEquals(20, progress.get("done").asLong());
        assertEquals(100, progress.get("total").asLong());
        assertEquals(20.0, progress.get("percent").asDouble(), 1e-9);
        assertEquals(20.0 / 30, progress.get("perSecond").asDouble(), 1e-3);
        assertEquals(120, progress.get("etaSeconds").asLong()); // 80 left at 2/3 per second
        assertEquals("2026-11-02T10:00:00Z", progress.get("time").asText());
        JsonNode last = lines.get(2);
        assertEquals("finished", last.get("event").asText());
        assertEquals("SUCCEEDED", last.get("phase").asText());
        assertEquals("71.23", last.get("mIoU").asText());
        assertEquals("done", last.get("message").asText());
    }

    @Test
    void terminalsGetABarRedrawnInPlace() {
        ProgressReporter p = ProgressReporter.builder("evaluate", Progress.Phase.EVALUATING, 10).unit("images")
                .console(true).out(out).columns(() -> 120).barInterval(Duration.ofMillis(200)).clocks(nanos::get, clock)
                .start();
        elapse(1);
        p.advance(5);
        String half = output();
        assertTrue(half.startsWith("\revaluate [###############...............] 5/10 images  50%"), half);
        assertTrue(half.contains("5.00 images/s") && half.contains("ETA 0:01"), half);
        p.advance(1); // within the redraw interval: no new frame
        assertEquals(half, output());
        elapse(1);
        p.advance(4);
        p.finish(Progress.Phase.SUCCEEDED, "report written to x");
        assertTrue(output().contains("[##############################] 10/10 images 100%"), output());
        assertTrue(output().endsWith("5.00 images/s\n"), "the bar line is ended: " + output());
        assertFalse(output().contains("report written"), "the result is left to the command: " + output());
        assertFalse(output().contains("{"), "no JSON on a terminal");
    }

    /** A training bar as the trainer draws it, on a terminal {@code columns} wide. */
    private ProgressReporter trainingBar(IntSupplier columns) {
        ProgressReporter p = ProgressReporter.builder("train", Progress.Phase.TRAINING, 288).unit("steps")
                .console(true).out(out).columns(columns).detailOrder("loss", "mIoU")
                .clocks(nanos::get, clock).start();
        p.detail("lr", "4.70e-02");
        p.detail("nfe", "8.0");
        p.detail("samples/s", "31.4");
        p.detail("dataWait", "1%");
        p.metric("mIoU", 47.7);
        p.detail("loss", "1.2076");
        return p;
    }

    /** Each frame of the bar: the text between carriage returns on the current line. */
    private List<String> frames() {
        String text = output();
        String[] parts = text.substring(text.lastIndexOf('\n') + 1).split("\r", -1);
        return List.of(parts).subList(1, parts.length);
    }

    @ParameterizedTest
    @ValueSource(ints = {40, 80, 120, 200})
    void everyFrameFitsTheTerminalAndIsRedrawnInPlace(int columns) {
        ProgressReporter p = trainingBar(() -> columns);
        for (int step = 7; step <= 280; step += 7) {
            elapse(1);
            p.set(step);
        }
        List<String> frames = frames();
        assertFalse(output().contains("\n"), "no new line between frames: " + output());
        assertEquals(40, frames.size(), output());
        for (String frame : frames) {
            assertTrue(frame.length() < columns, frame.length() + " columns of " + columns + ": " + frame);
            assertTrue(frame.startsWith("train ["), frame);
        }
        String last = frames.get(frames.size() - 1);
        // the most useful fields first; what does not fit is left out, never cut in half
        assertTrue(last.matches("train \\[#+\\.+\\] 280/288( steps)?  97% 7\\.00( steps)?/s.*"), last);
        switch (columns) {
            case 40 -> assertEquals("train [##########.] 280/288  97% 7.00/s", last);
            case 80 -> assertTrue(last.endsWith("/s ETA 0:01 loss=1.2076 mIoU=47.70"), last);
            case 120 -> assertTrue(last.endsWith("[" + "#".repeat(29) + ".] 280/288 steps  97% 7.00 steps/s "
                    + "ETA 0:01 loss=1.2076 mIoU=47.70 lr=4.70e-02"), "a full bar before the other details: " + last);
            default -> assertTrue(last.endsWith("ETA 0:01 loss=1.2076 mIoU=47.70 lr=4.70e-02 nfe=8.0 "
                    + "samples/s=31.4 dataWait=1%"), last);
        }
        p.finish(Progress.Phase.SUCCEEDED, null);
        assertTrue(output().endsWith("\n"), "the bar line is ended");
    }

    @Test
    void aNarrowerTerminalGetsShorterFramesAndNoOverlongBlanking() {
        AtomicInteger columns = new AtomicInteger(200);
        ProgressReporter p = trainingBar(columns::get);
        elapse(1);
        p.set(10);
        String wide = frames().get(frames().size() - 1);
        assertTrue(wide.length() > 100, wide);
        columns.set(60);
        elapse(1);
        p.set(20);
        String narrow = frames().get(frames().size() - 1);
        assertTrue(narrow.length() == 59 && narrow.startsWith("train ["), "the frame and its blanking fit: '"
                + narrow + "'");
        columns.set(100);
        elapse(1);
        p.set(30);
        String wider = frames().get(frames().size() - 1);
        assertTrue(wider.contains("loss=1.2076 mIoU=47.70"), wider);
        assertEquals(99, wider.length(), "the terminal may have rejoined the rows of the narrow frame: the whole row "
                + "is blanked");
        elapse(1);
        p.set(40);
        String same = frames().get(frames().size() - 1);
        assertEquals(same.strip().length(), same.length(), "no blanking when the width stays: '" + same + "'");
    }

    @Test
    void messagesGoAboveTheBarWhichIsDrawnAgain() {
        ProgressReporter p = trainingBar(() -> 80);
        elapse(1);
        p.set(10);
        p.message("train: checkpoint step-10 written");
        String[] lines = output().split("\n", -1);
        assertEquals(2, lines.length, output());
        assertTrue(lines[0].endsWith("\rtrain: checkpoint step-10 written"), "the bar is blanked first: " + lines[0]);
        assertTrue(lines[1].startsWith("\rtrain [...") && lines[1].contains("10/288"), "the bar again below: "
                + lines[1]);
    }

    @Test
    void aResumedRunCountsFromItsStartButRatesOnlyTheNewWork() throws IOException {
        ProgressReporter p = ProgressReporter.builder("train", Progress.Phase.TRAINING, 100).unit("steps")
                .startAt(60).console(false).out(out).logInterval(Duration.ofSeconds(1)).clocks(nanos::get, clock)
                .start();
        assertEquals(60, p.done());
        assertEquals(null, p.rate(), "nothing done by this process yet");
        elapse(10);
        p.set(80);
        assertEquals(2.0, p.rate(), 1e-9);
        assertEquals(10L, p.etaSeconds());
        JsonNode progress = jsonLines().get(1);
        assertEquals(80, progress.get("done").asLong());
        assertEquals(80.0, progress.get("percent").asDouble(), 1e-9);
    }

    @Test
    void heartbeatsCarryRateEtaMetricAndDecoration() {
        List<Progress> beats = new ArrayList<>();
        ProgressReporter p = ProgressReporter.builder("train", Progress.Phase.TRAINING, 1000).console(false).out(out)
                .heartbeat(beats::add, Duration.ofSeconds(15))
                .decorate(b -> new Progress(b.phase(), 3, 10, b.step(), b.totalSteps(), 0.5, b.metric(), b.metricName(),
                        0.01, null, null, b.samplesPerSecond(), b.etaSeconds(), null, null, b.message(), b.time()))
                .clocks(nanos::get, clock).start();
        assertEquals(1, beats.size());
        assertEquals(0L, beats.get(0).step());
        elapse(10);
        p.set(100);
        assertEquals(1, beats.size());
        p.metric("top1", 55.5);
        elapse(10);
        p.set(200);
        assertEquals(2, beats.size());
        Progress b = beats.get(1);
        assertEquals(Progress.Phase.TRAINING, b.phase());
        assertEquals(200L, b.step());
        assertEquals(1000L, b.totalSteps());
        assertEquals(10.0, b.samplesPerSecond(), 1e-9);
        assertEquals(80L, b.etaSeconds());
        assertEquals(55.5, b.metric(), 1e-9);
        assertEquals("top1", b.metricName());
        assertEquals(3, b.epoch());
        assertEquals(0.5, b.loss(), 1e-9);
        assertEquals(20.0, b.percentage(), 1e-9);
        p.finish(Progress.Phase.FAILED, "diverged");
        p.close();
        assertEquals(3, beats.size(), "finish sends once; close after finish sends nothing");
        assertEquals(Progress.Phase.FAILED, beats.get(2).phase());
        assertEquals("diverged", beats.get(2).message());
    }

    @Test
    void aFailingHeartbeatIsReportedOnceAndTheWorkGoesOn() {
        ProgressReporter p = ProgressReporter.builder("evaluate", Progress.Phase.EVALUATING, 3).console(false).out(out)
                .heartbeat(x -> {
                    throw new IllegalStateException("store unreachable");
                }, Duration.ZERO).clocks(nanos::get, clock).start();
        p.advance(1);
        p.advance(1);
        p.finish(Progress.Phase.SUCCEEDED, null);
        String text = output();
        assertEquals(text.indexOf("store unreachable"), text.lastIndexOf("store unreachable"), text);
        assertTrue(text.contains("warning: cannot write the progress heartbeat"), text);
    }

    @Test
    void unknownTotalsShowCountsOnly() {
        ProgressReporter p = ProgressReporter.builder("stage", Progress.Phase.STAGING_DATA, 0).unit("files")
                .console(true).out(out).columns(() -> 80).clocks(nanos::get, clock).start();
        elapse(2);
        p.advance(7);
        assertTrue(output().contains("stage 7 files 3.50 files/s"), output());
        assertEquals(null, p.etaSeconds());
        assertEquals("1:01:01", ProgressReporter.formatSeconds(3661));
    }
}
