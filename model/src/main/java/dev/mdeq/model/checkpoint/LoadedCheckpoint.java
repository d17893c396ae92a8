package dev.mdeq.model.checkpoint;

import dev.mdeq.runstore.run.CheckpointManifest;
import dev.mdeq.runstore.storage.LocalFolders;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A verified checkpoint downloaded to local files. Closing it deletes the files.
 *
 * @param folder its folder key in the run folder
 * @param manifest its manifest
 * @param state its {@code state.json}
 * @param files every part by name, as verified local files
 * @param skipped newer checkpoints that were passed over, with the reason (empty when this is the
 *     newest)
 * @param localFolder the local folder holding {@code files}
 */
public record LoadedCheckpoint(
        String folder,
        CheckpointManifest manifest,
        TrainingState state,
        Map<String, Path> files,
        List<String> skipped,
        Path localFolder) implements AutoCloseable {

    public LoadedCheckpoint {
        files = Map.copyOf(files);
        skipped = List.copyOf(skipped);
    }

    /** The local file of part {@code name}; fails naming the checkpoint when it has none. */
    public Path file(String name) {
        Path file = files.get(name);
        if (file == null) {
            throw new InvalidCheckpointException("checkpoint " + folder + " has no part " + name + " (it has "
                    + files.keySet() + ")");
        }
        return file;
    }

    LoadedCheckpoint withSkipped(List<String> reasons) {
        return new LoadedCheckpoint(folder, manifest, state, files, reasons, localFolder);
    }

    @Override
    public void close() {
        LocalFolders.deleteRecursively(localFolder, "the local checkpoint copy");
    }
}
