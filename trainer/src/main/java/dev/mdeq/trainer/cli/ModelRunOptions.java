package dev.mdeq.trainer.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.runstore.cli.Arguments;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.weights.StateDict;
import dev.mdeq.model.weights.WeightFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What {@code mdeq model forward} and {@code grad} run on: a config, weights and input images. */
final class ModelRunOptions {
    @Option(names = "--config", required = true, paramLabel = "CONFIG",
            description = "an experiment yaml file or a preset name")
    String config;

    @Option(names = "--weights", required = true, paramLabel = "FILE",
            description = "the weights (file or s3://bucket/key), loaded strictly: the reference's .pth,"
                    + " .pth.tar or .pkl checkpoint, or an .npz in its names; told apart by content")
    String weights;

    @Option(names = "--input", required = true, paramLabel = "X.npy",
            description = "input images, (B, 3, H, W) float32 or float64, normalised as the data pipeline does")
    Path input;

    @Option(names = "--float64", description = "compute in float64 (default float32)")
    boolean float64;

    @Parameters(paramLabel = "KEY VALUE", description = "config overrides such as MODEL.F_THRES 30")
    List<String> overrides = new ArrayList<>();

    /** Usage errors for missing weights or input, before any work. */
    void checkFiles(CommandSpec spec) {
        Arguments.existingObject(spec, "--weights", weights, "the weights file");
        Arguments.existingFile(spec, "--input", input, "the input .npy file");
    }

    DataType type() {
        return float64 ? DataType.FLOAT64 : DataType.FLOAT32;
    }

    /** The config's model on the default device with the weights loaded strictly. */
    MdeqModel model(ExperimentConfig experiment) {
        NativeKernels.ensureChecked();
        MdeqModel model = MdeqModel.create(experiment, Engine.getInstance().defaultDevice(), type(),
                experiment.run().seed());
        try {
            WeightFiles.loadInto(model.net(), weights, StateDict.Mode.STRICT);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }
}
