package dev.mdeq.data;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file (the MNIST / Fashion-MNIST format), plain or gzipped (detected by content): a
 * big-endian magic {@code 0x0000TTNN} (TT = 0x08 unsigned byte, the only type these data sets use;
 * NN = number of dimensions), NN big-endian 32-bit sizes, then the data in row-major order.
 *
 * @param file where it was read from (for messages)
 * @param dims the sizes, outermost first
 * @param data the unsigned bytes
 */
public record IdxFile(Path file, int[] dims, byte[] data) {
    private static final int UNSIGNED_BYTE = 0x08;

    /** Reads {@code file}, or {@code file.gz} when only that exists. */
    public static IdxFile read(Path file) {
        Path actual = file;
        if (!Files.isRegularFile(actual)) {
            Path gz = file.resolveSibling(file.getFileName() + ".gz");
            if (!Files.isRegularFile(gz)) {
                throw new InvalidInputException(file + ": IDX file not found (nor " + gz.getFileName() + ")");
            }
            actual = gz;
        }
        byte[] raw;
        try {
            raw = Files.readAllBytes(actual);
            if (raw.length >= 2 && (raw[0] & 0xFF) == 0x1F && (raw[1] & 0xFF) == 0x8B) {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                    raw = in.readAllBytes();
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException(actual + ": cannot read IDX file: " + e.getMessage(), e);
        }
        return parse(actual, raw);
    }

    static IdxFile parse(Path file, byte[] raw) {
        if (raw.length < 4 || raw[0] != 0 || raw[1] != 0) {
            throw new InvalidInputException(file + ": not an IDX file (the first two bytes must be 0)");
        }
        int type = raw[2] & 0xFF;
        int ndim = raw[3] & 0xFF;
        if (type != UNSIGNED_BYTE) {
            throw new InvalidInputException(file + String.format(": IDX data type 0x%02x is not supported; "
                    + "only unsigned bytes (0x08) are read", type));
        }
        int header = 4 + 4 * ndim;
        if (ndim == 0 || raw.length < header) {
            throw new InvalidInputException(file + ": IDX header is truncated (" + ndim + " dimensions, "
                    + raw.length + " bytes)");
        }
        int[] dims = new int[ndim];
        long count = 1;
        for (int i = 0; i < ndim; i++) {
            int o = 4 + 4 * i;
            dims[i] = ((raw[o] & 0xFF) << 24) | ((raw[o + 1] & 0xFF) << 16) | ((raw[o + 2] & 0xFF) << 8)
                    | (raw[o + 3] & 0xFF);
            if (dims[i] < 0) {
                throw new InvalidInputException(file + ": IDX dimension " + i + " is negative");
            }
            count *= dims[i];
        }
        if (raw.length - header != count) {
            throw new InvalidInputException(file + ": IDX dimensions " + Arrays.toString(dims) + " need " + count
                    + " data bytes, the file has " + (raw.length - header));
        }
        return new IdxFile(file, dims, Arrays.copyOfRange(raw, header, raw.length));
    }
}
