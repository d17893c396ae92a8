package dev.mdeq.model.weights.torch;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint in PyTorch's legacy format (before 1.6, or {@code _use_new_zipfile_serialization=False}):
 * five pickles - the magic number {@code 0x1950a86a20f9469cfc6c}, the protocol version 1001,
 * sys_info (byte order), the data (storages as persistent ids), the list of storage keys - then,
 * for each key in that order, the storage's element count (int64) and its raw elements, both in
 * the byte order sys_info names. Storages are read from the file by position when needed.
 */
final class TorchLegacyFile implements TorchArchive {
    static final BigInteger MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long PROTOCOL_VERSION = 1001;

    private final Path file;
    private final FileChannel channel;
    private final long fileSize;
    private final StorageTable storages = new StorageTable();
    private final Map<String, Long> dataStart = new HashMap<>();
    private final Map<String, Long> storedElements = new HashMap<>();
    private ByteOrder byteOrder = ByteOrder.LITTLE_ENDIAN;
    private Object root;

    private TorchLegacyFile(Path file, FileChannel channel) throws IOException {
        this.file = file;
        this.channel = channel;
        this.fileSize = channel.size();
    }

    static TorchLegacyFile open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read the checkpoint: " + e.getMessage(), e);
        }
        try {
            TorchLegacyFile checkpoint = new TorchLegacyFile(file, channel);
            checkpoint.parse();
            return checkpoint;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new InvalidInputException(file + ": cannot read the checkpoint: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private void parse() throws IOException {
        InputStream stream = new BufferedInputStream(Channels.newInputStream(channel.position(0)));
        String source = file.toString();
        PickleInput in = new PickleInput(stream, source, 0, fileSize);
        TorchGlobals globals = new TorchGlobals();
        SafeUnpickler.PersistentLoader none = (id, at) -> {
            throw new InvalidInputException(source + ": not a PyTorch legacy checkpoint: unexpected persistent id at byte "
                    + at + " before the data pickle");
        };
        Object magic = new SafeUnpickler(in, globals, none).load();
        if (!MAGIC_NUMBER.equals(magic)) {
            throw new InvalidInputException(source + ": not a PyTorch checkpoint: the file is a pickle of "
                    + PyValues.describe(magic) + ", not torch.save's magic number (a plain pickle.dump file?)");
        }
        Object protocol = new SafeUnpickler(in, globals, none).load();
        if (!Long.valueOf(PROTOCOL_VERSION).equals(protocol)) {
            throw new InvalidInputException(source + ": unsupported legacy protocol version " + PyValues.describe(protocol)
                    + " (expected 1001)");
        }
        Object sysInfo = new SafeUnpickler(in, globals, none).load();
        if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
            byteOrder = ByteOrder.BIG_ENDIAN;
        }
        root = new SafeUnpickler(in, globals,
                (id, at) -> storages.add(StorageRef.parse(id, source, at), source, at)).load();
        Object keys = new SafeUnpickler(in, globals, none).load();
        if (!(keys instanceof List<?> keyList) || !keyList.stream().allMatch(k -> k instanceof String)) {
            throw new InvalidInputException(source + ": corrupt legacy checkpoint: the storage key list is "
                    + PyValues.describe(keys));
        }
        locateStorages(keyList, in.position());
    }

    /** Walks the storage sections after the pickles, checking each against the file's length. */
    private void locateStorages(List<?> keys, long position) throws IOException {
        for (Object key : keys) {
            StorageRef storage = storages.get((String) key);
            if (storage == null) {
                throw new InvalidInputException(file + ": corrupt legacy checkpoint: storage '" + key
                        + "' is listed but no tensor uses it, so its element size is unknown");
            }
            if (position + 8 > fileSize) {
                throw truncated(storage, position + 8);
            }
            ByteBuffer header = ByteBuffer.allocate(8).order(byteOrder);
            readFully(header, position);
            long count = header.getLong(0);
            long bytes = count * storage.dtype().bytes();
            if (count < 0 || count > fileSize) {
                throw new InvalidInputException(file + ": corrupt legacy checkpoint: storage '" + key
                        + "' claims " + count + " elements (byte " + position + ")");
            }
            if (position + 8 + bytes > fileSize) {
                throw truncated(storage, position + 8 + bytes);
            }
            dataStart.put(storage.key(), position + 8);
            storedElements.put(storage.key(), count);
            position += 8 + bytes;
        }
        for (String key : storages.keys()) {
            if (!dataStart.containsKey(key)) {
                throw new InvalidInputException(file + ": corrupt legacy checkpoint: storage '" + key
                        + "' is used by a tensor but missing from the storage key list");
            }
        }
    }

    private InvalidInputException truncated(StorageRef storage, long needed) {
        return new InvalidInputException(file + ": truncated legacy checkpoint: storage '" + storage.key() + "' ("
                + storage.dtype().pythonName() + ") needs the file to reach byte " + needed + " but it has "
                + fileSize + " bytes");
    }

    private void readFully(ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new InvalidInputException(file + ": unexpected end of file at byte " + (position + buffer.position()));
            }
        }
    }

    @Override
    public Object root() {
        return root;
    }

    @Override
    public TorchFileFormat format() {
        return TorchFileFormat.LEGACY;
    }

    @Override
    public String details() {
        return "protocol " + PROTOCOL_VERSION + ", " + (byteOrder == ByteOrder.LITTLE_ENDIAN ? "little" : "big") + "-endian";
    }

    @Override
    public ByteOrder byteOrder() {
        return byteOrder;
    }

    @Override
    public long availableElements(StorageRef storage) {
        return storedElements.get(storage.key());
    }

    @Override
    public ByteBuffer read(StorageRef storage, long first, long count) {
        int bytes = storage.dtype().bytes();
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(count * bytes));
        try {
            readFully(buffer, dataStart.get(storage.key()) + first * bytes);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read storage '" + storage.key() + "': " + e.getMessage(), e);
        }
        return buffer.flip().order(byteOrder);
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Read-only: nothing is lost when closing fails.
        }
    }
}
