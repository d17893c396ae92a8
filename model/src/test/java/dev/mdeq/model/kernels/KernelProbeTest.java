package dev.mdeq.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The probe's child processes, real ones (this machine's libtorch) and their output format. */
class KernelProbeTest {
    @Test
    void aChildUnderTheAvx2SetReportsThatIsaAndOneDnnsKernelsPerConvolution() {
        ProbeResult result = KernelProbe.sameJvm().probe(KernelSet.AVX2);
        assertTrue(result.passed(), result.describe());
        if (CpuInfo.current().flags().contains("avx2")) {
            assertEquals("Intel AVX2", result.isa());
            // 3x3 convolutions run in oneDNN, named after the set; 1x1 ones in libtorch's own code
            assertTrue(result.implementations().get("conv3x3 24->120 @32 forward").endsWith("avx2"),
                    result.implementations().toString());
        }
    }

    @Test
    void anEnvironmentSetAfterLibtorchLoadedStillLimitsOneDnn() {
        // the mechanism the gate uses in-process: setenv after the engine loaded, before the first primitive
        ProbeResult result = KernelProbe.sameJvm().withMain(SetenvThenCheck.class.getName()).probe(KernelSet.DEFAULT);
        assertTrue(result.passed(), result.describe());
        if (CpuInfo.current().flags().contains("avx2")) {
            assertEquals("Intel AVX2", result.isa());
        }
    }

    @Test
    void aChildThatDiesReportsItsExitCodeAndLastErrorLines() {
        ProbeResult result = KernelProbe.parse(KernelSet.AVX2, 134, "onednn_verbose,v1,info,oneDNN v3.7.1 (commit 8d26)\n"
                + "onednn_verbose,v1,info,cpu,isa:Intel AVX2\n",
                "line 1\n\nA fatal error has been detected\nSIGSEGV\n");
        assertEquals("avx2: the check process failed (exit code 134: line 1 | A fatal error has been detected | SIGSEGV)",
                result.describe());
        assertEquals("Intel AVX2", result.isa());
        assertEquals("v3.7.1", result.onednnVersion());
        assertNull(result.report());
    }
}
