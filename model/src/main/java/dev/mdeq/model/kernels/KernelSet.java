package dev.mdeq.model.kernels;

import java.util.List;
import java.util.Map;

/**
 * Which of oneDNN's CPU kernels libtorch may use, as oneDNN's {@code DNNL_MAX_CPU_ISA} limits them.
 * oneDNN reads that variable once, when it creates its first primitive, so a kernel set is chosen
 * before the first convolution of a process and holds until it exits.
 *
 * @param name short name shown to users: {@code default}, {@code avx2}, {@code sse41}, or {@code
 *     environment} for a limit the user set
 * @param maxCpuIsa the value of {@code DNNL_MAX_CPU_ISA}, or null for oneDNN's own choice (the newest
 *     instruction set the CPU has)
 */
public record KernelSet(String name, String maxCpuIsa) {
    /** The variable oneDNN reads; its newer name {@link #ONEDNN_VARIABLE} wins when both are set. */
    public static final String VARIABLE = "DNNL_MAX_CPU_ISA";
    public static final String ONEDNN_VARIABLE = "ONEDNN_MAX_CPU_ISA";

    /** oneDNN's own choice: AVX-512 (and AMX) kernels where the CPU has them. */
    public static final KernelSet DEFAULT = new KernelSet("default", null);
    /** The AVX2 kernels: correct on the AVX-512 CPUs where the bundled oneDNN's AVX-512 kernels are not. */
    public static final KernelSet AVX2 = new KernelSet("avx2", "AVX2");
    /** The oldest vector kernels oneDNN has, a last resort. */
    public static final KernelSet SSE41 = new KernelSet("sse41", "SSE41");

    /** The sets tried in order when the environment does not choose one. */
    public static final List<KernelSet> CANDIDATES = List.of(DEFAULT, AVX2, SSE41);

    /**
     * The set the process environment imposes ({@code ONEDNN_MAX_CPU_ISA} or {@code DNNL_MAX_CPU_ISA}),
     * or null when neither is set: a user's choice is respected, never overridden.
     */
    public static KernelSet fromEnvironment(Map<String, String> env) {
        for (String variable : List.of(ONEDNN_VARIABLE, VARIABLE)) {
            String value = env.get(variable);
            if (value != null && !value.isBlank()) {
                return new KernelSet("environment", value.trim());
            }
        }
        return null;
    }

    public boolean isDefault() {
        return maxCpuIsa == null;
    }

    /** How users read it: {@code default} or {@code avx2 (DNNL_MAX_CPU_ISA=AVX2)}. */
    public String describe() {
        return isDefault() ? name : name + " (" + VARIABLE + "=" + maxCpuIsa + ")";
    }

    /** The candidate set of this name. */
    public static KernelSet named(String name) {
        for (KernelSet set : CANDIDATES) {
            if (set.name.equals(name)) {
                return set;
            }
        }
        throw new IllegalArgumentException("unknown kernel set '" + name + "' (valid: default, avx2, sse41)");
    }
}
