package dev.mdeq.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class CpuInfoTest {
    /** The start of /proc/cpuinfo on a 2-core AMD EPYC (Zen 4) VM: two processors, AVX-512. */
    static final String EPYC = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            model name\t: AMD EPYC 9R14 96-Core Processor
            flags\t\t: fpu vme sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 avx512_vp2intersect
            bugs\t\t: sysret_ss_attrs

            processor\t: 1
            vendor_id\t: AuthenticAMD
            model name\t: something else
            flags\t\t: fpu
            """;

    @Test
    void readsTheFirstProcessorsVendorModelAndFlags() {
        CpuInfo cpu = CpuInfo.parse(EPYC);
        assertEquals("AuthenticAMD", cpu.vendor());
        assertEquals("AMD EPYC 9R14 96-Core Processor", cpu.model());
        assertTrue(cpu.flags().contains("avx512_vp2intersect"));
        assertTrue(cpu.hasAvx512Core());
        assertEquals(Set.of("avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx512_bf16",
                "avx512_vp2intersect"), cpu.wideVectorFlags());
    }

    @Test
    void avx512WithoutBwAndVlIsNotOneDnnsAvx512Core() {
        CpuInfo knightsLanding = CpuInfo.parse("vendor_id: GenuineIntel\nmodel name: Xeon Phi\nflags: avx2 avx512f avx512cd\n");
        assertFalse(knightsLanding.hasAvx512Core());
        assertFalse(CpuInfo.parse("flags: sse4_2 avx avx2 fma\n").hasAvx512Core());
    }

    @Test
    void textWithoutTheFieldsIsUnknown() {
        CpuInfo cpu = CpuInfo.parse("");
        assertEquals("unknown", cpu.model());
        assertFalse(cpu.hasAvx512Core());
    }
}
