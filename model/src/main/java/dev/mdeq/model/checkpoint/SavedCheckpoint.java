package dev.mdeq.model.checkpoint;

import dev.mdeq.runstore.run.CheckpointManifest;

/**
 * A checkpoint written, verified and published as the run's newest.
 *
 * @param folder its folder key in the run folder ({@code checkpoints/step-.../})
 * @param manifest its manifest
 * @param writeSeconds time to upload the parts and the manifest
 * @param verifySeconds time to read every part back and re-hash it
 */
public record SavedCheckpoint(String folder, CheckpointManifest manifest, double writeSeconds, double verifySeconds) {
}
