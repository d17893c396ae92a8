package dev.mdeq.model.kernels;

import java.util.Map;

/**
 * The self-check run in a separate process under one kernel set.
 *
 * @param set the kernel set the process ran with
 * @param onednnVersion oneDNN's version as it reported it (e.g. {@code v3.7.1}), or null if unknown
 * @param isa the instruction set oneDNN reported (e.g. {@code Intel AVX2}), or null if unknown
 * @param report the check's results, or null when the process failed before reporting
 * @param implementations oneDNN's implementation per kernel and direction (e.g. {@code conv3x3
 *     24->120 @32 forward} to {@code jit:avx512_core}), as its verbose mode names them
 * @param error why the process gave no report (exit code and its last error lines), else null
 */
public record ProbeResult(KernelSet set, String onednnVersion, String isa, KernelCheckReport report, Map<String, String> implementations,
        String error) {
    public ProbeResult {
        implementations = Map.copyOf(implementations);
    }

    public boolean passed() {
        return report != null && report.passed();
    }

    /** e.g. {@code default: 3 of 24 kernels wrong (...)} or {@code avx2: the check process failed (...)}. */
    public String describe() {
        return set.name() + ": " + (report == null ? "the check process failed (" + error + ")" : report.summary());
    }
}
