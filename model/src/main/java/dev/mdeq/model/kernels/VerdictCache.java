package dev.mdeq.model.kernels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;

/**
 * Remembers which kernel set passed on a CPU, so that only the first process on a machine pays for
 * checking other sets in separate processes. Keyed by the CPU (vendor, model, flags), the libtorch
 * version and the check itself; a missing or unwritable folder only means checking again.
 */
public final class VerdictCache {
    /** Changes whenever the check's cases or tolerance change, so old verdicts are not trusted. */
    private static final String CHECK_VERSION = "1:" + ConvolutionCheck.MDEQ_CASES + ":" + ConvolutionCheck.TOLERANCE;

    private final Path folder;

    /** @param folder where verdicts are kept, or null to keep none */
    public VerdictCache(Path folder) {
        this.folder = folder;
    }

    /** The name of the kernel set that passed on this machine, if known. */
    public Optional<String> get(String key) {
        if (folder == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file(key), StandardCharsets.UTF_8).trim()).filter(s -> !s.isEmpty());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void put(String key, String setName) {
        if (folder == null) {
            return;
        }
        try {
            Files.createDirectories(folder);
            Path tmp = Files.createTempFile(folder, "verdict", ".tmp");
            Files.writeString(tmp, setName + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file(key), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // a read-only cache (e.g. a read-only root filesystem) only costs the next process a probe
        }
    }

    public void remove(String key) {
        if (folder == null) {
            return;
        }
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            // as above
        }
    }

    /** The key of a verdict: this CPU, this libtorch, this check. */
    public static String key(CpuInfo cpu, String libtorchVersion) {
        String text = String.join("\n", cpu.vendor(), cpu.model(), String.join(" ", cpu.flags()), libtorchVersion,
                CHECK_VERSION);
        return UUID.nameUUIDFromBytes(text.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private Path file(String key) {
        return folder.resolve("kernel-set-" + key);
    }
}
