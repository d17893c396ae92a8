package dev.mdeq.evaluator.inference;

import dev.mdeq.runstore.storage.Sha256;
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.RunConfig;
import dev.mdeq.config.Task;
import dev.mdeq.evaluator.predictions.PredictionWriter;
import dev.mdeq.evaluator.results.EvalContext;
import dev.mdeq.evaluator.results.EvalTally;
import dev.mdeq.evaluator.shard.EvaluationDriver;
import dev.mdeq.evaluator.shard.ShardSpec;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.StorageException;
import dev.mdeq.data.CityscapesDataset;
import dev.mdeq.data.Datasets;
import dev.mdeq.data.ImageDataset;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.weights.StateDict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Evaluates a model of a run on a data set split (or one shard of it) and writes the report or
 * partial into the run's {@code eval/<id>/}: the model is built from the run's config, loaded with
 * the weights of a {@link ModelSource}, and run in equilibrium mode (BatchNorm running statistics,
 * no dropout, the solver's fixed point into the head, as the reference validates) over the split's
 * items through the {@link EvaluationDriver}, which owns slicing, progress, skipping and the
 * report.
 */
public final class ModelEvaluation {
    /** {@code --split val}: DATASET.TEST_SET. */
    public static final String VAL = "val";
    /** {@code --split train}: DATASET.TRAIN_SET, read with the validation transforms. */
    public static final String TRAIN = "train";

    private final ObjectStore runStore;
    private final ExperimentConfig config;
    private final ModelSource source;
    private final Device device;

    /**
     * Settings of one evaluation run.
     *
     * @param evalId the evaluation's id (its folder {@code eval/<id>/})
     * @param split {@link #VAL} or {@link #TRAIN} (the config already reads it, see {@link #runConfig})
     * @param shard which slice to evaluate
     * @param skipBad skip and count unreadable inputs instead of failing
     * @param samples how many images the report shows pictures of
     */
    public record Settings(String evalId, String split, ShardSpec shard, boolean skipBad, int samples) {
    }

    /**
     * @param runStore the run folder (outputs go to its {@code eval/<id>/})
     * @param config the run's config as evaluated ({@link #runConfig})
     * @param source the weights
     * @param device where to run the model
     */
    public ModelEvaluation(ObjectStore runStore, ExperimentConfig config, ModelSource source, Device device) {
        this.runStore = runStore;
        this.config = config;
        this.source = source;
        this.device = device;
    }

    /**
     * The run's {@code config.yaml} with {@code KEY VALUE} overrides, reading {@code split}: for
     * {@link #TRAIN}, DATASET.TEST_SET becomes DATASET.TRAIN_SET (so it is read without
     * augmentation).
     */
    public static ExperimentConfig runConfig(ObjectStore run, List<String> overrides, String split) {
        if (!VAL.equals(split) && !TRAIN.equals(split)) {
            throw new IllegalArgumentException("split '" + split + "' is not one of: val, train");
        }
        String yaml;
        try {
            yaml = new String(run.getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8);
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.NOT_FOUND) {
                throw new InvalidInputException(run.root().resolve(RunLayout.CONFIG) + " not found: --run must name a "
                        + "run folder (one that 'mdeq train' or the operator wrote its config.yaml to)", e);
            }
            throw e;
        }
        ExperimentConfig config = ConfigLoader.parse(yaml, run.root().resolve(RunLayout.CONFIG).toString(), overrides);
        if (TRAIN.equals(split)) {
            config = ConfigLoader.withOverrides(config, List.of("DATASET.TEST_SET", config.dataset().trainSet()));
        }
        return config;
    }

    /** The default evaluation id: {@code <checkpoint>-<split>} (e.g. {@code best-val}), as the operator names it. */
    public static String defaultEvalId(ModelSource source, String split) {
        return source.label() + "-" + split;
    }

    /** The device of RUN.DEVICE: the first GPU when there is one (auto, gpu), else the CPU. */
    public static Device device(ExperimentConfig config) {
        RunConfig.Device wanted = config.run().device();
        NativeKernels.ensureChecked(); // the first use of the engine goes through the kernel gate
        int gpus = wanted == RunConfig.Device.CPU ? 0 : Engine.getInstance().getGpuCount();
        if (wanted == RunConfig.Device.GPU && gpus == 0) {
            throw new InvalidInputException("RUN.DEVICE is gpu but the PyTorch engine sees no GPU");
        }
        return gpus > 0 ? Device.gpu() : Device.cpu();
    }

    /**
     * Evaluates (this shard of) the split and writes the report (unsharded) or partial (sharded).
     *
     * @param driverOptions further driver settings (progress output), may do nothing
     */
    public EvaluationDriver.Result run(Settings settings, Consumer<EvaluationDriver.Builder> driverOptions) {
        NativeKernels.ensureChecked(); // before the first array: it fixes oneDNN's kernel set
        Path root = Datasets.localRoot(config);
        ImageDataset dataset = Datasets.validation(config, root);
        int workers = Math.max(1, config.workers());
        try (MdeqModel model = MdeqModel.create(config, device, DataType.FLOAT32, config.run().seed())) {
            model.load(source.weights(), StateDict.Mode.STRICT, source.location());
            try (TaskEvaluation task = dataset.task() == Task.SEGMENTATION
                    ? new SegmentationEvaluation((CityscapesDataset) dataset, model,
                            new SegmentationInference(model, SegmentationInference.Options.of(config)),
                            new PredictionWriter(runStore, settings.evalId()), workers)
                    : new ClassificationEvaluation(dataset, model, config.test().batchSizePerGpu(),
                            config.test().numSamples(), settings.skipBad(), workers)) {
                EvalContext context = context(settings, dataset, task);
                EvaluationDriver.Builder builder = EvaluationDriver.builder(runStore, context, settings.shard())
                        .skipInvalid(settings.skipBad()).samples(settings.samples())
                        .kernels(NativeKernels.status().recorded());
                driverOptions.accept(builder);
                EvaluationDriver driver = builder.build();
                EvalTally tally = task.newTally();
                task.start(settings.shard());
                return driver.run(task.items(), tally, task);
            }
        }
    }

    private EvalContext context(Settings settings, ImageDataset dataset, TaskEvaluation task) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("checkpoint selected by", source.selection());
        options.put("mode", "equilibrium: the forward solver's fixed point into the head (BatchNorm running "
                + "statistics, no dropout), float32");
        options.putAll(task.options());
        String yaml = config.toYaml();
        String data = config.dataset().kind().configName() + " " + config.dataset().root() + " "
                + config.dataset().testSet() + " (split " + settings.split() + ", " + task.items().size()
                + (dataset.task() == Task.SEGMENTATION ? " images)" : " batches)");
        List<String> items = new ArrayList<>(task.items());
        return new EvalContext(settings.evalId(), dataset.task(), "model", source.location(), data, yaml,
                Sha256.hex(yaml), task.classNames(), items.size(), EvalContext.itemListSha256(items), options);
    }
}
