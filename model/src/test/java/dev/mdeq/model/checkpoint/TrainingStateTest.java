package dev.mdeq.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingStateTest {

    @Test
    void stepsAndEpochsAdvanceThePositionTheLossSumsAndTheBest() {
        TrainingState s = TrainingState.fresh(0, 7, "sha", "top1");
        s = s.afterStep(32, 2.0, Map.of("masks", 1L)).afterStep(64, 1.0, Map.of("masks", 2L));
        assertEquals(2, s.step());
        assertEquals(64, s.position());
        assertEquals(3.0, s.epochLossSum());
        assertEquals(2, s.epochSteps());
        assertEquals(Map.of("masks", 2L), s.rng());

        TrainingState next = s.nextEpoch(new TrainingState.EpochRecord(0, 2, 1.5, 40.0, 3.0), true);
        assertEquals(1, next.epoch());
        assertEquals(0, next.position());
        assertEquals(0.0, next.epochLossSum());
        assertEquals(0, next.epochSteps());
        assertEquals(40.0, next.bestMetric());
        assertEquals(2L, next.bestStep());

        TrainingState worse = next.afterStep(32, 0.5, Map.of())
                .nextEpoch(new TrainingState.EpochRecord(1, 3, 0.5, 35.0, 3.0), false);
        assertEquals(40.0, worse.bestMetric());
        assertEquals(2L, worse.bestStep());
        assertEquals(List.of(0, 1), worse.history().stream().map(TrainingState.EpochRecord::epoch).toList());
    }

    @Test
    void jsonRoundTripIsExact() {
        TrainingState s = TrainingState.fresh(2, -5, "abc", "mIoU").afterStep(12, 0.1 + 0.2, Map.of("x", Long.MAX_VALUE))
                .plusTrainingSeconds(1.25);
        assertEquals(s, TrainingState.fromJson(s.toJson(), "state.json"));
        assertNull(TrainingState.fromJson(TrainingState.fresh(0, 1, "a", "top1").toJson(), "s").bestMetric());
    }

    @Test
    void negativePositionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new TrainingState(-1, 0, 0, 0, "a", Map.of(), "top1", null,
                null, 0, 0, 0, List.of()));
    }
}
