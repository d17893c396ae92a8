package dev.mdeq.evaluator.inference;

import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalFolders;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.model.checkpoint.CheckpointStore;
import dev.mdeq.model.checkpoint.InvalidCheckpointException;
import dev.mdeq.model.checkpoint.LoadedCheckpoint;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.model.weights.WeightFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The weights an evaluation runs: a checkpoint of the run (the one {@code BEST} or {@code LATEST}
 * points to, or a named folder), or a weights file ({@code .npz}, or the reference's {@code .pth} /
 * {@code .pth.tar} / {@code .pkl}).
 *
 * @param label short name for the default evaluation id: {@code best}, {@code latest},
 *     {@code step-000000000042}, {@code weights-<file name>}
 * @param location what was evaluated: the checkpoint folder ({@code checkpoints/step-.../}) or the
 *     weights file as given; the report's {@code checkpoint}
 * @param selection how it was chosen, in words (the report's options)
 * @param weights the tensors by reference state-dict name
 */
public record ModelSource(String label, String location, String selection, Map<String, RawTensor> weights) {
    /** {@code --checkpoint best}. */
    public static final String BEST = "best";
    /** {@code --checkpoint latest}. */
    public static final String LATEST = "latest";

    /**
     * Chooses and reads the weights: {@code weightsFile} when given (or else {@code modelFile},
     * TEST.MODEL_FILE, when {@code checkpoint} is null too), else the checkpoint named by
     * {@code checkpoint} ({@code best}, {@code latest}, a folder {@code step-...} or
     * {@code checkpoints/step-.../}, or a step number), else BEST when the run has one and LATEST
     * otherwise. A checkpoint's parts are verified against its manifest.
     *
     * @param log receives a line saying what was chosen
     * @throws InvalidInputException when the checkpoint does not exist (listing the run's
     *     checkpoints and pointers) or cannot be used
     */
    public static ModelSource resolve(ObjectStore run, String checkpoint, String weightsFile, String modelFile,
            Consumer<String> log) {
        if (checkpoint != null && weightsFile != null) {
            throw new IllegalArgumentException("give either a checkpoint or a weights file, not both");
        }
        if (weightsFile != null) {
            return file(weightsFile, "--weights", log);
        }
        if (checkpoint == null && modelFile != null && !modelFile.isBlank()) {
            return file(modelFile, "TEST.MODEL_FILE", log);
        }
        Path work = LocalFolders.createTemporary("mdeq-eval-checkpoint-");
        try {
            CheckpointStore store = new CheckpointStore(run, work, log);
            Choice choice = choose(run, store, checkpoint);
            log.accept("evaluating checkpoint " + choice.folder + " of " + run.root() + " (" + choice.selection + ")");
            try (LoadedCheckpoint loaded = store.load(choice.folder)) {
                Map<String, RawTensor> weights = WeightFiles.read(loaded.file(CheckpointStore.MODEL_PART));
                return new ModelSource(choice.label, choice.folder, choice.selection, weights);
            } catch (InvalidCheckpointException e) {
                throw new InvalidInputException("checkpoint " + choice.folder + " (" + choice.selection
                        + ") cannot be used: " + e.getMessage() + ". " + inventory(run, store), e);
            }
        } finally {
            LocalFolders.deleteTemporary(work);
        }
    }

    private record Choice(String label, String folder, String selection) {
    }

    private static Choice choose(ObjectStore run, CheckpointStore store, String checkpoint) {
        if (checkpoint == null) {
            Optional<String> best = store.best();
            if (best.isPresent()) {
                return new Choice(BEST, best.get(), "BEST pointer (default)");
            }
            return new Choice(LATEST, store.latest().orElseThrow(() -> new InvalidInputException(
                    "nothing to evaluate: " + inventory(run, store) + " Train first, or pass --weights FILE.")),
                    "LATEST pointer (default: the run has no BEST pointer)");
        }
        String name = checkpoint.trim();
        if (name.equalsIgnoreCase(BEST) || name.equalsIgnoreCase(LATEST)) {
            boolean best = name.equalsIgnoreCase(BEST);
            Optional<String> folder = best ? store.best() : store.latest();
            String pointer = best ? RunLayout.BEST : RunLayout.LATEST;
            return new Choice(best ? BEST : LATEST, folder.orElseThrow(() -> new InvalidInputException(
                    "--checkpoint " + name + ": the run has no " + pointer + " pointer. " + inventory(run, store))),
                    (best ? "BEST" : "LATEST") + " pointer");
        }
        String folder = folderOf(name);
        if (!store.folders().containsValue(folder)) {
            throw new InvalidInputException("--checkpoint " + name + ": no checkpoint " + folder + " in "
                    + run.root() + ". " + inventory(run, store) + " Valid values: best, latest, or one of the folders.");
        }
        return new Choice(folder.substring(RunLayout.CHECKPOINTS.length(), folder.length() - 1), folder,
                "named checkpoint");
    }

    /** {@code step-...}, {@code checkpoints/step-.../} or a step number as a checkpoint folder key. */
    private static String folderOf(String name) {
        if (name.matches("\\d{1,18}")) {
            return RunLayout.checkpointFolder(Long.parseLong(name));
        }
        String folder = name.startsWith(RunLayout.CHECKPOINTS) ? name : RunLayout.CHECKPOINTS + name;
        return folder.endsWith("/") ? folder : folder + "/";
    }

    /** What the run has: its checkpoint folders (complete or not) and pointers. */
    static String inventory(ObjectStore run, CheckpointStore store) {
        List<String> folders = new ArrayList<>(store.folders().values());
        String pointers = "BEST -> " + store.best().orElse("(none)") + ", LATEST -> " + store.latest().orElse("(none)");
        if (folders.isEmpty()) {
            return "The run " + run.root() + " has no checkpoints (" + pointers + ").";
        }
        return "The run " + run.root() + " has " + folders.size() + " checkpoint folder(s): "
                + String.join(", ", folders) + " (" + pointers + ").";
    }

    private static ModelSource file(String location, String setting, Consumer<String> log) {
        String selection = "weights file (" + setting + ")";
        log.accept("evaluating " + selection + " " + location);
        return new ModelSource("weights-" + stem(location), location, selection, WeightFiles.read(location, setting));
    }

    /** The file name without its weight-file extensions, reduced to characters an evaluation id may hold. */
    private static String stem(String location) {
        String name = location.substring(location.lastIndexOf('/') + 1);
        name = name.replaceAll("(?i)(\\.pth\\.tar|\\.pth|\\.pkl|\\.npz|\\.tar|\\.pt)$", "");
        name = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() ? "file" : name.substring(0, Math.min(name.length(), 60));
    }
}
