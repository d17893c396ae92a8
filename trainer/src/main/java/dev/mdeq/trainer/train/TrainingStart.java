package dev.mdeq.trainer.train;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Task;
import dev.mdeq.data.DataOrder;
import dev.mdeq.model.checkpoint.CheckpointStore;
import dev.mdeq.model.checkpoint.LoadedCheckpoint;
import dev.mdeq.model.checkpoint.TrainingState;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.model.weights.StateDict;
import dev.mdeq.model.weights.WeightFiles;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.trainer.optim.Optimizer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How a training session begins: from the run's newest valid checkpoint (model, optimizer and
 * {@link TrainingState}; refused when it was written with another config unless allowed), or fresh
 * with the config's initial weights ({@code TRAIN.MODEL_FILE}, else {@code MODEL.PRETRAINED}).
 */
final class TrainingStart {
    private static final Duration METRICS_FLUSH = Duration.ofSeconds(30);

    /**
     * Where the session begins.
     *
     * @param resumedFrom the checkpoint folder resumed from, or null for a fresh start
     */
    record Begun(TrainingState state, String resumedFrom, MetricsLog metrics) {
    }

    private final ExperimentConfig config;
    private final ObjectStore run;
    private final CheckpointStore checkpoints;
    private final ReplicatedModel model;
    private final Optimizer optimizer;
    private final Consumer<String> log;

    TrainingStart(ExperimentConfig config, ObjectStore run, CheckpointStore checkpoints, ReplicatedModel model,
            Optimizer optimizer, Consumer<String> log) {
        this.config = config;
        this.run = run;
        this.checkpoints = checkpoints;
        this.model = model;
        this.optimizer = optimizer;
        this.log = log;
    }

    Begun resumeOrStart(boolean allowConfigChange, DataOrder order, long totalSteps) {
        Optional<LoadedCheckpoint> found = checkpoints.loadNewestValid();
        if (found.isPresent()) {
            TrainingState state;
            String folder;
            try (LoadedCheckpoint checkpoint = found.get()) {
                state = resume(checkpoint, allowConfigChange);
                folder = checkpoint.folder();
            }
            log.accept("resumed from " + folder + " (step " + state.step() + ", epoch " + state.epoch()
                    + ", position " + state.position() + "/" + order.samplesPerEpoch() + ")");
            return new Begun(state, folder, MetricsLog.resume(run, state.step(), METRICS_FLUSH, log));
        }
        loadInitialWeights();
        TrainingState state = TrainingState.fresh(config.train().beginEpoch(), config.run().seed(), config.sha256(),
                config.task() == Task.CLASSIFICATION ? ValidationResult.TOP1 : ValidationResult.MIOU);
        log.accept("starting a new run: " + totalSteps + " steps of " + order.batchSize() + " samples ("
                + order.batchesPerEpoch() + " per epoch) on " + model.size() + " device(s)");
        return new Begun(state, null, MetricsLog.fresh(run, METRICS_FLUSH));
    }

    private TrainingState resume(LoadedCheckpoint checkpoint, boolean allowConfigChange) {
        TrainingState saved = checkpoint.state();
        if (!saved.configSha256().equals(config.sha256())) {
            if (!allowConfigChange) {
                throw new InvalidInputException("checkpoint " + checkpoint.folder() + " was written with a "
                        + "different config (SHA-256 " + saved.configSha256() + ", the config given has "
                        + config.sha256() + "); use a new run folder, or --allow-config-change");
            }
            log.accept("resuming checkpoint " + checkpoint.folder() + " with a changed config");
            saved = saved.withConfigSha256(config.sha256());
        }
        model.primary().load(Npz.read(checkpoint.file(CheckpointStore.MODEL_PART)), StateDict.Mode.STRICT,
                run.root().resolve(checkpoint.folder() + CheckpointStore.MODEL_PART).toString());
        optimizer.loadState(Npz.read(checkpoint.file(CheckpointStore.OPTIMIZER_PART)), model.trainableArrays());
        model.broadcast();
        return saved;
    }

    /** {@code TRAIN.MODEL_FILE}: every weight; else {@code MODEL.PRETRAINED}: the matching ones, without the head's classifier. */
    private void loadInitialWeights() {
        String modelFile = config.train().modelFile();
        String pretrained = config.model().pretrained();
        if (modelFile != null && !modelFile.isBlank()) {
            Map<String, RawTensor> weights = WeightFiles.read(modelFile, "TRAIN.MODEL_FILE");
            model.primary().load(weights, StateDict.Mode.STRICT, modelFile);
            log.accept("loaded every weight from TRAIN.MODEL_FILE " + modelFile);
        } else if (pretrained != null && !pretrained.isBlank()) {
            Map<String, RawTensor> weights = new LinkedHashMap<>(WeightFiles.read(pretrained, "MODEL.PRETRAINED"));
            weights.keySet().removeIf(TrainingStart::isClassifier);
            StateDict.LoadReport report = model.primary().load(weights, StateDict.Mode.MATCHING, pretrained);
            log.accept("loaded " + report.loaded().size() + " matching weights from MODEL.PRETRAINED " + pretrained
                    + " (" + report.missing().size() + " of the model's keys not in the file)");
        }
        model.broadcast();
    }

    /** Keys of the final classifier layers, which a pretrained backbone does not bring along. */
    static boolean isClassifier(String key) {
        String k = key.startsWith("model.") ? key.substring("model.".length()) : key;
        return k.startsWith("classifier.") || k.startsWith("last_layer.");
    }
}
