package dev.mdeq.cli;

import ai.djl.engine.Engine;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.progress.TerminalWidth;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.storage.StorageException;
import dev.mdeq.model.kernels.CpuInfo;
import dev.mdeq.model.kernels.InvalidEnvironmentException;
import dev.mdeq.model.kernels.KernelProbe;
import dev.mdeq.model.kernels.KernelResult;
import dev.mdeq.model.kernels.KernelSet;
import dev.mdeq.model.kernels.KernelStatus;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.model.kernels.ProbeResult;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code mdeq doctor}: what this machine computes with and whether it computes correctly: the CPU,
 * the library versions, the threads, every kernel set's self-check, the set in use, the devices, and
 * optionally whether an object store answers.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check this machine: CPU and its vector extensions, DJL/libtorch/oneDNN versions, threads, "
                + "the native-kernel self-check under each kernel set (float32 convolutions against float64), "
                + "the set in use, the devices, and with --store whether the object store answers.",
            "Exit 0 when all is well, 6 when no kernel set computes correctly, 5/3 when the store does not answer."})
final class DoctorCommand implements Callable<Integer> {
    private static final int MARGIN = 11;

    @Spec
    CommandSpec spec;

    @Option(names = "--store", paramLabel = "URI",
            description = "a store to check: s3://bucket[/prefix] (MDEQ_S3_* settings) or file:/path")
    String store;

    @Option(names = "--kernels", description = "print every kernel's implementation and error under each set")
    boolean kernels;

    /** Columns of the terminal, read once per run (each read may start {@code stty}). */
    private int width;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        width = Math.max(40, TerminalWidth.system().getAsInt());
        List<String> problems = new ArrayList<>();
        KernelStatus status = null;
        String noSafeSet = null;
        try {
            status = NativeKernels.ensureChecked(); // loads libtorch; its check runs in this process
        } catch (InvalidEnvironmentException e) {
            noSafeSet = e.getMessage();
        }
        CpuInfo cpu = CpuInfo.current();
        Engine engine = Engine.getEngine("PyTorch");
        row(out, "cpu", cpu.model() + " (" + cpu.vendor() + "), " + Runtime.getRuntime().availableProcessors()
                + " cores; AVX-512: " + (cpu.wideVectorFlags().isEmpty() ? "no" : String.join(" ", cpu.wideVectorFlags())));
        row(out, "java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        KernelProbe probe = KernelProbe.sameJvm();
        List<ProbeResult> probes = KernelSet.CANDIDATES.stream().map(probe::probe).toList();
        String onednn = probes.stream().map(ProbeResult::onednnVersion).filter(v -> v != null).findFirst().orElse("unknown");
        row(out, "libraries", "DJL " + Engine.getDjlVersion() + ", libtorch " + engine.getVersion() + ", oneDNN " + onednn);
        row(out, "threads", "intra-op " + System.getProperty("ai.djl.pytorch.num_threads", "default (one per core)")
                + ", OMP_NUM_THREADS " + System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        for (ProbeResult result : probes) {
            row(out, "kernel set", result.set().name() + " [" + (result.passed() ? "ok" : "WRONG") + "] "
                    + (result.isa() == null ? "" : "ISA " + result.isa() + ": ")
                    + (result.report() == null ? "check failed (" + result.error() + ")" : result.report().summary()));
        }
        if (status != null) {
            row(out, "in use", status.set().describe() + ": " + status.reason() + "; here " + status.check().summary()
                    + " in " + status.check().millis() + " ms");
        } else {
            row(out, "in use", "none: " + noSafeSet);
            problems.add("no kernel set computes correctly");
        }
        row(out, "devices", String.join(", ", Arrays.stream(engine.getDevices()).map(Object::toString).toList())
                + (engine.getGpuCount() == 0 ? " (no GPU visible)" : ""));
        int storeExit = checkStore(out, problems);
        if (kernels) {
            for (ProbeResult result : probes) {
                printKernels(out, result);
            }
        }
        out.println("mdeq doctor: " + (problems.isEmpty() ? "all good" : String.join("; ", problems)));
        out.flush();
        return status == null ? ExitCodes.INVALID_ENVIRONMENT : storeExit;
    }

    private int checkStore(PrintWriter out, List<String> problems) {
        if (store == null) {
            row(out, "store", "not checked (give --store s3://bucket/prefix or file:/path)");
            return ExitCodes.OK;
        }
        try (ObjectStore opened = ObjectStores.open(ObjectStores.parse(store))) {
            int objects = opened.list("").size();
            row(out, "store", store + " answers (" + objects + " objects below it)");
            return ExitCodes.OK;
        } catch (StorageException e) {
            row(out, "store", store + " does not answer: " + e.getMessage());
            problems.add("the store does not answer");
            return Mdeq.exitCode(e);
        }
    }

    private static void printKernels(PrintWriter out, ProbeResult probe) {
        out.println();
        out.println("kernels under the " + probe.set().name() + " set:");
        if (probe.report() == null) {
            out.println("  (no report: " + probe.error() + ")");
            return;
        }
        for (KernelResult r : probe.report().results()) {
            String implementation = probe.implementations().getOrDefault(r.kernel() + " " + r.direction(),
                    "libtorch (not oneDNN)");
            // fits 80 columns: directions abbreviated, the longest implementation name is 27 characters
            out.printf("  %-21s %-11s %-27s %-7s %s%n", r.kernel(), r.direction().replace("backward", "bwd")
                    .replace("forward", "fwd"), implementation,
                    r.nonFinite() > 0 ? r.nonFinite() + " NaN" : String.format("%.1e", r.relativeError()),
                    r.passed() ? "ok" : "WRONG");
        }
    }

    private void row(PrintWriter out, String label, String text) {
        out.print(wrap(label, text, width));
        out.flush();
    }

    /** {@code label} in an 11-column margin, {@code text} wrapped at words to lines shorter than {@code width}. */
    static String wrap(String label, String text, int width) {
        StringBuilder out = new StringBuilder(String.format("%-11s", label));
        int column = out.length();
        for (String word : text.split(" ")) {
            if (column > MARGIN && column + 1 + word.length() >= width) {
                out.append(System.lineSeparator()).append(" ".repeat(MARGIN));
                column = MARGIN;
            } else if (column > MARGIN) {
                out.append(' ');
                column++;
            }
            out.append(word);
            column += word.length();
        }
        return out.append(System.lineSeparator()).toString();
    }
}
