package dev.mdeq.model.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Chooses the kernel set a process computes with, before its first convolution:
 * <ol>
 *   <li>a set the environment imposes ({@code DNNL_MAX_CPU_ISA}) is the user's choice: kept;</li>
 *   <li>on a CPU without AVX-512 the default set is the AVX2 set: kept;</li>
 *   <li>on an AVX-512 CPU the candidate sets are checked in separate processes, default first, and
 *       the first that passes is taken (remembered per CPU, so later processes skip this step);</li>
 * </ol>
 * then the chosen set is imposed on this process and checked here too. A process that would compute
 * with wrong numbers stops with {@link InvalidEnvironmentException} instead.
 * Everything machine-specific is passed in, so the decisions are tested with any CPU's answers.
 */
public final class KernelSelection {
    /** What the selection needs from this process. */
    public interface Process {
        /** Imposes a kernel set on this process (before its first convolution). */
        void impose(KernelSet set);

        /** Runs the self-check here, under the kernel set in force. */
        KernelCheckReport check();
    }

    private final CpuInfo cpu;
    private final Map<String, String> env;
    private final Function<KernelSet, ProbeResult> prober;
    private final Process process;
    private final VerdictCache cache;
    private final String cacheKey;
    private final Consumer<String> say;

    /**
     * @param cpu the processor
     * @param env the process environment at start-up
     * @param prober checks a kernel set in a separate process
     * @param process this process
     * @param cache verdicts of earlier processes on this machine
     * @param libtorchVersion part of the verdicts' key
     * @param say prints the one line a user sees when the default set is not used
     */
    public KernelSelection(CpuInfo cpu, Map<String, String> env, Function<KernelSet, ProbeResult> prober,
            Process process, VerdictCache cache, String libtorchVersion, Consumer<String> say) {
        this.cpu = cpu;
        this.env = Map.copyOf(env);
        this.prober = prober;
        this.process = process;
        this.cache = cache;
        this.cacheKey = VerdictCache.key(cpu, libtorchVersion);
        this.say = say;
    }

    public KernelStatus select() {
        KernelSet imposed = KernelSet.fromEnvironment(env);
        if (imposed != null) {
            return checkHere(imposed, "set by the environment (" + KernelSet.VARIABLE + "=" + imposed.maxCpuIsa() + ")",
                    List.of(), false);
        }
        if (!cpu.hasAvx512Core()) {
            return checkHere(KernelSet.DEFAULT, "no AVX-512 on this CPU: oneDNN's default set is its AVX2 set",
                    List.of(), false);
        }
        String cached = cache.get(cacheKey).orElse(null);
        if (cached != null) {
            KernelSet set = KernelSet.named(cached);
            return announce(checkHere(set, "chosen by an earlier check on this CPU", List.of(), true));
        }
        List<ProbeResult> probes = new ArrayList<>();
        for (KernelSet candidate : KernelSet.CANDIDATES) {
            ProbeResult probe = prober.apply(candidate);
            probes.add(probe);
            if (probe.passed()) {
                cache.put(cacheKey, candidate.name());
                String reason = candidate.isDefault() ? "passed the check on this CPU"
                        : "the first set to pass the check on this CPU; " + failuresOf(probes);
                return announce(checkHere(candidate, reason, probes, true));
            }
        }
        throw new InvalidEnvironmentException("the native convolution kernels compute wrong numbers on this CPU ("
                + cpu.model() + ") with every kernel set tried: " + failuresOf(probes)
                + "; nothing can be trained or evaluated correctly here (run on another machine, "
                + "and see docs/numerics.md)");
    }

    private KernelStatus checkHere(KernelSet set, String reason, List<ProbeResult> probes, boolean fromCheck) {
        process.impose(set);
        KernelCheckReport report = process.check();
        if (!report.passed()) {
            if (fromCheck) {
                cache.remove(cacheKey); // the next process checks afresh
            }
            throw new InvalidEnvironmentException("the native convolution kernels compute wrong numbers in this process "
                    + "(kernel set " + set.describe() + ", " + reason + "): " + report.summary()
                    + (set.isDefault() && !fromCheck ? "; try " + KernelSet.VARIABLE + "=AVX2 or SSE41" : "")
                    + " (see docs/numerics.md)");
        }
        return new KernelStatus(set, reason, report, probes, cpu);
    }

    private KernelStatus announce(KernelStatus status) {
        if (!status.set().isDefault()) {
            say.accept("mdeq: oneDNN's default (AVX-512) convolution kernels compute wrong numbers on this CPU ("
                    + cpu.model() + "); using the " + status.set().describe() + " kernel set, "
                    + status.check().summary() + " (" + status.reason() + ")");
        }
        return status;
    }

    private static String failuresOf(List<ProbeResult> probes) {
        return String.join("; ", probes.stream().filter(p -> !p.passed()).map(ProbeResult::describe).toList());
    }
}
