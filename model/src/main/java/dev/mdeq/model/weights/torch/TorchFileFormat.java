package dev.mdeq.model.weights.torch;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;

/** The two file formats of {@code torch.save}, told apart by their first bytes. */
public enum TorchFileFormat {
    /** PyTorch >= 1.6: a zip archive {@code <name>/data.pkl} + {@code <name>/data/<key>} storages. */
    ZIP("zip (torch.save, PyTorch >= 1.6)"),
    /** Older PyTorch or {@code _use_new_zipfile_serialization=False}: pickles followed by raw storages. */
    LEGACY("legacy (torch.save before PyTorch 1.6, or _use_new_zipfile_serialization=False)");

    private final String description;

    TorchFileFormat(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The format of {@code file} by content (not by name), or a clear error if it is neither. */
    public static TorchFileFormat detect(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(512);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file", e);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read the checkpoint: " + e.getMessage(), e);
        }
        if (head.length == 0) {
            throw new InvalidInputException(file + ": the checkpoint file is empty");
        }
        if (head.length >= 2 && head[0] == 'P' && head[1] == 'K') {
            return ZIP;
        }
        if ((head[0] & 0xff) == 0x80) {
            return LEGACY;
        }
        if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            throw new InvalidInputException(file + ": this is a tar archive: PyTorch's tar checkpoint format"
                    + " (PyTorch < 0.1.10) is not supported; load and re-save it with a newer PyTorch");
        }
        throw new InvalidInputException(file + ": not a PyTorch checkpoint: it starts with bytes "
                + HexFormat.ofDelimiter(" ").formatHex(head, 0, Math.min(8, head.length))
                + " (a zip checkpoint starts with 'PK', a legacy one with the pickle byte 80)");
    }
}
