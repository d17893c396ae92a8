package dev.mdeq.model.weights;

import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Listing;
import dev.mdeq.model.layers.NamedBlock;
import dev.mdeq.model.weights.torch.TorchFileFormat;
import dev.mdeq.model.weights.torch.ReferenceKeys;
import dev.mdeq.model.weights.torch.TorchFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Every way into a model's weights: files in the reference's names told apart by content, never by
 * name - an {@code .npz} (this project's format, {@link Npz}) or a PyTorch checkpoint of the
 * reference ({@link TorchFile}: {@code .pth}, {@code .pth.tar}, the released {@code .pkl}) -
 * named by a local path or a store URI ({@code s3://bucket/key}, {@code file:/path}).
 *
 * <p>{@link #read(String, String)} is the one way a location becomes tensors: the trainer reads
 * {@code MODEL.PRETRAINED} and {@code TRAIN.MODEL_FILE} with it, the evaluator {@code --weights} and
 * {@code TEST.MODEL_FILE}; {@link #loadInto} reads the same way and loads into a model.
 */
public final class WeightFiles {
    /** What a file must be, for error messages. */
    public static final String ACCEPTED = "accepted: an .npz of the model's arrays (numpy.savez; what mdeq weights"
            + " import writes) or a PyTorch checkpoint written by torch.save (.pth, .pth.tar, .pkl) in its zip format"
            + " (PyTorch >= 1.6: a zip with <name>/data.pkl) or its legacy format (older PyTorch: starts with the"
            + " pickle byte 0x80)";

    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private WeightFiles() {
    }

    /** The formats of weights files, detected from the content. */
    public enum Format {
        /** A zip of {@code <key>.npy} arrays ({@code numpy.savez}): this project's weights format. */
        NPZ("npz (numpy.savez)"),
        /** {@code torch.save}'s zip format (PyTorch >= 1.6). */
        TORCH_ZIP(TorchFileFormat.ZIP.description()),
        /** {@code torch.save}'s legacy format (older PyTorch). */
        TORCH_LEGACY(TorchFileFormat.LEGACY.description());

        private final String description;

        Format(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /**
     * What a weights file holds.
     *
     * @param source the file as named by the caller (path or URI)
     * @param format its format
     * @param kind what kind of state dict it is (for PyTorch files the kinds of docs/reference-model.md §6)
     * @param tensors the model's entries by reference name
     * @param dropped entries of the file left out on purpose, with the reason (aliases, copies, class
     *     weights, the non-model entries of a training checkpoint)
     */
    public record Contents(String source, Format format, String kind, Map<String, RawTensor> tensors,
            Map<String, String> dropped) {
    }

    /** The format of {@code file} by content, or an {@link InvalidInputException} naming it and what is accepted. */
    public static Format detect(Path file) {
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(file + " is a directory, not a weights file (" + ACCEPTED + ")");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("weights file " + file + " does not exist");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(512);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read the weights file: " + e.getMessage(), e);
        }
        if (head.length == 0) {
            throw new InvalidInputException(file + ": the weights file is empty (" + ACCEPTED + ")");
        }
        if (head.length >= 2 && head[0] == 'P' && head[1] == 'K') {
            return zipFormat(file);
        }
        if ((head[0] & 0xff) == 0x80) {
            return Format.TORCH_LEGACY;
        }
        if (head.length >= NPY_MAGIC.length && Arrays.equals(head, 0, NPY_MAGIC.length, NPY_MAGIC, 0,
                NPY_MAGIC.length)) {
            throw new InvalidInputException(file + ": this is a single NumPy array (.npy), not a set of weights; save"
                    + " every array by its state-dict name with numpy.savez (" + ACCEPTED + ")");
        }
        if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            throw new InvalidInputException(file + ": this is a tar archive, not a weights file (PyTorch's tar"
                    + " checkpoints, PyTorch < 0.1.10, are not read; re-save with a newer PyTorch) (" + ACCEPTED + ")");
        }
        byte[] start = Arrays.copyOf(head, Math.min(8, head.length));
        throw new InvalidInputException(file + ": not a weights file: it starts with bytes "
                + HexFormat.ofDelimiter(" ").formatHex(start) + printable(start) + " (" + ACCEPTED + ")");
    }

    /** The tensors of {@code file} by state-dict name (the model's entries only, for a PyTorch checkpoint). */
    public static Map<String, RawTensor> read(Path file) {
        return contents(file, file.toString()).tensors();
    }

    /**
     * The tensors of the weights file at {@code location}: a local path, {@code file:/path} or
     * {@code s3://bucket/key} (read from a temporary local copy that is deleted afterwards).
     *
     * @param setting where the location came from ({@code TRAIN.MODEL_FILE}, {@code --weights}):
     *     every {@link InvalidInputException} starts with it
     */
    public static Map<String, RawTensor> read(String location, String setting) {
        try {
            return contents(location).tensors();
        } catch (InvalidInputException e) {
            throw new InvalidInputException(setting + ": " + e.getMessage(), e);
        }
    }

    /** What the file at {@code location} (a local path or a store URI) holds. */
    public static Contents contents(String location) {
        WeightsLocation where = WeightsLocation.parse(location);
        return where.read(file -> contents(file, location));
    }

    /**
     * Loads the weights at {@code location} (a local path, {@code file:/path} or {@code
     * s3://bucket/key}; any supported format) into {@code model} ({@code MdeqModel.net()}). {@link
     * StateDict.Mode#STRICT} for {@code TRAIN.MODEL_FILE} / {@code TEST.MODEL_FILE} and resuming;
     * {@link StateDict.Mode#MATCHING} for {@code MODEL.PRETRAINED} (entries the model lacks, e.g. a
     * classification head, are skipped). Nothing is written unless the whole load is valid.
     *
     * @return what was loaded, what was skipped and why ({@link StateDict.LoadReport#describe})
     * @throws InvalidInputException for a missing, unreadable, corrupt or unsafe file, or weights that
     *     do not fit the model (every key listed with shapes)
     * @throws dev.mdeq.runstore.storage.StorageException when the store cannot be reached
     */
    public static StateDict.LoadReport loadInto(NamedBlock model, String location, StateDict.Mode mode) {
        Contents contents = contents(location);
        return StateDict.load(model, contents.tensors(), mode, location).withIgnored(contents.dropped());
    }

    /**
     * Writes {@code tensors} as an {@code .npz} to {@code location} (a local path or a store URI).
     * An existing file is replaced only when {@code replace} is set; the write is atomic either way.
     */
    /** Fails as {@link #writeNpz} would for the location itself (a folder, an existing file), before the work. */
    public static void checkWritable(String location, boolean replace) {
        WeightsLocation.parse(location).checkWritable(replace);
    }

    public static void writeNpz(String location, Map<String, RawTensor> tensors, boolean replace) {
        WeightsLocation.parse(location).write(file -> Npz.write(file, tensors), replace);
    }

    private static Contents contents(Path file, String source) {
        Format format = detect(file);
        if (format == Format.NPZ) {
            return new Contents(source, format, "arrays by state-dict name", Npz.read(file), Map.of());
        }
        try (TorchFile checkpoint = TorchFile.open(file)) {
            Map<String, String> dropped = new LinkedHashMap<>();
            checkpoint.skipped().forEach((key, what) -> dropped.put(key, "training checkpoint entry, not weights"));
            ReferenceKeys keys = checkpoint.referenceKeys();
            for (String key : checkpoint.entries().keySet()) {
                String reason = keys.dropReason(key);
                if (!reason.isEmpty()) {
                    dropped.put(key, reason);
                }
            }
            return new Contents(source, format, checkpoint.kind().description(), checkpoint.modelStateDict(),
                    Collections.unmodifiableMap(dropped));
        }
    }

    /** NPZ or a PyTorch zip, by the entries; a corrupt or foreign zip is refused. */
    private static Format zipFormat(Path file) {
        List<String> names;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            names = zip.stream().map(ZipEntry::getName).toList();
        } catch (ZipException e) {
            throw new InvalidInputException(file + ": truncated or corrupt zip archive (" + e.getMessage() + "): neither"
                    + " an .npz nor a PyTorch checkpoint can be read from it; a complete file ends with the zip central"
                    + " directory (" + ACCEPTED + ")", e);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read the weights file: " + e.getMessage(), e);
        }
        if (names.stream().anyMatch(name -> name.endsWith("/data.pkl"))) {
            return Format.TORCH_ZIP;
        }
        if (names.stream().anyMatch(name -> name.endsWith(".npy"))) {
            return Format.NPZ;
        }
        throw new InvalidInputException(file + ": a zip archive that is neither an .npz (no .npy entries) nor a"
                + " PyTorch checkpoint (no <name>/data.pkl); entries: "
                + (names.isEmpty() ? "none" : Listing.some(names)) + " (" + ACCEPTED + ")");
    }

    private static String printable(byte[] head) {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        return text.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? " ('" + text + "')" : "";
    }
}
