package dev.mdeq.model.kernels;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the self-check under a chosen kernel set in a fresh JVM, because oneDNN fixes its kernel
 * set at its first primitive: a process that has run a convolution cannot try another set. The
 * child prints oneDNN's verbose lines (its ISA and the implementation of every convolution) and
 * one line with the report, which the parent reads back.
 */
public final class KernelProbe {
    /** Prefix of the report line the child prints. */
    static final String REPORT_PREFIX = "mdeq-kernel-check ";
    private static final long TIMEOUT_SECONDS = 120;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> javaCommand;
    private final String mainClass;

    /**
     * @param javaCommand the JVM and its options, up to the main class (see {@link #sameJvm()})
     * @param mainClass the child's main class: this class, or a test's
     */
    KernelProbe(List<String> javaCommand, String mainClass) {
        this.javaCommand = List.copyOf(javaCommand);
        this.mainClass = mainClass;
    }

    /** A probe that runs this JVM's binary with this process's class path and DJL settings. */
    public static KernelProbe sameJvm() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-Dai.djl.offline=true");
        for (String property : List.of("ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads")) {
            String value = System.getProperty(property);
            if (value != null) {
                command.add("-D" + property + "=" + value);
            }
        }
        return new KernelProbe(command, KernelProbe.class.getName());
    }

    /** The same probe with another main class (which prints its report with {@link #printCheck()}). */
    KernelProbe withMain(String otherMainClass) {
        return new KernelProbe(javaCommand, otherMainClass);
    }

    /** Runs the check in a child process limited to {@code set}. */
    public ProbeResult probe(KernelSet set) {
        List<String> command = new ArrayList<>(javaCommand);
        command.add(mainClass);
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.remove(KernelSet.VARIABLE);
        env.remove(KernelSet.ONEDNN_VARIABLE);
        if (!set.isDefault()) {
            env.put(KernelSet.VARIABLE, set.maxCpuIsa());
        }
        env.put("ONEDNN_VERBOSE", "1");
        env.put("TORCH_CPP_LOG_LEVEL", "ERROR");
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> stdout = drain(process.getInputStream());
            CompletableFuture<String> stderr = drain(process.getErrorStream());
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new ProbeResult(set, null, null, null, Map.of(), "no answer within " + TIMEOUT_SECONDS + " s");
            }
            return parse(set, process.exitValue(), stdout.join(), stderr.join());
        } catch (IOException e) {
            return new ProbeResult(set, null, null, null, Map.of(), "cannot start " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ProbeResult(set, null, null, null, Map.of(), "interrupted");
        }
    }

    /** Reads a child's output: the ISA line, the convolution lines and the report line. */
    static ProbeResult parse(KernelSet set, int exitCode, String stdout, String stderr) {
        String version = null;
        String isa = null;
        KernelCheckReport report = null;
        Map<String, String> byProblem = new HashMap<>();
        for (String line : stdout.split("\n")) {
            if (line.startsWith(REPORT_PREFIX)) {
                report = readReport(line.substring(REPORT_PREFIX.length()));
            } else if (line.startsWith("onednn_verbose")) {
                String[] f = line.split(",");
                if (version == null && line.contains(",info,oneDNN ")) {
                    version = line.substring(line.indexOf(",info,oneDNN ") + 13).split(" ")[0];
                } else if (isa == null && line.contains(",info,cpu,isa:")) {
                    isa = line.substring(line.indexOf("isa:") + 4).trim();
                } else if (f.length > 8 && f[2].equals("primitive") && f[3].equals("exec") && f[5].equals("convolution")) {
                    // ...,convolution,<implementation>,<prop_kind>,<memory>,<attributes>,<alg>,<problem>,<time>
                    byProblem.put(f[7] + " " + f[f.length - 2], f[6]);
                }
            }
        }
        if (report == null) {
            return new ProbeResult(set, version, isa, null, Map.of(), "exit code " + exitCode + tail(stderr));
        }
        return new ProbeResult(set, version, isa, report, implementations(byProblem), null);
    }

    /** Names oneDNN's problems after the check's cases: {@code conv3x3 24->120 @32 forward}. */
    private static Map<String, String> implementations(Map<String, String> byProblem) {
        Map<String, String> out = new HashMap<>();
        for (ConvolutionCheck.Case c : ConvolutionCheck.MDEQ_CASES) {
            putIfKnown(out, c.label() + " forward", byProblem.get("forward_training " + c.onednnProblem()));
            putIfKnown(out, c.label() + " backward-data", byProblem.get("backward_data " + c.onednnProblem()));
            putIfKnown(out, c.label() + " backward-weights", byProblem.get("backward_weights " + c.onednnProblem()));
        }
        return out;
    }

    private static void putIfKnown(Map<String, String> map, String key, String value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    private static KernelCheckReport readReport(String json) {
        try {
            return JSON.readValue(json, KernelCheckReport.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String tail(String stderr) {
        List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            return "";
        }
        return ": " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.transferTo(out);
                return out.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The child: runs the check under the kernel set its environment imposes and prints the report. */
    public static void main(String[] args) throws IOException {
        printCheck();
    }

    /** Runs the check in this process and prints the report line. */
    static void printCheck() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            KernelCheckReport report = ConvolutionCheck.mdeq().run(manager);
            System.out.println(REPORT_PREFIX + JSON.writeValueAsString(report));
        }
    }
}
