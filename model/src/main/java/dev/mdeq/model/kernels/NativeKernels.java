package dev.mdeq.model.kernels;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Utils;
import java.nio.file.Path;

/**
 * The process-wide gate in front of libtorch: {@link #ensureChecked()} runs before any model work
 * (the CLI's model commands, the trainer, the evaluator, the test JVMs) and makes sure the
 * convolution kernels in force compute correct numbers, choosing a safe set where the default one
 * does not (see {@link KernelSelection}). Later calls return the first answer at no cost.
 */
public final class NativeKernels {
    /** Set to keep DJL's and libtorch's start-up messages (hidden otherwise). */
    public static final String DEBUG_VARIABLE = "MDEQ_DEBUG";

    private static KernelStatus status;

    private NativeKernels() {
    }

    /** Checks once per process; throws {@link InvalidEnvironmentException} when no set is safe. */
    public static synchronized KernelStatus ensureChecked() {
        if (status == null) {
            String libtorch = loadEngine();
            status = new KernelSelection(CpuInfo.current(), System.getenv(), KernelProbe.sameJvm()::probe,
                    new ThisProcess(), new VerdictCache(cacheFolder()), libtorch,
                    line -> System.err.println(line)).select();
        }
        return status;
    }

    /** The kernel set this process checked and uses, or null before {@link #ensureChecked()}. */
    public static synchronized KernelStatus status() {
        return status;
    }

    /** What runs record as their kernel set: the checked set, or null in a process that computed nothing. */
    public static String recorded() {
        KernelStatus current = status();
        return current == null ? null : current.recorded();
    }

    /**
     * Loads libtorch and writes into one array, the operation (DJL's {@code torchSet}) that makes
     * libtorch print its one-time notice that DJL's JNI code uses a deprecated guard
     * ({@code AutoNonVariableTypeMode}); the notice is hidden unless {@code MDEQ_DEBUG} is set.
     */
    private static String loadEngine() {
        Engine engine = Engine.getEngine("PyTorch");
        Runnable firstWrite = () -> {
            try (NDManager manager = engine.newBaseManager()) {
                manager.zeros(new Shape(1)).set(new float[] {1f});
            }
        };
        if (System.getenv(DEBUG_VARIABLE) == null) {
            NativeEnvironment.withNativeStderrSilenced(firstWrite);
        } else {
            firstWrite.run();
        }
        return engine.getVersion();
    }

    /** Next to DJL's unpacked libtorch ({@code ENGINE_CACHE_DIR}, else {@code ~/.djl.ai}). */
    private static Path cacheFolder() {
        try {
            return Utils.getEngineCacheDir().resolve("mdeq-kernel-check");
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** This JVM: the kernel set goes into the C environment oneDNN reads at its first primitive. */
    private static final class ThisProcess implements KernelSelection.Process {
        @Override
        public void impose(KernelSet set) {
            if (!set.isDefault()) {
                NativeEnvironment.set(KernelSet.VARIABLE, set.maxCpuIsa());
            }
        }

        @Override
        public KernelCheckReport check() {
            try (NDManager manager = NDManager.newBaseManager()) {
                return ConvolutionCheck.mdeq().run(manager);
            }
        }
    }
}
