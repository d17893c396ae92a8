package dev.mdeq.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mdeq.metrics.ConfusionMatrix;
import org.junit.jupiter.api.Test;

class ValidationTest {

    @Test
    void meanIouAveragesEveryClassIncludingAbsentOnes() {
        // rows = ground truth, columns = prediction, 3 classes; class 2 never occurs nor is predicted
        // (the fourth column counts predictions outside the classes; validation never makes one)
        ConfusionMatrix confusion = ConfusionMatrix.of(new long[][] {
            {8, 2, 0, 0},
            {1, 4, 0, 0},
            {0, 0, 0, 0}}, 0);
        double iou0 = 8.0 / (10 + 9 - 8);
        double iou1 = 4.0 / (5 + 6 - 4);
        assertEquals((iou0 + iou1 + 0.0) / 3, Validation.meanIou(confusion), 1e-15);
    }
}
