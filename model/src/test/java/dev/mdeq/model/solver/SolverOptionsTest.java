package dev.mdeq.model.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ConfigException;
import dev.mdeq.config.DeqConfig;
import dev.mdeq.config.DeqConfig.StopMode;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import org.junit.jupiter.api.Test;

import java.util.List;

/** Solver options derived from an experiment config. */
class SolverOptionsTest {

    private static final long D_TINY = 30_720; // CIFAR TINY: 24*32*32 + 24*16*16

    @Test
    void referenceEpsScalesWithTheBatchAndStateSize() {
        ExperimentConfig config = Presets.load("cifar/cls_mdeq_TINY", List.of());
        SolverOptions forward = SolverOptions.forward(config, 64, D_TINY);
        assertEquals(22, forward.threshold());
        assertEquals(StopMode.REFERENCE, forward.stopMode());
        // docs/reference-model.md §3.3: 64 samples per GPU -> eps_f = 1e-5 * sqrt(64 * 30720) = 0.0140
        assertEquals(1e-5 * Math.sqrt(64.0 * 30_720), forward.eps(), 1e-15);
        assertEquals(0.0140, forward.eps(), 5e-5);
        assertEquals(27, forward.broydenMemory());
        SolverOptions backward = SolverOptions.backward(config, 64, D_TINY);
        assertEquals(22, backward.threshold(), "the reference's backward uses F_THRES");
        assertEquals(2e-10 * Math.sqrt(64.0 * 30_720), backward.eps(), 1e-20);
    }

    @Test
    void perSampleModesUseTheEpsAsGiven() {
        ExperimentConfig config = Presets.load("cifar/cls_mdeq_TINY", List.of("DEQ.STOP_MODE", "rel",
                "DEQ.F_EPS", "0.001", "DEQ.USE_B_THRES", "true", "DEQ.BROYDEN_MEMORY", "10", "DEQ.ANDERSON_M", "5"));
        SolverOptions forward = SolverOptions.forward(config, 64, D_TINY);
        assertEquals(StopMode.REL, forward.stopMode());
        assertEquals(1e-3, forward.eps());
        assertEquals(10, forward.broydenMemory());
        assertEquals(5, forward.andersonM());
        assertEquals(24, SolverOptions.backward(config, 64, D_TINY).threshold(), "B_THRES when USE_B_THRES");
    }

    @Test
    void badValuesNameTheKey() {
        // The config refuses out-of-range solver settings when it is loaded (ConfigRules).
        ConfigException e = assertThrows(ConfigException.class,
                () -> Presets.load("cifar/cls_mdeq_TINY", List.of("DEQ.ANDERSON_M", "1")));
        assertTrue(e.getMessage().contains("DEQ.ANDERSON_M"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> Presets.load("cifar/cls_mdeq_TINY", List.of("DEQ.BROYDEN_MEMORY", "0")));
        assertTrue(e.getMessage().contains("DEQ.BROYDEN_MEMORY"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> SolverOptions.reference(-1, 1e-3));
        assertTrue(bad.getMessage().contains("threshold"));
        assertThrows(IllegalArgumentException.class, () -> SolverOptions.reference(5, Double.NaN));
    }

    @Test
    void solversByConfigName() {
        assertInstanceOf(BroydenSolver.class, Solvers.of(DeqConfig.Solver.BROYDEN));
        assertInstanceOf(AndersonSolver.class, Solvers.of(DeqConfig.Solver.ANDERSON));
        assertInstanceOf(FixedPointSolver.class, Solvers.of(DeqConfig.Solver.FIXED_POINT));
        assertEquals("fixed_point", Solvers.of(DeqConfig.Solver.FIXED_POINT).name());
    }
}
