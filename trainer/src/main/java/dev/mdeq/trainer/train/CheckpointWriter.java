package dev.mdeq.trainer.train;

import dev.mdeq.model.checkpoint.CheckpointStore;
import dev.mdeq.model.checkpoint.SavedCheckpoint;
import dev.mdeq.model.checkpoint.TrainingState;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.runstore.storage.LocalFolders;
import dev.mdeq.trainer.optim.Optimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a training checkpoint: the model's and the optimizer's state as local {@code .npz} parts,
 * then the checkpoint ({@link CheckpointStore#save}). Measures each write, for the SIGTERM
 * watchdog's estimate of how long the next one takes. Safe to call from the loop and the watchdog.
 */
final class CheckpointWriter {
    private final CheckpointStore checkpoints;
    private final Optimizer optimizer;
    private final Path workFolder;
    private final Consumer<String> log;
    private volatile double lastSeconds = -1;

    CheckpointWriter(CheckpointStore checkpoints, Optimizer optimizer, Path workFolder, Consumer<String> log) {
        this.checkpoints = checkpoints;
        this.optimizer = optimizer;
        this.workFolder = workFolder;
        this.log = log;
    }

    SavedCheckpoint write(TrainingState toSave, Map<String, RawTensor> modelState) {
        long start = System.nanoTime();
        Path folder = workFolder.resolve("save-" + toSave.step() + "-" + Thread.currentThread().getId());
        try {
            Files.createDirectories(folder);
            Path modelFile = folder.resolve(CheckpointStore.MODEL_PART);
            Path optimizerFile = folder.resolve(CheckpointStore.OPTIMIZER_PART);
            Npz.write(modelFile, modelState);
            Npz.write(optimizerFile, optimizer.state());
            Map<String, Path> parts = new LinkedHashMap<>();
            parts.put(CheckpointStore.MODEL_PART, modelFile);
            parts.put(CheckpointStore.OPTIMIZER_PART, optimizerFile);
            SavedCheckpoint saved = checkpoints.save(toSave, parts);
            lastSeconds = (System.nanoTime() - start) / 1e9;
            log.accept(String.format("checkpoint %s (%.1f MB, %.1f s)", saved.folder(),
                    saved.manifest().totalBytes() / 1e6, lastSeconds));
            return saved;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint files in " + folder, e);
        } finally {
            LocalFolders.deleteRecursively(folder, "the local work folder");
        }
    }

    /** Seconds the last write took, or -1 before the first. */
    double lastSeconds() {
        return lastSeconds;
    }
}
