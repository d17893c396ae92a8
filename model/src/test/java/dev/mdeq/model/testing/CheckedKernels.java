package dev.mdeq.model.testing;

import dev.mdeq.model.kernels.NativeKernels;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Runs the native-kernel gate once per test JVM, before any test: tests that call layers directly
 * (without a model, whose constructor runs it too) then compute with a checked kernel set.
 */
public final class CheckedKernels implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        NativeKernels.ensureChecked();
    }
}
