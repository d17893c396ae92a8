package dev.mdeq.evaluator.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingCurvesTest {

    @Test
    void toleratesMissingFieldsAndBadLines() {
        String jsonl = """
                {"step": 10, "epoch": 0, "loss": 2.5, "lr": 0.001, "time": "2026-11-02T10:00:00Z"}
                {"step": 20, "epoch": 0, "loss": 2.1}
                not json at all
                [1, 2, 3]

                {"step": 30, "epoch": 1, "loss": 1.9, "metric": 41.5, "phase": "val"}
                {"epoch": 2, "metric": 50.0}
                {"step": 40, "loss": "NaN", "lr": 0.0005}
                """;
        TrainingCurves c = TrainingCurves.parse(jsonl);
        assertEquals("step", c.xAxis());
        assertEquals(7, c.lines());
        assertEquals(2, c.unreadableLines());
        assertEquals(List.of("loss", "lr", "metric"), List.copyOf(c.series().keySet()));
        List<double[]> loss = c.series().get("loss");
        assertEquals(3, loss.size());
        assertArrayEquals(new double[] {30, 1.9}, loss.get(2));
        assertEquals(2, c.series().get("lr").size());
        assertEquals(1, c.series().get("metric").size(), "the line without a step has no x on the step axis");
    }

    @Test
    void fallsBackToEpochThenLineNumber() {
        assertEquals("epoch", TrainingCurves.parse("{\"epoch\": 1, \"metric\": 3}\n").xAxis());
        TrainingCurves byLine = TrainingCurves.parse("{\"loss\": 3}\n{\"loss\": 2}\n");
        assertEquals("line", byLine.xAxis());
        assertArrayEquals(new double[] {2, 2}, byLine.series().get("loss").get(1));
        assertFalse(TrainingCurves.parse("").series().containsKey("loss"));
    }
}
