package dev.mdeq.model.weights.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Where a checkpoint's storages are: zip entries or sections of a legacy file. */
interface StorageReader {

    /** Elements the file really holds for this (root) storage, which may be fewer than the pickle says. */
    long availableElements(StorageRef storage);

    /**
     * Reads {@code count} elements of the root storage starting at element {@code first}; the
     * caller has checked the range against {@link #availableElements}. The buffer's order is
     * {@link #byteOrder()}.
     */
    ByteBuffer read(StorageRef storage, long first, long count);

    /** Byte order of the storages in the file. */
    ByteOrder byteOrder();
}
