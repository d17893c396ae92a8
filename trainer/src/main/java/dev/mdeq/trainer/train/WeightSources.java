package dev.mdeq.trainer.train;

import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.storage.StoreUri;
import dev.mdeq.trainer.weights.RawTensor;
import dev.mdeq.trainer.weights.WeightFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads the weights {@code MODEL.PRETRAINED} or {@code TRAIN.MODEL_FILE} name ({@link WeightFiles}:
 * {@code .npz} or a PyTorch checkpoint) from a local path or a {@code file:} / {@code s3://} URI
 * (downloaded to the work folder first).
 */
final class WeightSources {
    private WeightSources() {
    }

    static Map<String, RawTensor> read(String location, String configKey, Path workFolder) {
        Path file = local(location, configKey, workFolder);
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(configKey + ": weights file " + location + " does not exist");
        }
        return WeightFiles.read(file);
    }

    private static Path local(String location, String configKey, Path workFolder) {
        if (!location.startsWith("s3://") && !location.startsWith("file:")) {
            return Path.of(location);
        }
        StoreUri uri;
        try {
            uri = StoreUri.parse(location);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(configKey + ": " + e.getMessage());
        }
        if (!uri.isS3()) {
            return Path.of(uri.path());
        }
        int slash = uri.path().lastIndexOf('/');
        String parent = "s3://" + uri.bucket() + (slash < 0 ? "" : "/" + uri.path().substring(0, slash));
        String key = uri.path().substring(slash + 1);
        try (ObjectStore store = ObjectStores.open(parent)) {
            if (store.stat(key).isEmpty()) {
                throw new InvalidInputException(configKey + ": weights file " + location + " does not exist");
            }
            Files.createDirectories(workFolder);
            Path file = workFolder.resolve(key);
            store.getToFile(key, file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot download " + location + " to " + workFolder, e);
        }
    }
}
