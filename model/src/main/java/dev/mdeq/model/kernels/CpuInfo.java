package dev.mdeq.model.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * The processor as Linux describes it in {@code /proc/cpuinfo}: vendor, model name and feature
 * flags of the first processor. Parsed from text so the kernel selection can be tested with any CPU.
 *
 * @param vendor vendor id, e.g. {@code AuthenticAMD}
 * @param model model name, e.g. {@code AMD EPYC 9R14 96-Core Processor}
 * @param flags feature flags, e.g. {@code avx2}, {@code avx512f}
 */
public record CpuInfo(String vendor, String model, Set<String> flags) {
    /** What a machine without {@code /proc/cpuinfo} reports. */
    public static final CpuInfo UNKNOWN = new CpuInfo("unknown", "unknown", Set.of());

    public CpuInfo {
        flags = Set.copyOf(new TreeSet<>(flags));
    }

    /** This machine's processor, or {@link #UNKNOWN} where {@code /proc/cpuinfo} cannot be read. */
    public static CpuInfo current() {
        try {
            return parse(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    /** Parses the first processor's entry of {@code /proc/cpuinfo} text. */
    public static CpuInfo parse(String cpuinfo) {
        String vendor = UNKNOWN.vendor;
        String model = UNKNOWN.model;
        Set<String> flags = Set.of();
        for (String line : cpuinfo.split("\n")) {
            if (line.isBlank()) {
                break; // the first processor's entry ends at the first empty line
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "vendor_id" -> vendor = value;
                case "model name" -> model = value;
                case "flags" -> flags = new TreeSet<>(Arrays.asList(value.split("\\s+")));
                default -> {
                }
            }
        }
        return new CpuInfo(vendor, model, flags);
    }

    /**
     * Whether oneDNN can run AVX-512 kernels here (its {@code avx512_core} level needs avx512f, bw,
     * vl and dq): only then is its default kernel set different from the AVX2 set.
     */
    public boolean hasAvx512Core() {
        return flags.containsAll(Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq"));
    }

    /** The AVX-512 and AMX flags, the ones that decide which oneDNN kernels run. */
    public Set<String> wideVectorFlags() {
        Set<String> out = new TreeSet<>();
        for (String flag : flags) {
            if (flag.startsWith("avx512") || flag.startsWith("amx")) {
                out.add(flag);
            }
        }
        return out;
    }
}
