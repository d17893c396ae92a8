package dev.mdeq.model.weights;

import dev.mdeq.runstore.run.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (format version 1.0, or 2.0/3.0 for long headers): the magic string
 * {@code \x93NUMPY}, the version, a little-endian header length, a Python dict literal {@code
 * {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} padded with spaces and a newline to a
 * multiple of 64 bytes, then the elements in C order.
 *
 * <p>Types: {@code <f4}, {@code <f8}, {@code <i8} (the {@link RawTensor} types); reading also widens
 * {@code <i4} to int64. Fortran order and big-endian data are refused with a clear message.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Serialises {@code tensor} as a complete {@code .npy} file. */
    public static byte[] toBytes(RawTensor tensor) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.toIntExact(tensor.data().remaining() + 128));
        try {
            write(tensor, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** Writes {@code tensor} as a {@code .npy} file to {@code out}. */
    public static void write(RawTensor tensor, OutputStream out) throws IOException {
        String header = "{'descr': '" + descr(tensor.type()) + "', 'fortran_order': False, 'shape': "
                + shapeLiteral(tensor.shape()) + ", }";
        // Version 1.0 has a 16-bit header length; longer headers (very many dimensions) need 2.0.
        boolean v1 = paddedHeaderLength(10, header) <= 65535;
        int prefix = v1 ? 10 : 12;
        int headerLength = paddedHeaderLength(prefix, header);
        StringBuilder text = new StringBuilder(header);
        while (text.length() < headerLength - 1) {
            text.append(' ');
        }
        text.append('\n');
        ByteBuffer start = ByteBuffer.allocate(prefix).order(ByteOrder.LITTLE_ENDIAN);
        start.put(MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
        if (v1) {
            start.putShort((short) headerLength);
        } else {
            start.putInt(headerLength);
        }
        out.write(start.array());
        out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer data = tensor.data().duplicate();
        byte[] chunk = new byte[1 << 16];
        while (data.hasRemaining()) {
            int n = Math.min(chunk.length, data.remaining());
            data.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    /**
     * Reads one {@code .npy} file from {@code in}; {@code name} (file or archive entry) appears in
     * error messages.
     */
    public static RawTensor read(InputStream in, String name) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || !startsWithMagic(magic)) {
            throw new InvalidInputException(name + ": not a .npy file (no \\x93NUMPY magic)");
        }
        int major = magic[6] & 0xff;
        int headerLength;
        if (major == 1) {
            byte[] len = in.readNBytes(2);
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
        } else if (major == 2 || major == 3) {
            byte[] len = in.readNBytes(4);
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt();
        } else {
            throw new InvalidInputException(name + ": .npy format version " + major + "." + (magic[7] & 0xff)
                    + " is not supported (1.0, 2.0 and 3.0 are)");
        }
        byte[] headerBytes = in.readNBytes(headerLength);
        if (headerBytes.length != headerLength) {
            throw new InvalidInputException(name + ": .npy header is truncated");
        }
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = find(DESCR, header, "descr", name);
        if (find(FORTRAN, header, "fortran_order", name).equals("True")) {
            throw new InvalidInputException(name + ": Fortran-order arrays are not supported; save with "
                    + "numpy.ascontiguousarray(...) first");
        }
        long[] shape = parseShape(find(SHAPE, header, "shape", name), name);
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return switch (descr) {
            case "<f4", "=f4" -> new RawTensor(RawTensor.Type.FLOAT32, shape, readData(in, count * 4, name));
            case "<f8", "=f8" -> new RawTensor(RawTensor.Type.FLOAT64, shape, readData(in, count * 8, name));
            case "<i8", "=i8" -> new RawTensor(RawTensor.Type.INT64, shape, readData(in, count * 8, name));
            case "<i4", "=i4" -> widen(shape, readData(in, count * 4, name));
            default -> throw new InvalidInputException(name + ": element type '" + descr + "' is not supported; "
                    + "use float32 (<f4), float64 (<f8) or int64 (<i8), little-endian");
        };
    }

    /** Header length so that magic, version, length field and header fill a multiple of 64 bytes. */
    private static int paddedHeaderLength(int prefix, String header) {
        int total = ((prefix + header.length() + 1 + ALIGN - 1) / ALIGN) * ALIGN;
        return total - prefix;
    }

    private static boolean startsWithMagic(byte[] bytes) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static String find(Pattern pattern, String header, String key, String name) {
        Matcher matcher = pattern.matcher(header);
        if (!matcher.find()) {
            throw new InvalidInputException(name + ": .npy header has no '" + key + "': " + header.trim());
        }
        return matcher.group(1);
    }

    private static long[] parseShape(String literal, String name) {
        List<Long> dims = new ArrayList<>();
        for (String part : literal.split(",")) {
            String trimmed = part.trim().replace("L", "");
            if (!trimmed.isEmpty()) {
                try {
                    dims.add(Long.parseLong(trimmed));
                } catch (NumberFormatException e) {
                    throw new InvalidInputException(name + ": bad shape (" + literal + ") in .npy header");
                }
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static ByteBuffer readData(InputStream in, long bytes, String name) throws IOException {
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException(name + ": array of " + bytes + " bytes is too large (limit 2 GiB)");
        }
        byte[] data = in.readNBytes((int) bytes);
        if (data.length != bytes) {
            throw new InvalidInputException(name + ": .npy data is truncated: expected " + bytes + " bytes, found "
                    + data.length);
        }
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static RawTensor widen(long[] shape, ByteBuffer ints) {
        long[] values = new long[ints.remaining() / 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = ints.getInt(i * 4);
        }
        return RawTensor.ofLongs(shape, values);
    }

    private static String descr(RawTensor.Type type) {
        return switch (type) {
            case FLOAT32 -> "<f4";
            case FLOAT64 -> "<f8";
            case INT64 -> "<i8";
        };
    }

    private static String shapeLiteral(long[] shape) {
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            out.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return out.append(shape.length == 1 ? ",)" : ")").toString();
    }
}
