package dev.mdeq.trainer.weights;

import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.trainer.weights.torch.TorchCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipFile;

/**
 * Reads model weights in the reference's names from any supported file, told apart by content: an
 * {@code .npz} archive (this project's format, {@link Npz}) or a PyTorch checkpoint of the
 * reference ({@link TorchCheckpoint}: {@code .pth}, {@code .pth.tar}, the released {@code .pkl}).
 */
public final class WeightFiles {
    private WeightFiles() {
    }

    /** The tensors of {@code file} by state-dict name. */
    public static Map<String, RawTensor> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("weights file " + file + " does not exist");
        }
        return isNpz(file) ? Npz.read(file) : TorchCheckpoint.readModelStateDict(file);
    }

    /** True for a zip archive whose entries are {@code .npy} files. */
    static boolean isNpz(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return zip.stream().anyMatch(entry -> entry.getName().endsWith(".npy"));
        } catch (IOException e) {
            return false;
        }
    }
}
