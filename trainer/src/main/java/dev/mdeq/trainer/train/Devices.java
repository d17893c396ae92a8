package dev.mdeq.trainer.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.mdeq.config.RunConfig;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.model.kernels.NativeKernels;
import java.util.ArrayList;
import java.util.List;

/** The devices a run trains on ({@code RUN.DEVICE}). */
public final class Devices {
    private Devices() {
    }

    /** auto: every visible GPU, else the CPU; gpu: every visible GPU (at least one); cpu: the CPU. */
    public static List<Device> select(RunConfig.Device choice) {
        NativeKernels.ensureChecked(); // the first use of the engine goes through the kernel gate
        int gpus = choice == RunConfig.Device.CPU ? 0 : Engine.getInstance().getGpuCount();
        if (choice == RunConfig.Device.GPU && gpus == 0) {
            throw new InvalidInputException("RUN.DEVICE is gpu but no GPU is visible to the PyTorch engine "
                    + "(use RUN.DEVICE auto or cpu)");
        }
        if (gpus == 0) {
            return List.of(Device.cpu());
        }
        List<Device> out = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            out.add(Device.gpu(i));
        }
        return out;
    }
}
