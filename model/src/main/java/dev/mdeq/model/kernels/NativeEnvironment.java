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

        int open(String path, int flags);

        int dup(int fd);

        int dup2(int from, int to);

        int close(int fd);

        int malloc_trim(long pad);
    }

    private static final int STDERR = 2;
    private static final int O_WRONLY = 1;

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

    /**
     * Runs {@code work} with the process's native standard error sent to {@code /dev/null}, for a
     * message libtorch prints once per process whatever its log level. Java's {@code System.err} is a
     * separate stream and stays as it is (other threads' native messages in that moment are lost).
     */
    public static synchronized void withNativeStderrSilenced(Runnable work) {
        int saved = libc().dup(STDERR);
        int devNull = libc().open("/dev/null", O_WRONLY);
        if (saved < 0 || devNull < 0) {
            work.run(); // cannot redirect: the message stays
            return;
        }
        try {
            libc().dup2(devNull, STDERR);
            work.run();
        } finally {
            libc().dup2(saved, STDERR);
            libc().close(saved);
            libc().close(devNull);
        }
    }

    /**
     * Returns the C heap's free memory to the operating system (glibc's {@code malloc_trim(0)}), so
     * that the resident size counts live memory only; false where the C library has no such call.
     */
    public static synchronized boolean releaseFreeMemory() {
        try {
            libc().malloc_trim(0);
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    private static LibC libc() {
        if (libc == null) {
            libc = Native.load("c", LibC.class);
        }
        return libc;
    }
}
