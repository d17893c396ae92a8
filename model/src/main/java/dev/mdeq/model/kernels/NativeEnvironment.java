package dev.mdeq.model.kernels;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The process environment as native libraries see it. Java's {@link System#getenv()} is a copy made
 * at start-up; libtorch and oneDNN read the C library's environment, which {@code setenv} changes
 * for the rest of the process. Variables they read once (oneDNN's ISA limit at its first primitive,
 * libtorch's log level when it loads) must be set before that moment.
 */
public final class NativeEnvironment {
    private interface LibC extends Library {
        int setenv(String name, String value, int overwrite);

        String getenv(String name);
    }

    private static LibC libc;

    private NativeEnvironment() {
    }

    /** Sets {@code name} in the C library's environment, overwriting any value. */
    public static synchronized void set(String name, String value) {
        if (libc().setenv(name, value, 1) != 0) {
            throw new IllegalStateException("setenv(" + name + ") failed");
        }
    }

    /** The C library's value of {@code name}, or null. */
    public static synchronized String get(String name) {
        return libc().getenv(name);
    }

    private static LibC libc() {
        if (libc == null) {
            libc = Native.load("c", LibC.class);
        }
        return libc;
    }
}
