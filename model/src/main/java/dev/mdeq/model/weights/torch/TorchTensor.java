package dev.mdeq.model.weights.torch;

import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.model.weights.RawTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a view (offset, sizes,
 * strides, all in elements) into a storage. Nothing is read until {@link #materialize}, which
 * copies the viewed elements into row-major order, so transposed, sliced, expanded (stride 0)
 * and storage-sharing tensors all come out as PyTorch's {@code tensor.contiguous()} would.
 */
record TorchTensor(StorageRef storage, long offset, long[] size, long[] stride) {

    TorchDtype dtype() {
        return storage.dtype();
    }

    long numel() {
        long count = 1;
        for (long dim : size) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    /** Index of the last element the view touches, relative to the storage view's start. */
    private long lastElement() {
        long last = offset;
        for (int d = 0; d < size.length; d++) {
            last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
        }
        return last;
    }

    /** Checks that the storage, as declared and as present in the file, holds every element the view needs. */
    void checkRange(StorageReader reader, String source, String name) {
        if (numel() == 0) {
            return;
        }
        long last;
        try {
            last = lastElement();
        } catch (ArithmeticException e) {
            throw new InvalidInputException(source + ": tensor '" + name + "' has sizes/strides that overflow: "
                    + describeView());
        }
        String needs = source + ": tensor '" + name + "' (" + describeView() + ") needs elements " + offset + ".." + last
                + " of storage '" + storage.key() + "'";
        if (last >= storage.viewSize()) {
            throw new InvalidInputException(needs + ", but the pickle declares that storage with only "
                    + storage.viewSize() + " elements");
        }
        long available = reader.availableElements(storage);
        if (storage.viewOffset() + last >= available) {
            throw new InvalidInputException(needs + ", but the file holds only " + available + " element(s) ("
                    + available * dtype().bytes() + " bytes) of it: the storage is truncated or corrupt");
        }
    }

    /** Reads the viewed elements, converted as {@link TorchDtype} says, row-major and little-endian. */
    RawTensor materialize(StorageReader reader, String source, String name) {
        checkRange(reader, source, name);
        TorchDtype dtype = dtype();
        long count = numel();
        long outBytes = count * dtype.target().bytes();
        if (outBytes > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException(source + ": tensor '" + name + "' is too large to read (" + outBytes
                    + " bytes; at most 2 GiB per tensor)");
        }
        ByteBuffer out = ByteBuffer.allocate((int) outBytes).order(ByteOrder.LITTLE_ENDIAN);
        if (count > 0) {
            long span = lastElement() - offset + 1;
            if (span * dtype.bytes() > Integer.MAX_VALUE - 16) {
                throw new InvalidInputException(source + ": tensor '" + name + "' spans too much of its storage to read ("
                        + span + " elements)");
            }
            ByteBuffer elements = reader.read(storage, storage.viewOffset() + offset, span);
            if (dtype.isKeptAsIs() && elements.order() == ByteOrder.LITTLE_ENDIAN && isContiguous()) {
                out.put(elements.duplicate().limit((int) outBytes).position(0));
            } else {
                copyStrided(elements, out, count);
            }
        }
        out.flip();
        return new RawTensor(dtype.target(), size, out);
    }

    /** Walks the view's indices in row-major order (an odometer over the dimensions). */
    private void copyStrided(ByteBuffer elements, ByteBuffer out, long count) {
        TorchDtype dtype = dtype();
        int dims = size.length;
        long[] index = new long[dims];
        long position = 0;
        for (long k = 0; k < count; k++) {
            dtype.convert(elements, (int) (position * dtype.bytes()), out);
            for (int d = dims - 1; d >= 0; d--) {
                index[d]++;
                position += stride[d];
                if (index[d] < size[d]) {
                    break;
                }
                position -= stride[d] * size[d];
                index[d] = 0;
            }
        }
    }

    private boolean isContiguous() {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    private String describeView() {
        return dtype().pythonName() + " " + shapeText(size) + ", storage offset " + offset + ", stride " + shapeText(stride);
    }

    /** {@code (2, 3)}, {@code (5,)} or {@code ()}, as PyTorch prints sizes. */
    static String shapeText(long[] dims) {
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            out.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return out.append(dims.length == 1 ? ",)" : ")").toString();
    }
}
