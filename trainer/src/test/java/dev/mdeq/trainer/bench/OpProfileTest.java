package dev.mdeq.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Self times from a hand-written Chrome trace in libtorch's format, and the op kinds. */
class OpProfileTest {

    @Test
    void selfTimeIsTheDurationMinusTheNestedOpsPerThread(@TempDir Path dir) throws Exception {
        // thread 1: convolution [0, 100) calls mkldnn_convolution [10, 90) which calls empty [20, 25);
        //           then add [100, 130) and, after a gap of 20, sum [150, 160)
        // thread 2: convolution_backward [0, 50), overlapping thread 1 in time but not nested in it
        Path trace = Files.writeString(dir.resolve("t.json"), """
                [
                {"name": "aten::mkldnn_convolution", "ph": "X", "ts": 10, "dur": 80, "tid": 1},
                {"name": "aten::convolution", "ph": "X", "ts": 0, "dur": 100, "tid": 1},
                {"name": "aten::empty", "ph": "X", "ts": 20, "dur": 5, "tid": 1},
                {"name": "aten::add", "ph": "X", "ts": 100, "dur": 30, "tid": 1},
                {"name": "aten::sum", "ph": "X", "ts": 150, "dur": 10, "tid": 1},
                {"name": "aten::convolution_backward", "ph": "X", "ts": 0, "dur": 50, "tid": 2},
                {"name": "process_name", "ph": "M", "tid": 1}
                ]
                """);
        OpProfile.Breakdown b = OpProfile.parse(trace, 300e-6);
        Map<OpProfile.Kind, Double> s = b.selfSeconds();
        assertEquals(95e-6, s.get(OpProfile.Kind.CONV_FORWARD), 1e-12); // 100 - 80 + 80 - 5
        assertEquals(5e-6, s.get(OpProfile.Kind.ALLOCATION), 1e-12);
        assertEquals(30e-6, s.get(OpProfile.Kind.ELEMENTWISE), 1e-12);
        assertEquals(10e-6, s.get(OpProfile.Kind.REDUCTION), 1e-12);
        assertEquals(50e-6, s.get(OpProfile.Kind.CONV_BACKWARD), 1e-12);
        assertEquals(300e-6 - 190e-6, b.outsideSeconds(), 1e-12);
        assertEquals("aten::mkldnn_convolution", b.topOps().get(0).getKey());
        assertEquals(75e-6, b.topOps().get(0).getValue(), 1e-12);
    }

    @Test
    void opNamesMapToKinds() {
        assertEquals(OpProfile.Kind.CONV_BACKWARD, OpProfile.Kind.of("aten::convolution_backward"));
        assertEquals(OpProfile.Kind.CONV_FORWARD, OpProfile.Kind.of("aten::_convolution"));
        assertEquals(OpProfile.Kind.NORMALISATION, OpProfile.Kind.of("aten::native_layer_norm_backward"));
        assertEquals(OpProfile.Kind.NORMALISATION, OpProfile.Kind.of("aten::native_group_norm"));
        assertEquals(OpProfile.Kind.AUTOGRAD, OpProfile.Kind.of("autograd::engine::evaluate_function: MulBackward0"));
        assertEquals(OpProfile.Kind.AUTOGRAD, OpProfile.Kind.of("ConvolutionBackward0"));
        assertEquals(OpProfile.Kind.LINEAR_ALGEBRA, OpProfile.Kind.of("aten::bmm"));
        assertEquals(OpProfile.Kind.REDUCTION, OpProfile.Kind.of("aten::linalg_vector_norm"));
        assertEquals(OpProfile.Kind.INTERPOLATION, OpProfile.Kind.of("aten::upsample_nearest2d_backward"));
        assertEquals(OpProfile.Kind.COPIES, OpProfile.Kind.of("aten::copy_"));
        assertEquals(OpProfile.Kind.ELEMENTWISE, OpProfile.Kind.of("aten::threshold_backward"));
        assertEquals(OpProfile.Kind.OTHER, OpProfile.Kind.of("aten::some_new_op"));
    }
}
