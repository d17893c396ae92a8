package dev.mdeq.trainer.bench;

import dev.mdeq.model.kernels.NativeEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The process's peak resident memory during a piece of work, from Linux's {@code /proc/self}: the
 * C heap's free memory is first returned to the system (else memory freed by an earlier step would
 * hide this one's), then the peak ({@code VmHWM}) is reset by writing 5 to {@code clear_refs} and
 * read after the work. It counts everything the process holds (libtorch's arrays, the JVM heap),
 * so what a step adds is the peak minus the resident size before it. Empty where this cannot be done.
 */
final class PeakMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    /** Resident bytes before the work and the peak during it. */
    record Usage(long before, long peak) {
        long added() {
            return Math.max(0, peak - before);
        }
    }

    private PeakMemory() {
    }

    /** Runs {@code work} and returns the memory it used, or empty where the peak cannot be reset. */
    static Optional<Usage> during(Runnable work) {
        OptionalLong before = resetPeak();
        work.run();
        OptionalLong peak = read("VmHWM:");
        return before.isPresent() && peak.isPresent()
                ? Optional.of(new Usage(before.getAsLong(), peak.getAsLong()))
                : Optional.empty();
    }

    /** Resets the peak to the current resident size and returns that size. */
    private static OptionalLong resetPeak() {
        if (!NativeEnvironment.releaseFreeMemory()) {
            return OptionalLong.empty();
        }
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return OptionalLong.empty();
        }
        return read("VmRSS:");
    }

    private static OptionalLong read(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field)) {
                    // "VmHWM:	  123456 kB"
                    return OptionalLong.of(Long.parseLong(line.substring(field.length()).replace("kB", "").trim())
                            * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
