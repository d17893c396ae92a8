package dev.mdeq.model.weights.torch;

import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.model.weights.RawTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PyTorch checkpoint file ({@code torch.save}, zip or legacy format) read in plain Java: its
 * state dict and what kind of MDEQ checkpoint it is (docs/reference-model.md §6). Opening parses the pickle and
 * checks every tensor against its storage; elements are read only by {@link #stateDict()},
 * {@link #modelStateDict()} or {@link #read}, straight from the file (so close it when done).
 * <p>
 * The pickle is untrusted input: it is interpreted by {@link SafeUnpickler}, which rebuilds only
 * tensors, storages and dicts and refuses any other global by name. Every problem with the file
 * is an {@link InvalidInputException} naming the file and what is wrong.
 */
public final class TorchFile implements AutoCloseable {
    private static final String STATE_DICT = "state_dict";

    private final Path file;
    private final TorchArchive archive;
    private final TorchFileKind kind;
    private final Map<String, TorchTensor> stateDict = new LinkedHashMap<>();
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private final ReferenceKeys referenceKeys;

    private TorchFile(Path file, TorchArchive archive) {
        this.file = file;
        this.archive = archive;
        if (!(archive.root() instanceof Map<?, ?> top)) {
            throw new InvalidInputException(file + ": the checkpoint holds " + PyValues.describe(archive.root())
                    + ", not a state dict (a dict of tensors) or a dict with a 'state_dict' entry");
        }
        boolean training = top.get(STATE_DICT) instanceof Map<?, ?>
                && !top.values().stream().allMatch(value -> value instanceof TorchTensor);
        Map<?, ?> entries = training ? (Map<?, ?>) top.get(STATE_DICT) : top;
        if (training) {
            top.forEach((key, value) -> {
                if (!STATE_DICT.equals(key)) {
                    skipped.put(String.valueOf(key), PyValues.describe(value));
                }
            });
        } else if (!top.isEmpty() && top.values().stream().noneMatch(value -> value instanceof TorchTensor)) {
            List<String> keys = new ArrayList<>();
            top.keySet().forEach(key -> keys.add(String.valueOf(key)));
            throw new InvalidInputException(file + ": no state dict in the checkpoint: its top-level keys are " + keys
                    + "; expected tensors, or a 'state_dict' entry holding them");
        }
        entries.forEach((key, value) -> {
            String where = training ? "'" + STATE_DICT + "' entry " : "entry ";
            if (!(key instanceof String name)) {
                throw new InvalidInputException(file + ": state dict " + where + "key " + PyValues.describe(key)
                        + " is not a string");
            }
            if (!(value instanceof TorchTensor tensor)) {
                throw new InvalidInputException(file + ": state dict " + where + "'" + name + "' is "
                        + PyValues.describe(value) + ", not a tensor");
            }
            tensor.checkRange(archive, file.toString(), name);
            stateDict.put(name, tensor);
        });
        if (stateDict.isEmpty()) {
            throw new InvalidInputException(file + ": the state dict in the checkpoint is empty");
        }
        boolean fullModel = ReferenceKeys.looksLikeFullModel(stateDict.keySet());
        this.kind = TorchFileKind.of(training, fullModel);
        this.referenceKeys = ReferenceKeys.of(stateDict.keySet(), fullModel);
    }

    /** Opens and checks a checkpoint; the format is detected from the content, not the name. */
    public static TorchFile open(Path file) {
        TorchArchive archive = switch (TorchFileFormat.detect(file)) {
            case ZIP -> TorchZipFile.open(file);
            case LEGACY -> TorchLegacyFile.open(file);
        };
        try {
            return new TorchFile(file, archive);
        } catch (RuntimeException e) {
            archive.close();
            throw e;
        }
    }

    /** The model's tensors of a checkpoint file in the reference's names ({@link ReferenceKeys}). */
    public static Map<String, RawTensor> readModelStateDict(Path file) {
        try (TorchFile checkpoint = open(file)) {
            return checkpoint.modelStateDict();
        }
    }

    public Path file() {
        return file;
    }

    public TorchFileFormat format() {
        return archive.format();
    }

    /** Archive name, version and byte order. */
    public String formatDetails() {
        return archive.details();
    }

    public TorchFileKind kind() {
        return kind;
    }

    /** Top-level entries of a training checkpoint that are not the model (key to a short description). */
    public Map<String, String> skipped() {
        return Collections.unmodifiableMap(skipped);
    }

    /** The rules that pick the model's entries out of this state dict. */
    public ReferenceKeys referenceKeys() {
        return referenceKeys;
    }

    /** Every state-dict entry, in file order, without reading elements. */
    public Map<String, TensorInfo> entries() {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        stateDict.forEach((key, tensor) -> out.put(key, new TensorInfo(tensor.size(), tensor.dtype())));
        return Collections.unmodifiableMap(out);
    }

    /** The model's entries under their model names (see {@link ReferenceKeys}), without reading elements. */
    public Map<String, TensorInfo> modelEntries() {
        return Collections.unmodifiableMap(referenceKeys.modelEntries(entries()));
    }

    /** Reads one state-dict entry (by its key in the file). */
    public RawTensor read(String key) {
        TorchTensor tensor = stateDict.get(key);
        if (tensor == null) {
            throw new InvalidInputException(file + ": the state dict has no entry '" + key + "'");
        }
        return tensor.materialize(archive, file.toString(), key);
    }

    /** Every state-dict entry, read, in file order (aliases are read once per name). */
    public Map<String, RawTensor> stateDict() {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        stateDict.keySet().forEach(key -> out.put(key, read(key)));
        return out;
    }

    /** The model's entries, read, under their model names, in file order. */
    public Map<String, RawTensor> modelStateDict() {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        stateDict.keySet().stream()
                .filter(key -> referenceKeys.dropReason(key).isEmpty())
                .forEach(key -> out.put(referenceKeys.modelName(key), read(key)));
        return out;
    }

    @Override
    public void close() {
        archive.close();
    }
}
