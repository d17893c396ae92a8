package dev.mdeq.model.kernels;

import ai.djl.engine.Engine;
import java.io.IOException;

/** A child process for {@link KernelProbeTest}: loads libtorch, then limits oneDNN to AVX2, then checks. */
public final class SetenvThenCheck {
    private SetenvThenCheck() {
    }

    public static void main(String[] args) throws IOException {
        Engine.getEngine("PyTorch").getVersion();
        NativeEnvironment.set(KernelSet.VARIABLE, KernelSet.AVX2.maxCpuIsa());
        KernelProbe.printCheck();
    }
}
