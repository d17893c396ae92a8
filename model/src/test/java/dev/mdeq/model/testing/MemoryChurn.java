package dev.mdeq.model.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes use-after-free of Java-owned array memory visible: DJL's PyTorch engine keeps an array
 * created from Java data (and the scalar of an operation such as {@code mul(2.0)}) in a direct
 * buffer that only the Java array object holds, so libtorch may still read it after that object is
 * closed. {@link #recycle()} lets the garbage collector free such buffers and then takes small
 * blocks of memory again, zero-filled, so that a stale reader sees zeros instead of the old values.
 */
public final class MemoryChurn {
    private static final List<ByteBuffer> HELD = new ArrayList<>();

    private MemoryChurn() {
    }

    /** Frees unreachable direct buffers and reuses their memory (held until the next call). */
    public static synchronized void recycle() {
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
            HELD.add(ByteBuffer.allocateDirect(1 + i % 16));
        }
    }
}
