package dev.mdeq.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Schedules against hand-computed values and PyTorch's recursive (chainable) cosine formula. */
class LearningRateScheduleTest {

    @Test
    void cosineHasTheClosedFormValuesAtTheQuarterPoints() {
        LearningRateSchedule cosine = LearningRateSchedule.cosine(0.1, 100, 1e-6);
        assertEquals(0.1, cosine.lr(0, 0), 1e-15);
        assertEquals(1e-6 + (0.1 - 1e-6) * (1 + Math.sqrt(0.5)) / 2, cosine.lr(25, 0), 1e-15);
        assertEquals(1e-6 + (0.1 - 1e-6) / 2, cosine.lr(50, 3), 1e-15);
        assertEquals(1e-6, cosine.lr(100, 9), 1e-15);
    }

    @Test
    void cosineFollowsPyTorchsRecursiveCosineAnnealingLr() {
        double base = 1e-3;
        double etaMin = 1e-6;
        int tMax = 37;
        LearningRateSchedule cosine = LearningRateSchedule.cosine(base, tMax, etaMin);
        // torch.optim.lr_scheduler.CosineAnnealingLR.get_lr, stepped once per iteration
        double lr = base;
        for (int lastEpoch = 0; lastEpoch <= tMax; lastEpoch++) {
            if (lastEpoch > 0) {
                if ((lastEpoch - 1 - tMax) % (2 * tMax) == 0) {
                    lr = lr + (base - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
                } else {
                    lr = (1 + Math.cos(Math.PI * lastEpoch / tMax)) / (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax))
                            * (lr - etaMin) + etaMin;
                }
            }
            assertEquals(lr, cosine.lr(lastEpoch, 0), 1e-12, "step " + lastEpoch);
        }
    }

    @Test
    void multiStepMultipliesAtEachMilestoneEpoch() {
        LearningRateSchedule step = LearningRateSchedule.multiStep(1.0, List.of(3, 5), 0.1);
        assertEquals(1.0, step.lr(1000, 0), 0.0);
        assertEquals(1.0, step.lr(1000, 2), 0.0);
        assertEquals(0.1, step.lr(0, 3), 1e-15);
        assertEquals(0.1, step.lr(0, 4), 1e-15);
        assertEquals(0.01, step.lr(0, 5), 1e-15);
        assertEquals(0.01, step.lr(0, 90), 1e-15);
    }

    @Test
    void polyDecaysWithPowerPointNine() {
        LearningRateSchedule poly = LearningRateSchedule.poly(0.01, 10, 0.9);
        assertEquals(0.01, poly.lr(0, 0), 0.0);
        assertEquals(0.01 * 0.5358867312681466, poly.lr(5, 0), 1e-12); // 0.5^0.9 = exp(-0.9 ln 2)
        assertEquals(0.0, poly.lr(10, 0), 0.0);
        assertEquals(0.0, poly.lr(12, 0), 0.0);
    }

    @Test
    void segmentationAlwaysTrainsWithPolyEvenWhenTheYamlSaysCosine() {
        ExperimentConfig seg = Presets.load("demo/seg_mdeq_tiny", List.of());
        LearningRateSchedule schedule = TrainingOptimization.schedule(seg, 10);
        long total = 10L * seg.train().endEpoch();
        double base = seg.train().lr();
        assertEquals(base * Math.pow(0.5, 0.9), schedule.lr(total / 2, 0), 1e-12);
        assertInstanceOf(Sgd.class, TrainingOptimization.optimizer(seg.train()));
    }

    @Test
    void classificationUsesTheConfiguredScheduleOverAllEpochs() {
        ExperimentConfig cls = Presets.load("demo/cls_mdeq_tiny", List.of());
        long total = 7L * cls.train().endEpoch();
        LearningRateSchedule schedule = TrainingOptimization.schedule(cls, 7);
        assertEquals(1e-6 + (cls.train().lr() - 1e-6) / 2, schedule.lr(total / 2, 0), 1e-12);
        assertInstanceOf(Adam.class, TrainingOptimization.optimizer(cls.train()));

        ExperimentConfig stepped = Presets.load("demo/cls_mdeq_tiny",
                List.of("TRAIN.LR_SCHEDULER", "step", "TRAIN.LR_STEP", "[1]", "TRAIN.LR_FACTOR", "0.5"));
        assertEquals(stepped.train().lr() * 0.5, TrainingOptimization.schedule(stepped, 7).lr(0, 1), 1e-15);
    }
}
