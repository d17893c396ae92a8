package dev.mdeq.runstore.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The last file written into a checkpoint folder ({@link #KEY} inside
 * {@link RunLayout#checkpointFolder}): the size and SHA-256 of every other file of the checkpoint.
 * A checkpoint without a manifest is incomplete; one whose files do not match it is corrupt.
 * Either is ignored by readers, which fall back to an older checkpoint.
 *
 * @param format version of this format ({@link #FORMAT})
 * @param step the global optimizer step the checkpoint was taken after
 * @param epoch the epoch the next step belongs to
 * @param configSha256 SHA-256 of the resolved experiment config the run trains with
 * @param created when the checkpoint was written
 * @param parts every file of the checkpoint except the manifest, in write order
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CheckpointManifest(
        int format,
        long step,
        int epoch,
        String configSha256,
        Instant created,
        List<Part> parts) {

    /** The manifest's file name inside a checkpoint folder. */
    public static final String KEY = "manifest.json";
    /** The current format version. */
    public static final int FORMAT = 1;

    public CheckpointManifest {
        if (parts == null) {
            throw new IllegalArgumentException("a checkpoint manifest must list its parts");
        }
        parts = List.copyOf(parts);
    }

    /**
     * One file of a checkpoint.
     *
     * @param name the file name, relative to the checkpoint folder
     * @param size length in bytes
     * @param sha256 SHA-256 of the content, lower-case hex
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Part(String name, long size, String sha256) {
    }

    /** The part called {@code name}, if the checkpoint has one. */
    public Optional<Part> part(String name) {
        return parts.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Total bytes of the parts. */
    public long totalBytes() {
        return parts.stream().mapToLong(Part::size).sum();
    }

    /** The manifest as JSON. */
    public byte[] toJson() {
        return RunJson.write(this);
    }

    /**
     * Reads a manifest; fails naming {@code source} when it is not a manifest of a known format.
     */
    public static CheckpointManifest fromJson(byte[] json, String source) {
        CheckpointManifest manifest = RunJson.read(json, CheckpointManifest.class, source);
        if (manifest.format() != FORMAT) {
            throw new IllegalArgumentException(source + " is a checkpoint manifest of format " + manifest.format()
                    + "; this version reads format " + FORMAT);
        }
        return manifest;
    }
}
