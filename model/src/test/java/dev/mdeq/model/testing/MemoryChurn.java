package dev.mdeq.model.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes use-after-free of Java-owned array memory visible: DJL's PyTorch engine keeps an array
 * created from Java data (and the scalar of an operation such as {@code mul(2.0)}) in a direct
 * buffer that only the Java array object holds, so libtorch may still read it after that object is
 * closed. {@link #recycle(byte)} lets the garbage collector free such buffers and then takes small
 * blocks of memory again, filled with a known byte, so that a stale reader sees that byte instead
 * of the old values.
 */
public final class MemoryChurn {
    private static final List<ByteBuffer> HELD = new ArrayList<>();

    private MemoryChurn() {
    }

    /** {@link #recycle(byte)} with zeros, which cut a chain of products that reads a freed factor. */
    public static void recycle() {
        recycle((byte) 0);
    }

    /**
     * Frees unreachable direct buffers and takes small blocks again, every byte set to {@code fill}
     * (held until the next call).
     */
    public static synchronized void recycle(byte fill) {
        HELD.clear();
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(5); // the buffers' cleaner runs on its own thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        for (int i = 0; i < 512; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 + i % 16);
            while (buffer.hasRemaining()) {
                buffer.put(fill);
            }
            HELD.add(buffer);
        }
    }
}
