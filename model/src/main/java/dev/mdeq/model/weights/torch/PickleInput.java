package dev.mdeq.model.weights.torch;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes of one pickle stream with a known end: counts what was consumed (the legacy format
 * continues right after a pickle's STOP) and refuses any length field that points past the end,
 * so a corrupt length can neither allocate gigabytes nor read into the next section.
 */
final class PickleInput {
    private final InputStream in;
    private final String source;
    private final long start;
    private final long end;
    private long position;

    /**
     * @param in the stream, positioned at {@code start}
     * @param source what to name in messages (file, and zip entry)
     * @param start absolute byte position of the first byte (for messages)
     * @param end absolute byte position where the data ends
     */
    PickleInput(InputStream in, String source, long start, long end) {
        this.in = in;
        this.source = source;
        this.start = start;
        this.end = end;
        this.position = start;
    }

    /** Absolute position of the next byte. */
    long position() {
        return position;
    }

    /** Bytes consumed since the start. */
    long consumed() {
        return position - start;
    }

    String source() {
        return source;
    }

    int readByte() {
        require(1);
        try {
            int b = in.read();
            if (b < 0) {
                throw truncated(1);
            }
            position++;
            return b;
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    byte[] readBytes(long count) {
        if (count < 0) {
            throw new InvalidInputException(source + ": corrupt pickle: negative length " + count + " at byte " + position);
        }
        require(count);
        try {
            byte[] bytes = in.readNBytes((int) count);
            if (bytes.length < count) {
                throw truncated(count);
            }
            position += count;
            return bytes;
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** A little-endian unsigned/signed integer of {@code width} bytes (1, 2, 4 or 8). */
    long readLittleEndian(int width) {
        byte[] bytes = readBytes(width);
        long value = 0;
        for (int i = width - 1; i >= 0; i--) {
            value = (value << 8) | (bytes[i] & 0xff);
        }
        return value;
    }

    private void require(long count) {
        if (count > end - position || count > Integer.MAX_VALUE - 16) {
            throw truncated(count);
        }
    }

    private InvalidInputException truncated(long count) {
        return new InvalidInputException(source + ": truncated or corrupt pickle: " + count + " byte(s) needed at byte "
                + position + " but the data ends at byte " + end);
    }

    private InvalidInputException unreadable(IOException e) {
        return new InvalidInputException(source + ": cannot read the pickle at byte " + position + ": " + e.getMessage(), e);
    }
}
