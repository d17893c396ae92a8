package dev.mdeq.model.kernels;

import java.util.List;

/**
 * The kernel set this process computes with, and why.
 *
 * @param set the kernel set in force
 * @param reason how it was chosen, in words
 * @param check the self-check in this process, under {@code set}
 * @param probes the checks run in separate processes to choose it (empty when none was needed)
 * @param cpu the processor
 */
public record KernelStatus(KernelSet set, String reason, KernelCheckReport check, List<ProbeResult> probes,
        CpuInfo cpu) {
    public KernelStatus {
        probes = List.copyOf(probes);
    }

    /** What a run records: {@code avx2 (DNNL_MAX_CPU_ISA=AVX2)} or {@code default}. */
    public String recorded() {
        return set.describe();
    }
}
