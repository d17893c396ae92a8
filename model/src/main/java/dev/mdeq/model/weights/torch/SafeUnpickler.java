package dev.mdeq.model.weights.torch;

import dev.mdeq.runstore.run.InvalidInputException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle interpreter for the binary opcodes {@code torch.save} writes (protocols 2 to 5). It
 * builds plain data only: None, bool, int ({@link Long} or {@link BigInteger}), float
 * ({@link Double}), str, bytes, tuple ({@link PyTuple}), list, dict ({@link LinkedHashMap}), set.
 * Globals are names checked against {@link TorchGlobals}' allow-list when the GLOBAL opcode is
 * read, and "calls" (REDUCE, NEWOBJ, BUILD) go to {@link TorchGlobals}, which only knows how to
 * make tensors and ordered dicts: nothing from the file is ever looked up, instantiated or run.
 * The text opcodes of protocols 0 and 1, extension registries and out-of-band buffers are refused.
 */
final class SafeUnpickler {

    /** Turns a persistent id (BINPERSID) into an object: the storage records of PyTorch. */
    @FunctionalInterface
    interface PersistentLoader {
        Object load(Object persistentId, long position);
    }

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private final PickleInput in;
    private final TorchGlobals globals;
    private final PersistentLoader persistentLoader;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    SafeUnpickler(PickleInput in, TorchGlobals globals, PersistentLoader persistentLoader) {
        this.in = in;
        this.globals = globals;
        this.persistentLoader = persistentLoader;
    }

    /** Runs the pickle up to its STOP opcode and returns the object it built. */
    Object load() {
        while (true) {
            long at = in.position();
            int opcode = in.readByte();
            switch (opcode) {
                case 0x80 -> { // PROTO
                    int protocol = in.readByte();
                    if (protocol > 5) {
                        throw corrupt(at, "pickle protocol " + protocol + " is newer than 5");
                    }
                }
                case 0x95 -> in.readLittleEndian(8); // FRAME: a length hint only
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw corrupt(at, "STOP with " + stack.size() + " object(s) on the stack");
                    }
                    return stack.get(0);
                }
                case '(' -> marks.add(stack.size()); // MARK
                case '0' -> pop(at); // POP
                case '1' -> popMark(at); // POP_MARK
                case '2' -> push(peek(at)); // DUP
                case 'N' -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'K' -> push((long) in.readByte()); // BININT1
                case 'M' -> push(in.readLittleEndian(2)); // BININT2
                case 'J' -> push((long) (int) in.readLittleEndian(4)); // BININT
                case 0x8a -> push(readLong(in.readByte())); // LONG1
                case 0x8b -> push(readLong(length(in.readLittleEndian(4), at))); // LONG4
                case 'G' -> push(ByteBuffer.wrap(in.readBytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 0x8c -> push(utf8(in.readBytes(in.readByte()), at)); // SHORT_BINUNICODE
                case 'X' -> push(utf8(in.readBytes(length(in.readLittleEndian(4), at)), at)); // BINUNICODE
                case 0x8d -> push(utf8(in.readBytes(length(in.readLittleEndian(8), at)), at)); // BINUNICODE8
                // Python 2 str (old legacy files): torch.load decodes them as UTF-8 by default.
                case 'U' -> push(utf8(in.readBytes(in.readByte()), at)); // SHORT_BINSTRING
                case 'T' -> push(utf8(in.readBytes(length(in.readLittleEndian(4), at)), at)); // BINSTRING
                case 'C' -> push(in.readBytes(in.readByte())); // SHORT_BINBYTES
                case 'B' -> push(in.readBytes(length(in.readLittleEndian(4), at))); // BINBYTES
                case 0x8e, 0x96 -> push(in.readBytes(length(in.readLittleEndian(8), at))); // BINBYTES8, BYTEARRAY8
                case ')' -> push(PyTuple.of()); // EMPTY_TUPLE
                case 0x85 -> push(PyTuple.of(pop(at))); // TUPLE1
                case 0x86 -> { // TUPLE2
                    Object b = pop(at);
                    push(PyTuple.of(pop(at), b));
                }
                case 0x87 -> { // TUPLE3
                    Object c = pop(at);
                    Object b = pop(at);
                    push(PyTuple.of(pop(at), b, c));
                }
                case 't' -> push(new PyTuple(popMark(at))); // TUPLE
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case 'l' -> push(new ArrayList<>(popMark(at))); // LIST
                case 'a' -> { // APPEND
                    Object item = pop(at);
                    list(peek(at), at).add(item);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark(at);
                    list(peek(at), at).addAll(items);
                }
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 'd' -> { // DICT
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    putAll(dict, popMark(at), at);
                    push(dict);
                }
                case 's' -> { // SETITEM
                    Object value = pop(at);
                    Object key = pop(at);
                    putAll(dict(peek(at), at), Arrays.asList(key, value), at);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark(at);
                    putAll(dict(peek(at), at), items, at);
                }
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark(at);
                    set(peek(at), at).addAll(checkedKeys(items, at));
                }
                case 0x91 -> push(java.util.Collections.unmodifiableSet(new LinkedHashSet<>(checkedKeys(popMark(at), at)))); // FROZENSET
                case 'c' -> push(globals.resolve(line(at), line(at), in.source(), at)); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(at);
                    Object module = pop(at);
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw corrupt(at, "STACK_GLOBAL needs two strings");
                    }
                    push(globals.resolve(m, n, in.source(), at));
                }
                case 'R' -> { // REDUCE
                    Object args = pop(at);
                    push(globals.call(pop(at), tuple(args, at), in.source(), at));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop(at);
                    push(globals.call(pop(at), tuple(args, at), in.source(), at));
                }
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop(at);
                    Object args = pop(at);
                    if (!(kwargs instanceof Map<?, ?> map) || !map.isEmpty()) {
                        throw corrupt(at, "NEWOBJ_EX with keyword arguments");
                    }
                    push(globals.call(pop(at), tuple(args, at), in.source(), at));
                }
                case 'b' -> { // BUILD
                    Object state = pop(at);
                    globals.build(peek(at), state, in.source(), at);
                }
                case 'Q' -> push(persistentLoader.load(pop(at), at)); // BINPERSID
                case 'h' -> push(memoGet(in.readByte(), at)); // BINGET
                case 'j' -> push(memoGet(in.readLittleEndian(4), at)); // LONG_BINGET
                case 'q' -> memo.put((long) in.readByte(), peek(at)); // BINPUT
                case 'r' -> memo.put(in.readLittleEndian(4), peek(at)); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek(at)); // MEMOIZE
                default -> throw unsupported(opcode, at);
            }
        }
    }

    private InvalidInputException unsupported(int opcode, long at) {
        String name = switch (opcode) {
            case 'I', 'L', 'F', 'S', 'V', 'P', 'g', 'p' -> "a text opcode of pickle protocol 0 ('" + (char) opcode + "')";
            case 'i', 'o' -> "INST/OBJ (builds arbitrary class instances)";
            case 0x82, 0x83, 0x84 -> "EXT (extension registry)";
            case 0x97, 0x98 -> "an out-of-band buffer opcode";
            default -> "unknown opcode 0x" + Integer.toHexString(opcode);
        };
        return corrupt(at, name + " is not supported (torch.save writes binary pickles, protocol 2 to 5)");
    }

    private InvalidInputException corrupt(long at, String what) {
        return new InvalidInputException(in.source() + ": corrupt or unsupported pickle at byte " + at + ": " + what);
    }

    private void push(Object value) {
        stack.add(value);
    }

    private Object pop(long at) {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw corrupt(at, "stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek(long at) {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw corrupt(at, "stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    /** Removes and returns the objects above the topmost MARK. */
    private List<Object> popMark(long at) {
        if (marks.isEmpty()) {
            throw corrupt(at, "no MARK on the stack");
        }
        int from = marks.remove(marks.size() - 1);
        List<Object> top = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private Object memoGet(long index, long at) {
        if (!memo.containsKey(index)) {
            throw corrupt(at, "memo entry " + index + " was never stored");
        }
        return memo.get(index);
    }

    private String line(long at) {
        StringBuilder out = new StringBuilder();
        while (true) {
            int b = in.readByte();
            if (b == '\n') {
                return out.toString();
            }
            if (b < 0x20 || b > 0x7e || out.length() > 1000) {
                throw corrupt(at, "GLOBAL name is not a printable ASCII line");
            }
            out.append((char) b);
        }
    }

    private long length(long value, long at) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw corrupt(at, "length " + Long.toUnsignedString(value) + " out of range");
        }
        return value;
    }

    private Object readLong(long byteCount) {
        if (byteCount == 0) {
            return 0L;
        }
        byte[] littleEndian = in.readBytes(byteCount);
        byte[] bigEndian = new byte[littleEndian.length];
        for (int i = 0; i < littleEndian.length; i++) {
            bigEndian[i] = littleEndian[littleEndian.length - 1 - i];
        }
        BigInteger value = new BigInteger(bigEndian);
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    private String utf8(byte[] bytes, long at) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(at, "string is not valid UTF-8");
        }
    }

    private PyTuple tuple(Object value, long at) {
        if (value instanceof PyTuple tuple) {
            return tuple;
        }
        throw corrupt(at, "call arguments are " + PyValues.describe(value) + ", not a tuple");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object value, long at) {
        if (value instanceof ArrayList<?> list) {
            return (List<Object>) list;
        }
        throw corrupt(at, "APPEND to " + PyValues.describe(value) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object value, long at) {
        if (value instanceof LinkedHashMap<?, ?> map) {
            return (Map<Object, Object>) map;
        }
        throw corrupt(at, "SETITEM on " + PyValues.describe(value) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object value, long at) {
        if (value instanceof LinkedHashSet<?> set) {
            return (Set<Object>) set;
        }
        throw corrupt(at, "ADDITEMS on " + PyValues.describe(value) + ", not a set");
    }

    private void putAll(Map<Object, Object> dict, List<Object> keysAndValues, long at) {
        if (keysAndValues.size() % 2 != 0) {
            throw corrupt(at, "odd number of dict items");
        }
        for (int i = 0; i < keysAndValues.size(); i += 2) {
            dict.put(checkedKey(keysAndValues.get(i), at), keysAndValues.get(i + 1));
        }
    }

    private List<Object> checkedKeys(List<Object> keys, long at) {
        keys.forEach(key -> checkedKey(key, at));
        return keys;
    }

    /**
     * Dict keys and set items must be hashable scalars or flat tuples of them, as in Python; this
     * also keeps a crafted self-containing key from recursing in {@code hashCode}.
     */
    private Object checkedKey(Object key, long at) {
        if (PyValues.isScalar(key)) {
            return key;
        }
        if (key instanceof PyTuple tuple && tuple.items().stream().allMatch(PyValues::isScalar)) {
            return key;
        }
        throw corrupt(at, "unhashable dict key or set item: " + PyValues.describe(key));
    }
}
