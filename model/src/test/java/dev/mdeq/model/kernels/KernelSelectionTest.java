package dev.mdeq.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decisions of the kernel selection, with the answers of an AVX-512 CPU whose default kernels
 * are wrong (as on the AMD EPYC machines) given by injection: no such CPU is needed to test them.
 */
class KernelSelectionTest {
    private static final CpuInfo EPYC = CpuInfo.parse(CpuInfoTest.EPYC);
    private static final CpuInfo AVX2_ONLY = CpuInfo.parse("vendor_id: AuthenticAMD\nmodel name: EPYC 7B12\nflags: avx2 fma\n");

    private static final KernelCheckReport GOOD = report(new KernelResult("conv3x3 24->120 @32", "forward", 4e-7, 0, true));
    private static final KernelCheckReport WRONG = report(
            new KernelResult("conv3x3 24->120 @32", "forward", 4e-7, 0, true),
            new KernelResult("conv3x3 24->120 @32", "backward-data", 1.2e-3, 0, false));

    @TempDir
    Path cacheDir;

    /** What this process saw: the sets imposed on it, the probes run, the lines said. */
    private final List<KernelSet> imposed = new ArrayList<>();
    private final List<KernelSet> probed = new ArrayList<>();
    private final List<String> said = new ArrayList<>();

    private static KernelCheckReport report(KernelResult... results) {
        return new KernelCheckReport(List.of(results), 120);
    }

    /** A selection where {@code passing} sets pass (here and in probes) and the others fail. */
    private KernelSelection selection(CpuInfo cpu, Map<String, String> env, List<KernelSet> passing) {
        KernelSelection.Process process = new KernelSelection.Process() {
            @Override
            public void impose(KernelSet set) {
                imposed.add(set);
            }

            @Override
            public KernelCheckReport check() {
                KernelSet current = imposed.get(imposed.size() - 1);
                return passing.contains(current) ? GOOD : WRONG;
            }
        };
        return new KernelSelection(cpu, env, set -> {
            probed.add(set);
            return new ProbeResult(set, "v3.7.1", "isa of " + set.name(), passing.contains(set) ? GOOD : WRONG, Map.of(), null);
        }, process, new VerdictCache(cacheDir), "2.7.1", said::add);
    }

    @Test
    void wrongDefaultKernelsOnAnAvx512CpuFallBackToAvx2AndSayItOnce() {
        KernelStatus status = selection(EPYC, Map.of(), List.of(KernelSet.AVX2, KernelSet.SSE41)).select();
        assertEquals(KernelSet.AVX2, status.set());
        assertEquals(List.of(KernelSet.DEFAULT, KernelSet.AVX2), probed);
        assertEquals(List.of(KernelSet.AVX2), imposed);
        assertEquals(1, said.size());
        assertTrue(said.get(0).startsWith("mdeq: oneDNN's default (AVX-512) convolution kernels compute wrong numbers "
                + "on this CPU (AMD EPYC 9R14 96-Core Processor); using the avx2 (DNNL_MAX_CPU_ISA=AVX2) kernel set"),
                said.get(0));
        assertTrue(said.get(0).contains("default: 1 of 2 kernels wrong (conv3x3 24->120 @32 backward-data: relative error 1.2e-03)"),
                said.get(0));
        assertEquals("avx2 (DNNL_MAX_CPU_ISA=AVX2)", status.recorded());
    }

    @Test
    void theNextProcessOnTheSameCpuUsesTheVerdictWithoutProbing() {
        selection(EPYC, Map.of(), List.of(KernelSet.AVX2)).select();
        probed.clear();
        said.clear();
        KernelStatus second = selection(EPYC, Map.of(), List.of(KernelSet.AVX2)).select();
        assertEquals(KernelSet.AVX2, second.set());
        assertEquals(List.of(), probed);
        assertEquals(1, said.size(), "every process says which set it uses");
    }

    @Test
    void correctDefaultKernelsOnAnAvx512CpuAreKeptSilently() {
        KernelStatus status = selection(EPYC, Map.of(), KernelSet.CANDIDATES).select();
        assertEquals(KernelSet.DEFAULT, status.set());
        assertEquals(List.of(KernelSet.DEFAULT), probed);
        assertEquals(List.of(), said);
    }

    @Test
    void aCpuWithoutAvx512NeverStartsAProbe() {
        KernelStatus status = selection(AVX2_ONLY, Map.of(), KernelSet.CANDIDATES).select();
        assertEquals(KernelSet.DEFAULT, status.set());
        assertEquals(List.of(), probed);
        assertEquals(List.of(KernelSet.DEFAULT), imposed);
    }

    @Test
    void aSetTheUserImposedIsKeptAndOnlyCheckedHere() {
        Map<String, String> env = new HashMap<>(Map.of(KernelSet.VARIABLE, "AVX2"));
        KernelStatus status = selection(EPYC, env, List.of(new KernelSet("environment", "AVX2"))).select();
        assertEquals("environment (DNNL_MAX_CPU_ISA=AVX2)", status.recorded());
        assertEquals(List.of(), probed);
    }

    @Test
    void noPassingSetStopsWithEverySetsFindings() {
        InvalidEnvironmentException e = assertThrows(InvalidEnvironmentException.class,
                () -> selection(EPYC, Map.of(), List.of()).select());
        assertEquals(KernelSet.CANDIDATES, probed);
        assertTrue(e.getMessage().contains("with every kernel set tried: default: 1 of 2 kernels wrong"), e.getMessage());
        assertTrue(e.getMessage().contains("; avx2: 1 of 2") && e.getMessage().contains("; sse41: 1 of 2"), e.getMessage());
        assertEquals(List.of(), imposed, "nothing was imposed on this process");
    }

    @Test
    void wrongDefaultKernelsWithoutAvx512StopWithAHint() {
        InvalidEnvironmentException e = assertThrows(InvalidEnvironmentException.class,
                () -> selection(AVX2_ONLY, Map.of(), List.of()).select());
        assertTrue(e.getMessage().contains("(kernel set default, no AVX-512 on this CPU"), e.getMessage());
        assertTrue(e.getMessage().contains("try DNNL_MAX_CPU_ISA=AVX2 or SSE41"), e.getMessage());
    }

    @Test
    void aRememberedSetThatFailsHereIsForgotten() {
        selection(EPYC, Map.of(), List.of(KernelSet.DEFAULT)).select();
        // the same CPU now gives wrong numbers under the remembered default set
        assertThrows(InvalidEnvironmentException.class, () -> selection(EPYC, Map.of(), List.of(KernelSet.AVX2)).select());
        probed.clear();
        KernelStatus third = selection(EPYC, Map.of(), List.of(KernelSet.AVX2)).select();
        assertEquals(List.of(KernelSet.DEFAULT, KernelSet.AVX2), probed, "checked afresh");
        assertEquals(KernelSet.AVX2, third.set());
    }
}
