package dev.mdeq.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import dev.mdeq.model.testing.ManagedTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The self-check passes libtorch's kernels here and catches wrong ones in each direction. */
class ConvolutionCheckTest extends ManagedTest {
    private static final List<ConvolutionCheck.Case> CASES = List.of(
            new ConvolutionCheck.Case(2, 24, 40, 16, 3, 1), new ConvolutionCheck.Case(2, 16, 16, 16, 3, 2));

    @Test
    void libtorchsKernelsAgreeWithFloat64OnEveryMdeqShape() {
        KernelCheckReport report = ConvolutionCheck.mdeq().run(manager);
        assertEquals(ConvolutionCheck.MDEQ_CASES.size() * 3, report.results().size());
        assertTrue(report.passed(), report.summary());
        assertTrue(report.worst().relativeError() > 0, "float32 cannot equal float64 exactly: " + report.summary());
    }

    @Test
    void aForwardErrorOfOneInAThousandFailsEveryDirection() {
        // a kernel whose sums are 0.1 % off, like the AVX-512 kernels at the model's output
        ConvolutionCheck.Convolution scaled = (x, w, s, p) -> ConvolutionCheck.LIBTORCH.apply(x, w, s, p).mul(1.001f);
        KernelCheckReport report = new ConvolutionCheck(CASES, scaled).run(manager);
        assertFalse(report.passed());
        assertEquals(6, report.failures().size());
        assertEquals(1e-3, report.worst().relativeError(), 1e-4);
        assertTrue(report.summary().startsWith("6 of 6 kernels wrong (conv3x3 24->40 @16 forward: relative error 1.0e-03"),
                report.summary());
    }

    @Test
    void aBackwardOnlyErrorFailsOnlyTheBackwardDirections() {
        // forward value unchanged (y + e*(y - y) == y exactly), gradients scaled by 1 + e
        ConvolutionCheck.Convolution wrongGradient = (x, w, s, p) -> {
            NDArray y = ConvolutionCheck.LIBTORCH.apply(x, w, s, p);
            return y.add(y.sub(y.stopGradient()).mul(1e-3f));
        };
        KernelCheckReport report = new ConvolutionCheck(CASES, wrongGradient).run(manager);
        assertEquals(List.of("backward-data", "backward-weights", "backward-data", "backward-weights"),
                report.failures().stream().map(KernelResult::direction).toList());
    }

    @Test
    void oneNanIsAFailureEvenWhenEveryOtherValueIsRight() {
        ConvolutionCheck.Convolution oneNan = (x, w, s, p) -> {
            NDArray y = ConvolutionCheck.LIBTORCH.apply(x, w, s, p);
            NDArray mask = y.zerosLike();
            mask.set(new ai.djl.ndarray.index.NDIndex("0, 0, 0, 0"), Float.NaN);
            return y.add(mask);
        };
        KernelCheckReport report = new ConvolutionCheck(CASES.subList(0, 1), oneNan).run(manager);
        KernelResult forward = report.results().get(0);
        assertFalse(forward.passed());
        assertEquals(1, forward.nonFinite());
        assertTrue(Double.isNaN(forward.relativeError()));
        assertEquals("conv3x3 24->40 @16 forward: 1 NaN/Inf values", forward.describe());
    }

    @Test
    void theOneDnnProblemDescriptorMatchesItsVerboseFormat() {
        assertEquals("mb2_ic24oc48_ih32oh16kh3sh2dh0ph1_iw32ow16kw3sw2dw0pw1",
                new ConvolutionCheck.Case(2, 24, 48, 32, 3, 2).onednnProblem());
    }
}
