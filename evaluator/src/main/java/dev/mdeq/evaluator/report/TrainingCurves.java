package dev.mdeq.evaluator.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mdeq.runstore.run.RunJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training curves of a run, read from its {@code metrics.jsonl}: one JSON object per line with
 * fields such as {@code step}, {@code epoch}, {@code loss}, {@code lr}, {@code metric}. Any field may
 * be missing from any line; a curve has a point wherever its field is a number. The x axis is
 * {@code step} when lines have it, else {@code epoch}, else the line number. Lines that are not
 * JSON objects are counted and left out.
 *
 * @param xAxis the field used as x ({@code step}, {@code epoch} or {@code line})
 * @param series points per numeric field, in the order fields first appear
 * @param lines lines read
 * @param unreadableLines lines left out
 */
public record TrainingCurves(String xAxis, Map<String, List<double[]>> series, int lines, int unreadableLines) {
    private static final List<String> X_FIELDS = List.of("step", "epoch");
    /** Numeric fields that are not curves. */
    private static final List<String> NOT_CURVES = List.of("step", "epoch", "time", "timestamp");

    /** No curves (a run without metrics.jsonl). */
    public static TrainingCurves empty() {
        return new TrainingCurves("step", Map.of(), 0, 0);
    }

    /** Parses the text of a metrics.jsonl file. */
    public static TrainingCurves parse(String jsonl) {
        List<JsonNode> objects = new ArrayList<>();
        int lines = 0;
        int unreadable = 0;
        try (BufferedReader reader = new BufferedReader(new StringReader(jsonl))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                lines++;
                try {
                    JsonNode node = RunJson.mapper().readTree(line);
                    if (node != null && node.isObject()) {
                        objects.add(node);
                    } else {
                        unreadable++;
                    }
                } catch (IOException e) {
                    unreadable++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String xAxis = "line";
        for (String candidate : X_FIELDS) {
            if (objects.stream().anyMatch(o -> o.path(candidate).isNumber())) {
                xAxis = candidate;
                break;
            }
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (int i = 0; i < objects.size(); i++) {
            JsonNode o = objects.get(i);
            double x;
            if (xAxis.equals("line")) {
                x = i + 1;
            } else if (o.path(xAxis).isNumber()) {
                x = o.path(xAxis).asDouble();
            } else {
                continue;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (NOT_CURVES.contains(f.getKey()) || !f.getValue().isNumber()) {
                    continue;
                }
                double y = f.getValue().asDouble();
                if (Double.isFinite(y)) {
                    series.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(new double[] {x, y});
                }
            }
        }
        return new TrainingCurves(xAxis, series, lines, unreadable);
    }
}
