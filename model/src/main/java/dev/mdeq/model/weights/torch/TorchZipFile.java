package dev.mdeq.model.weights.torch;

import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Listing;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A checkpoint in PyTorch's zip format (PyTorch >= 1.6): {@code <archive>/data.pkl} (the pickle),
 * {@code <archive>/data/<key>} (one raw storage per key), {@code <archive>/version}, and from
 * PyTorch 2.1 on {@code <archive>/byteorder} ("little" or "big"; little when absent). The
 * storages are read straight from their entries when a tensor is materialised.
 */
final class TorchZipFile implements TorchArchive {
    private final Path file;
    private final ZipFile zip;
    private final String archive;
    private final String version;
    private final ByteOrder byteOrder;
    private final Map<String, ZipEntry> storageEntries = new HashMap<>();
    private final Object root;

    private TorchZipFile(Path file, ZipFile zip) {
        this.file = file;
        this.zip = zip;
        this.archive = archiveName();
        this.version = text("version").orElse("?");
        String order = text("byteorder").orElse("little");
        this.byteOrder = switch (order) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new InvalidInputException(file + ": the byteorder record says '" + order
                    + "' (expected 'little' or 'big')");
        };
        this.root = readDataPickle();
    }

    static TorchZipFile open(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new InvalidInputException(file + ": truncated or corrupt zip checkpoint (" + e.getMessage()
                    + "): a complete file ends with the zip central directory", e);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read the checkpoint: " + e.getMessage(), e);
        }
        try {
            return new TorchZipFile(file, zip);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /** The one top-level folder holding {@code data.pkl} (PyTorch names it after the file). */
    private String archiveName() {
        List<String> names = new ArrayList<>();
        List<String> candidates = new ArrayList<>();
        for (ZipEntry entry : Collections.list(zip.entries())) {
            String name = entry.getName();
            names.add(name);
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                candidates.add(name.substring(0, slash));
            }
        }
        if (candidates.size() == 1) {
            String archive = candidates.get(0);
            if (zip.getEntry(archive + "/constants.pkl") != null || zip.getEntry(archive + "/code/") != null
                    || names.stream().anyMatch(n -> n.startsWith(archive + "/code/"))) {
                throw new InvalidInputException(file + ": this is a TorchScript archive (torch.jit.save), not a"
                        + " torch.save checkpoint; save model.state_dict() with torch.save instead");
            }
            return archive;
        }
        if (candidates.size() > 1) {
            throw new InvalidInputException(file + ": the zip holds " + candidates.size() + " PyTorch archives "
                    + candidates + "; expected one <name>/data.pkl");
        }
        if (!names.isEmpty() && names.stream().allMatch(n -> n.endsWith(".npy"))) {
            throw new InvalidInputException(file + ": this is a NumPy .npz file, not a PyTorch checkpoint");
        }
        throw new InvalidInputException(file + ": not a PyTorch checkpoint: the zip has no <name>/data.pkl entry"
                + " (entries: " + Listing.some(names) + ")");
    }

    private Optional<String> text(String record) {
        ZipEntry entry = zip.getEntry(archive + "/" + record);
        if (entry == null) {
            return Optional.empty();
        }
        try (InputStream in = zip.getInputStream(entry)) {
            return Optional.of(new String(in.readNBytes(64), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw unreadable(entry, e);
        }
    }

    private Object readDataPickle() {
        ZipEntry entry = zip.getEntry(archive + "/data.pkl");
        String source = file + " (" + entry.getName() + ")";
        StorageTable storages = new StorageTable();
        try (InputStream in = zip.getInputStream(entry)) {
            long size = entry.getSize() >= 0 ? entry.getSize() : Long.MAX_VALUE;
            PickleInput input = new PickleInput(new BufferedInputStream(in), source, 0, size);
            return new SafeUnpickler(input, new TorchGlobals(), (id, at) -> {
                StorageRef storage = storages.add(StorageRef.parse(id, source, at), source, at);
                String name = archive + "/data/" + storage.key();
                ZipEntry data = zip.getEntry(name);
                if (data == null) {
                    throw new InvalidInputException(file + ": storage '" + storage.key() + "' (pickle byte " + at
                            + ") is missing from the archive: no entry " + name);
                }
                storageEntries.put(storage.key(), data);
                return storage;
            }).load();
        } catch (IOException e) {
            throw unreadable(entry, e);
        }
    }

    @Override
    public Object root() {
        return root;
    }

    @Override
    public TorchFileFormat format() {
        return TorchFileFormat.ZIP;
    }

    @Override
    public String details() {
        return "archive '" + archive + "', version " + version + ", "
                + (byteOrder == ByteOrder.LITTLE_ENDIAN ? "little" : "big") + "-endian";
    }

    @Override
    public ByteOrder byteOrder() {
        return byteOrder;
    }

    @Override
    public long availableElements(StorageRef storage) {
        return storageEntries.get(storage.key()).getSize() / storage.dtype().bytes();
    }

    @Override
    public ByteBuffer read(StorageRef storage, long first, long count) {
        ZipEntry entry = storageEntries.get(storage.key());
        int bytes = storage.dtype().bytes();
        try (InputStream in = zip.getInputStream(entry)) {
            in.skipNBytes(first * bytes);
            byte[] data = in.readNBytes(Math.toIntExact(count * bytes));
            if (data.length < count * bytes) {
                throw new InvalidInputException(file + ": entry " + entry.getName() + " ends after " + (first * bytes
                        + data.length) + " bytes; " + (first + count) * bytes + " expected: the file is corrupt");
            }
            return ByteBuffer.wrap(data).order(byteOrder);
        } catch (IOException e) {
            throw unreadable(entry, e);
        }
    }

    private InvalidInputException unreadable(ZipEntry entry, IOException e) {
        return new InvalidInputException(file + ": cannot read zip entry " + entry.getName()
                + " (truncated or corrupt file?): " + e.getMessage(), e);
    }

    @Override
    public void close() {
        closeQuietly(zip);
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException e) {
            // Read-only: nothing is lost when closing fails.
        }
    }
}
