package dev.mdeq.model.weights;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's {@code .npz} archives ({@code numpy.savez}): a zip file with one {@code <name>.npy} entry per
 * array, stored uncompressed as numpy writes them (compressed archives from {@code savez_compressed}
 * read as well).
 */
public final class Npz {
    private static final String SUFFIX = ".npy";

    private Npz() {
    }

    /** Every array of the archive, by name (entry name without {@code .npy}), in archive order. */
    public static Map<String, RawTensor> read(Path file) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (entry.isDirectory()) {
                    continue;
                }
                String name = entry.getName().endsWith(SUFFIX)
                        ? entry.getName().substring(0, entry.getName().length() - SUFFIX.length())
                        : entry.getName();
                try (InputStream in = zip.getInputStream(entry)) {
                    out.put(name, Npy.read(in, file + "!" + entry.getName()));
                }
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("weights file " + file + " does not exist");
        } catch (ZipException e) {
            throw new InvalidInputException(file + " is not an .npz (zip) archive: " + e.getMessage());
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new InvalidInputException("file " + file + " does not exist");
            }
            throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Writes {@code arrays} as an uncompressed archive, as {@code numpy.savez} does. The archive is
     * written next to {@code file} and moved into place at the end, so an existing file is never
     * left half-written.
     */
    public static void write(Path file, Map<String, RawTensor> arrays) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempFile(parent, file.getFileName().toString(), ".part");
        try {
            try (OutputStream stream = Files.newOutputStream(temporary);
                    ZipOutputStream zip = new ZipOutputStream(stream)) {
                for (Map.Entry<String, RawTensor> array : arrays.entrySet()) {
                    byte[] bytes = Npy.toBytes(array.getValue());
                    ZipEntry entry = new ZipEntry(array.getKey() + SUFFIX);
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(bytes.length);
                    entry.setCompressedSize(bytes.length);
                    CRC32 crc = new CRC32();
                    crc.update(bytes);
                    entry.setCrc(crc.getValue());
                    zip.putNextEntry(entry);
                    zip.write(bytes);
                    zip.closeEntry();
                }
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
