package dev.mdeq.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.RunJson;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationCountsTest {
    private static final double EPS = 1e-12;

    @Test
    void topKFromScoresHandComputed() {
        ClassificationCounts c = new ClassificationCounts(7);
        // true class 2 has the highest score: rank 0
        c.addScores(new float[] {0.1f, 0.2f, 0.9f, 0.3f, 0f, 0f, 0f}, 2);
        // true class 0 (score 0.5) is beaten by classes 3, 4 (0.6, 0.7): rank 2; prediction 4
        c.addScores(new float[] {0.5f, 0.1f, 0.1f, 0.6f, 0.7f, 0f, 0f}, 0);
        // true class 6 ties with class 1 (lower index ranks first) and is beaten by 5 others: rank 6
        c.addScores(new float[] {1f, 0.5f, 1f, 1f, 1f, 1f, 0.5f}, 6);

        ClassificationMetrics m = ClassificationMetrics.of(c, SegmentationMetrics.numberedNames(7));
        assertEquals(3, m.samples());
        assertEquals(1.0 / 3, m.top1(), EPS);
        assertEquals(2.0 / 3, m.top5(), EPS);
        assertEquals(1, c.confusion().count(2, 2));
        assertEquals(1, c.confusion().count(0, 4));
        assertEquals(1, c.confusion().count(6, 0)); // first maximum
        assertEquals(0.0, m.classes().get(0).accuracy(), EPS);
        assertEquals(1.0, m.classes().get(2).accuracy(), EPS);
        assertTrue(Double.isNaN(m.classes().get(1).accuracy()));
        assertEquals((0.0 + 1.0 + 0.0) / 3, m.meanClassAccuracy(), EPS);
    }

    @Test
    void tieAtTheTopGoesToTheLowerIndex() {
        ClassificationCounts c = new ClassificationCounts(3);
        c.addScores(new float[] {1f, 1f, 0f}, 1);
        assertEquals(0, c.correctAtK(1));
        assertEquals(1, c.correctAtK(2));
        assertEquals(1, c.confusion().count(1, 0));
    }

    @Test
    void nanScoresCountWrongAndAreReported() {
        ClassificationCounts c = new ClassificationCounts(3);
        c.addScores(new float[] {Float.NaN, 0f, 5f}, 2);
        assertEquals(1, c.invalidSamples());
        assertEquals(0, c.correctAtK(5));
        assertEquals(1, c.confusion().count(2, 3));
    }

    @Test
    void batchAndRankedInputs() {
        ClassificationCounts batch = new ClassificationCounts(4);
        batch.addBatch(new float[] {0, 1, 2, 3, 3, 2, 1, 0}, new int[] {3, 1});
        ClassificationCounts ranked = new ClassificationCounts(4);
        ranked.addRanked(new int[] {3, 2, 1, 0}, 3);
        ranked.addRanked(new int[] {0, 1, 2, 3}, 1);
        assertEquals(batch, ranked);
        assertEquals(1, batch.correctAtK(1));
        assertEquals(2, batch.correctAtK(2));
        assertThrows(IllegalArgumentException.class, () -> batch.addBatch(new float[5], new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> batch.addScores(new float[4], 4));
        ranked.addRanked(new int[0], 2);
        assertEquals(1, ranked.confusion().count(2, 4));
    }

    @Test
    void fewerThanFiveClassesMakeTopFiveComplete() {
        ClassificationCounts c = new ClassificationCounts(3);
        c.addScores(new float[] {3, 2, 1}, 2);
        assertEquals(1.0, ClassificationMetrics.of(c, List.of("a", "b", "c")).top5(), EPS);
        assertEquals(0.0, ClassificationMetrics.of(c, List.of("a", "b", "c")).top1(), EPS);
    }

    @Test
    void mergeIsExactAndJsonRoundTrips() {
        ClassificationCounts a = new ClassificationCounts(4);
        ClassificationCounts b = new ClassificationCounts(4);
        ClassificationCounts all = new ClassificationCounts(4);
        float[][] scores = {{1, 0, 0, 0}, {0, 1, 2, 0}, {0, 0, 0, 1}, {5, 4, 3, 2}, {Float.NaN, 0, 0, 0}};
        int[] labels = {0, 1, 3, 3, 2};
        for (int i = 0; i < scores.length; i++) {
            (i < 2 ? a : b).addScores(scores[i], labels[i]);
            all.addScores(scores[i], labels[i]);
        }
        a.merge(b);
        assertEquals(all, a);
        ClassificationCounts back = RunJson.read(RunJson.write(all), ClassificationCounts.class, "counts");
        assertEquals(all, back);
    }

    @Test
    void emptyCountsHaveUndefinedScores() {
        ClassificationMetrics m = ClassificationMetrics.of(new ClassificationCounts(2), List.of("a", "b"));
        assertTrue(Double.isNaN(m.top1()));
        assertTrue(Double.isNaN(m.meanClassAccuracy()));
    }
}
