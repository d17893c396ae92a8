package dev.mdeq.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * libtorch's one-time deprecation notice (printed by its native code on DJL's first array write)
 * is hidden after the kernel gate, and shown with MDEQ_DEBUG. Child JVMs: the notice comes once per process.
 */
class QuietStartTest {
    private static final String NOTICE = "AutoNonVariableTypeMode is deprecated";

    /** The child: the gate, then a write into an array as a model's initialisation does. */
    public static void main(String[] args) {
        NativeKernels.ensureChecked();
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.zeros(new Shape(2)).set(new float[] {1f, 2f});
        }
        System.out.println("done");
    }

    private static String stderrOfChild(boolean debug) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "-Dai.djl.offline=true", QuietStartTest.class.getName()));
        builder.environment().remove(NativeKernels.DEBUG_VARIABLE);
        if (debug) {
            builder.environment().put(NativeKernels.DEBUG_VARIABLE, "1");
        }
        Process process = builder.start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), err);
        assertTrue(out.contains("done"), out);
        return err;
    }

    @Test
    void theNoticeIsHiddenAfterTheGateAndShownInDebugMode() throws Exception {
        assertFalse(stderrOfChild(false).contains(NOTICE), "hidden by default");
        assertTrue(stderrOfChild(true).contains(NOTICE), "the same child in debug mode shows it: the test can fail");
    }
}
