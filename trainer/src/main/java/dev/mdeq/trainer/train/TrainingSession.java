package dev.mdeq.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Task;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.ProgressReporter;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalFolders;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.trainer.checkpoint.CheckpointStore;
import dev.mdeq.trainer.checkpoint.LoadedCheckpoint;
import dev.mdeq.trainer.checkpoint.SavedCheckpoint;
import dev.mdeq.trainer.checkpoint.TrainingState;
import dev.mdeq.trainer.data.BatchLoader;
import dev.mdeq.trainer.data.CityscapesLabels;
import dev.mdeq.trainer.data.DataBatch;
import dev.mdeq.trainer.data.DataOrder;
import dev.mdeq.trainer.data.DataPosition;
import dev.mdeq.trainer.kernels.NativeKernels;
import dev.mdeq.trainer.model.MdeqModel;
import dev.mdeq.trainer.model.TrainStep;
import dev.mdeq.trainer.optim.Gradients;
import dev.mdeq.trainer.optim.LearningRateSchedule;
import dev.mdeq.trainer.optim.Optimizer;
import dev.mdeq.trainer.optim.TrainingOptimization;
import dev.mdeq.trainer.solver.SolverStats;
import dev.mdeq.trainer.solver.StopReason;
import dev.mdeq.trainer.weights.Npz;
import dev.mdeq.trainer.weights.RawArrays;
import dev.mdeq.trainer.weights.RawTensor;
import dev.mdeq.trainer.weights.StateDict;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One training process on one run folder: resume or start, the step loop, validation, checkpoints,
 * progress and the ways it stops. See docs/training.md.
 *
 * <p>Threads: the loop runs on the caller's thread; data is decoded by the loader's workers;
 * replicas on several devices run on their own threads; a watchdog thread takes over when a stop
 * request (SIGTERM) comes while a step is in progress that would not finish within the grace
 * period. The committed training state (parameters, optimizer moments, {@link TrainingState}) only
 * changes in the short commit phase after a step, under {@link #lock}; the watchdog checkpoints it
 * only outside that phase.
 */
final class TrainingSession implements AutoCloseable {
    private static final Duration METRICS_FLUSH = Duration.ofSeconds(30);
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);
    /** Consecutive protective solver breaks after which the run counts as diverged. */
    static final int MAX_PROTECTIVE_BREAKS = 10;

    private final ExperimentConfig config;
    private final ObjectStore run;
    private final PrintStream out;
    private final boolean console;
    private final boolean allowConfigChange;
    private final GracefulShutdown shutdown;
    private final Path workFolder;
    private final CheckpointStore checkpoints;
    private final ReplicatedModel model;
    private final Optimizer optimizer;
    private final BatchLoader trainLoader;
    private final Validation validation;
    private final BatchLoader validationLoader;
    private final DataOrder order;
    private final LearningRateSchedule schedule;
    private final long totalSteps;
    private final NDArray classWeights;
    private final NDManager sessionManager;

    private final Object lock = new Object();
    private Phase phase = Phase.RUNNING;
    private boolean abandoned;
    private boolean finalSave;
    private volatile boolean closed;

    private volatile TrainingState state;
    private Map<String, RawTensor> committedBuffers = Map.of();
    private boolean dirty;
    private volatile String lastCheckpoint;
    private String resumedFrom;
    private long lastSaveNanos = System.nanoTime();
    private volatile double lastSaveSeconds = -1;
    private long sessionClock = System.nanoTime();
    private int protectiveBreaks;
    private MetricsLog metrics;
    private ProgressReporter reporter;
    private Thread loopThread;
    private final IntervalStats interval = new IntervalStats();
    private Double lastMetric;

    /** Thrown inside the loop when the state must not be saved (non-finite parameters). */
    private static final class Diverged extends RuntimeException {
        Diverged(String reason) {
            super(reason, null, false, false);
        }
    }

    /** What the loop is doing, as far as the watchdog cares. */
    private enum Phase {
        /** Computing, loading data or validating: the committed state is consistent. */
        RUNNING,
        /** Applying a step to the parameters and the state. */
        COMMITTING,
        /** Writing a checkpoint. */
        SAVING
    }

    TrainingSession(Trainer.Setup setup) {
        this.config = setup.config();
        this.run = setup.run();
        this.out = setup.out();
        this.console = setup.console();
        this.allowConfigChange = setup.allowConfigChange();
        this.shutdown = setup.shutdown();
        this.workFolder = setup.workFolder();
        this.checkpoints = new CheckpointStore(run, workFolder.resolve("checkpoints"), this::log);
        this.trainLoader = setup.trainLoader();
        this.validationLoader = setup.validationLoader();
        this.order = trainLoader.order();
        this.model = new ReplicatedModel(config, setup.devices(), config.run().seed());
        this.sessionManager = model.primary().manager().newSubManager();
        this.optimizer = TrainingOptimization.optimizer(config.train());
        this.schedule = TrainingOptimization.schedule(config, order.batchesPerEpoch());
        long epochs = config.train().endEpoch() - config.train().beginEpoch();
        long planned = epochs * order.batchesPerEpoch();
        this.totalSteps = config.run().maxSteps() >= 0 ? Math.min(planned, config.run().maxSteps()) : planned;
        this.validation = validationLoader == null ? null
                : new Validation(validationLoader, config.task(), setup.numClasses(), config.train().ignoreLabel());
        this.classWeights = config.task() == Task.SEGMENTATION ? segmentationWeights(setup.numClasses()) : null;
    }

    private NDArray segmentationWeights(int numClasses) {
        float[] weights = CityscapesLabels.classWeights();
        if (weights.length != numClasses) {
            log("the data set has " + numClasses + " classes, not the 19 of Cityscapes: the loss is unweighted");
            weights = new float[numClasses];
            java.util.Arrays.fill(weights, 1f);
        }
        return sessionManager.create(weights);
    }

    /** Trains until the end, a stop request or a divergence. */
    TrainingResult train() {
        resumeOrStart();
        // The reporter counts the run's steps; its rate and ETA only this process's (they then hold
        // after a resume). The heartbeat's ETA is the last interval's (decorate).
        loopThread = Thread.currentThread();
        reporter = ProgressReporter.builder("train", phaseNow(), totalSteps)
                .startAt(state.step())
                .unit("steps")
                .detailOrder("loss", "mIoU", "top1")
                .console(console)
                .out(out)
                .logInterval(Duration.ofSeconds(30))
                .heartbeatTo(run, RunLayout.PROGRESS, HEARTBEAT)
                .decorate(this::decorate)
                .start();
        Thread watchdog = new Thread(this::watchdog, "mdeq-shutdown-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            return loop();
        } catch (Diverged e) {
            return diverged(e.getMessage());
        } finally {
            closed = true;
            watchdog.interrupt();
        }
    }

    private TrainingResult loop() {
        while (true) {
            if (state.position() >= order.samplesPerEpoch()) {
                TrainingResult stopped = endEpoch();
                if (stopped != null) {
                    return stopped;
                }
                continue;
            }
            if (finished()) {
                return finish();
            }
            if (shutdown.requested()) {
                return interrupt();
            }
            try (BatchLoader.BatchStream stream = trainLoader.open(new DataPosition(state.epoch(), state.position()))) {
                while (stream.hasNext()) {
                    if (shutdown.requested()) {
                        return interrupt();
                    }
                    long waitStart = System.nanoTime();
                    DataBatch batch = stream.next();
                    String divergence = step(batch, (System.nanoTime() - waitStart) / 1e9);
                    if (divergence != null) {
                        return diverged(divergence);
                    }
                    if (finished()) {
                        return finish();
                    }
                    if (state.position() >= order.samplesPerEpoch()) {
                        break; // the epoch's end: validation and checkpoint, above
                    }
                    if (periodicCheckpointDue()) {
                        save();
                    }
                }
            }
        }
    }

    private boolean finished() {
        long maxSteps = config.run().maxSteps();
        return state.epoch() >= config.train().endEpoch() || (maxSteps >= 0 && state.step() >= maxSteps);
    }

    private boolean periodicCheckpointDue() {
        int everySteps = config.run().checkpointEverySteps();
        double everyMinutes = config.run().checkpointEveryMinutes();
        boolean bySteps = everySteps > 0 && state.step() % everySteps == 0;
        boolean byTime = everyMinutes > 0 && System.nanoTime() - lastSaveNanos >= everyMinutes * 60e9;
        return dirty && (bySteps || byTime);
    }

    /**
     * One optimizer step on {@code batch}; returns the reason when it diverged (then nothing is
     * committed), else null.
     */
    private String step(DataBatch batch, double dataWaitSeconds) {
        long globalStep = state.step();
        boolean pretraining = model.primary().pretraining(globalStep);
        reporter.phase(pretraining ? Progress.Phase.PRETRAINING : Progress.Phase.TRAINING);
        model.zeroGradients();
        ReplicatedModel.StepResult result;
        try {
            result = model.step(batch, globalStep, this::loss);
        } catch (Exception e) {
            throw e instanceof RuntimeException re ? re : new IllegalStateException("training step failed", e);
        }
        Map<String, NDArray> parameters = model.trainableArrays();
        double gradNorm = Gradients.globalNorm(parameters);
        String divergence = divergence(globalStep, result, gradNorm);
        synchronized (lock) {
            if (abandoned) {
                parkUntilExit();
            }
            if (divergence != null) {
                return divergence;
            }
            phase = Phase.COMMITTING;
        }
        double lr;
        try {
            if (config.train().clip() > 0) {
                Gradients.clipByGlobalNorm(parameters, config.train().clip());
            }
            lr = schedule.lr(globalStep, state.epoch());
            optimizer.step(parameters, lr);
            model.broadcast();
            committedBuffers = bufferSnapshot();
            state = state.afterStep(batch.nextPosition().position(), result.loss(),
                    Map.of("dropoutMaskDraws", (globalStep + 1) * model.size()));
            dirty = true;
        } finally {
            synchronized (lock) {
                phase = Phase.RUNNING;
            }
        }
        interval.add(result, lr, gradNorm, batch.size(), pretraining, dataWaitSeconds);
        reporter.detail("loss", String.format("%.4f", result.loss()));
        reporter.set(state.step());
        if (state.step() % Math.max(1, config.printFreq()) == 0) {
            logInterval(pretraining);
        }
        return null;
    }

    private NDArray loss(NDArray logits, ReplicatedModel.Shard shard) {
        NDManager manager = logits.getManager();
        NDArray labels = manager.create(shard.labels(), new Shape(shard.labelShape()));
        if (config.task() == Task.CLASSIFICATION) {
            return CrossEntropy.classification(logits, labels);
        }
        NDArray weights = classWeights.toDevice(logits.getDevice(), true);
        weights.attach(manager);
        return CrossEntropy.segmentation(logits, labels, weights, config.train().ignoreLabel());
    }

    /** Null when the step is sound; else why the run must stop. */
    private String divergence(long globalStep, ReplicatedModel.StepResult result, double gradNorm) {
        if (!Double.isFinite(result.loss())) {
            return "the training loss is " + result.loss() + " at step " + globalStep;
        }
        if (!Double.isFinite(gradNorm)) {
            return "the gradient norm is " + gradNorm + " at step " + globalStep + " (loss " + result.loss() + ")";
        }
        boolean protectiveBreak = false;
        for (TrainStep shard : result.shards()) {
            SolverStats stats = shard.forwardStats();
            if (stats != null) {
                if (stats.stopReason() == StopReason.NON_FINITE || !Double.isFinite(stats.residual())) {
                    return "the forward equilibrium solve diverged at step " + globalStep + " (residual "
                            + stats.residual() + " after " + stats.steps() + " steps)";
                }
                protectiveBreak |= stats.stopReason() == StopReason.PROTECTIVE_BREAK;
            }
        }
        protectiveBreaks = protectiveBreak ? protectiveBreaks + 1 : 0;
        if (protectiveBreaks >= MAX_PROTECTIVE_BREAKS) {
            return "the forward equilibrium solve blew up (residual beyond 1e6 times its start) in "
                    + MAX_PROTECTIVE_BREAKS + " consecutive steps up to step " + globalStep;
        }
        return null;
    }

    /** Validation, the epoch's record, a checkpoint (the best one published as such). */
    private TrainingResult endEpoch() {
        int epoch = state.epoch();
        ValidationResult result = null;
        if (validation != null) {
            if (shutdown.requested()) {
                return interrupt();
            }
            reporter.phase(Progress.Phase.VALIDATING);
            log("epoch " + epoch + ": validating on " + validation.samples() + " images");
            result = validation.run(model.primary(), shutdown::requested);
            if (result == null) {
                return interrupt();
            }
            lastMetric = result.value();
            reporter.metric(result.metricName(), result.value());
        }
        double epochLoss = state.epochSteps() == 0 ? Double.NaN : state.epochLossSum() / state.epochSteps();
        Double metric = result == null ? null : result.value();
        boolean best = metric != null && (state.bestMetric() == null || metric > state.bestMetric());
        TrainingState.EpochRecord record = new TrainingState.EpochRecord(epoch, state.step(),
                Double.isFinite(epochLoss) ? epochLoss : 0.0, metric, epochSeconds());
        synchronized (lock) {
            state = state.nextEpoch(record, best);
            dirty = true;
        }
        metrics.append(new MetricsRecord(MetricsRecord.EPOCH, state.step(), epoch, record.loss(), null, null, null,
                null, null, null, null, metric, result == null ? null : result.metricName(), record.seconds(),
                Instant.now()));
        log(String.format("epoch %d done at step %d: loss %.4f%s", epoch, state.step(), record.loss(),
                result == null ? "" : String.format(", %s %.2f%s", result.metricName(), result.value(),
                        best ? " (best)" : "")));
        SavedCheckpoint saved = save();
        if (best) {
            checkpoints.publishBest(saved.folder());
        }
        return null;
    }

    private double epochSeconds() {
        List<TrainingState.EpochRecord> history = state.history();
        double before = history.stream().mapToDouble(TrainingState.EpochRecord::seconds).sum();
        return Math.max(0, currentTrainingSeconds() - before);
    }

    private TrainingResult finish() {
        if (dirty || lastCheckpoint == null) {
            save();
        }
        metrics.flush();
        String message = "finished at step " + state.step() + (lastCheckpoint == null ? "" : "; checkpoint " + lastCheckpoint);
        reporter.finish(Progress.Phase.SUCCEEDED, message);
        return new TrainingResult(TrainingResult.Outcome.FINISHED, state.step(), state.epoch(), lastCheckpoint,
                state.bestMetric(), message);
    }

    private TrainingResult interrupt() {
        synchronized (lock) {
            if (abandoned) {
                parkUntilExit();
            }
            finalSave = true;
        }
        if (dirty) {
            save();
        }
        metrics.flush();
        String message = "stopped by " + shutdown.reason() + " at step " + state.step() + " after checkpoint "
                + lastCheckpoint;
        reporter.finish(Progress.Phase.INTERRUPTED, message);
        return new TrainingResult(TrainingResult.Outcome.INTERRUPTED, state.step(), state.epoch(), lastCheckpoint,
                state.bestMetric(), message);
    }

    private TrainingResult diverged(String reason) {
        metrics.flush();
        String message = "training diverged: " + reason + "; the last good checkpoint "
                + (lastCheckpoint == null ? "(none)" : lastCheckpoint) + " is kept";
        reporter.finish(Progress.Phase.FAILED, message);
        return new TrainingResult(TrainingResult.Outcome.DIVERGED, state.step(), state.epoch(), lastCheckpoint,
                state.bestMetric(), message);
    }

    // ---------------------------------------------------------------- resume / start

    private void resumeOrStart() {
        Optional<LoadedCheckpoint> found = checkpoints.loadNewestValid();
        if (found.isPresent()) {
            try (LoadedCheckpoint checkpoint = found.get()) {
                TrainingState saved = checkpoint.state();
                if (!saved.configSha256().equals(config.sha256())) {
                    if (!allowConfigChange) {
                        throw new InvalidInputException("checkpoint " + checkpoint.folder() + " was written with a "
                                + "different config (SHA-256 " + saved.configSha256() + ", the config given has "
                                + config.sha256() + "); use a new run folder, or --allow-config-change");
                    }
                    log("resuming checkpoint " + checkpoint.folder() + " with a changed config");
                    saved = saved.withConfigSha256(config.sha256());
                }
                model.primary().load(Npz.read(checkpoint.file(CheckpointStore.MODEL_PART)), StateDict.Mode.STRICT,
                        run.root().resolve(checkpoint.folder() + CheckpointStore.MODEL_PART).toString());
                optimizer.loadState(Npz.read(checkpoint.file(CheckpointStore.OPTIMIZER_PART)), model.trainableArrays());
                model.broadcast();
                state = saved;
                resumedFrom = checkpoint.folder();
                lastCheckpoint = checkpoint.folder();
                dirty = false;
                log("resumed from " + checkpoint.folder() + " (step " + saved.step() + ", epoch " + saved.epoch()
                        + ", position " + saved.position() + "/" + order.samplesPerEpoch() + ")");
            }
            metrics = MetricsLog.resume(run, state.step(), METRICS_FLUSH, this::log);
        } else {
            loadInitialWeights();
            state = TrainingState.fresh(config.train().beginEpoch(), config.run().seed(), config.sha256(),
                    config.task() == Task.CLASSIFICATION ? ValidationResult.TOP1 : ValidationResult.MIOU);
            metrics = MetricsLog.fresh(run, METRICS_FLUSH);
            dirty = true;
            log("starting a new run: " + totalSteps + " steps of " + order.batchSize() + " samples ("
                    + order.batchesPerEpoch() + " per epoch) on " + model.size() + " device(s)");
        }
        committedBuffers = bufferSnapshot();
        lastSaveNanos = System.nanoTime();
    }

    /** {@code TRAIN.MODEL_FILE}: every weight; else {@code MODEL.PRETRAINED}: the matching ones, without the head's classifier. */
    private void loadInitialWeights() {
        String modelFile = config.train().modelFile();
        String pretrained = config.model().pretrained();
        if (modelFile != null && !modelFile.isBlank()) {
            Map<String, RawTensor> weights = WeightSources.read(modelFile, "TRAIN.MODEL_FILE", workFolder.resolve("weights"));
            model.primary().load(weights, StateDict.Mode.STRICT, modelFile);
            log("loaded every weight from TRAIN.MODEL_FILE " + modelFile);
        } else if (pretrained != null && !pretrained.isBlank()) {
            Map<String, RawTensor> weights = new LinkedHashMap<>(
                    WeightSources.read(pretrained, "MODEL.PRETRAINED", workFolder.resolve("weights")));
            weights.keySet().removeIf(TrainingSession::isClassifier);
            StateDict.LoadReport report = model.primary().load(weights, StateDict.Mode.MATCHING, pretrained);
            log("loaded " + report.loaded().size() + " matching weights from MODEL.PRETRAINED " + pretrained + " ("
                    + report.missing().size() + " of the model's keys not in the file)");
        }
        model.broadcast();
    }

    /** Keys of the final classifier layers, which a pretrained backbone does not bring along. */
    static boolean isClassifier(String key) {
        String k = key.startsWith("model.") ? key.substring("model.".length()) : key;
        return k.startsWith("classifier.") || k.startsWith("last_layer.");
    }

    // ---------------------------------------------------------------- checkpoints

    private SavedCheckpoint save() {
        synchronized (lock) {
            if (abandoned) {
                parkUntilExit();
            }
            phase = Phase.SAVING;
        }
        Progress.Phase before = phaseNow();
        reporter.phase(Progress.Phase.CHECKPOINTING);
        try {
            String nonFinite = nonFiniteParameter();
            if (nonFinite != null) {
                throw new Diverged("parameter " + nonFinite + " is not finite at step " + state.step());
            }
            TrainingState toSave = state.plusTrainingSeconds(sinceClock());
            SavedCheckpoint saved = write(toSave, model.primary().stateDict());
            state = toSave;
            sessionClock = System.nanoTime();
            dirty = false;
            lastCheckpoint = saved.folder();
            lastSaveNanos = System.nanoTime();
            checkpoints.prune(config.run().keepCheckpoints());
            metrics.flush();
            return saved;
        } finally {
            reporter.phase(before);
            synchronized (lock) {
                phase = Phase.RUNNING;
            }
        }
    }

    /** Writes the parts to local files, then the checkpoint; measures the whole for the watchdog's estimate. */
    private SavedCheckpoint write(TrainingState toSave, Map<String, RawTensor> modelState) {
        long start = System.nanoTime();
        Path folder = workFolder.resolve("save-" + toSave.step() + "-" + Thread.currentThread().getId());
        try {
            Files.createDirectories(folder);
            Path modelFile = folder.resolve(CheckpointStore.MODEL_PART);
            Path optimizerFile = folder.resolve(CheckpointStore.OPTIMIZER_PART);
            Npz.write(modelFile, modelState);
            Npz.write(optimizerFile, optimizer.state());
            Map<String, Path> parts = new LinkedHashMap<>();
            parts.put(CheckpointStore.MODEL_PART, modelFile);
            parts.put(CheckpointStore.OPTIMIZER_PART, optimizerFile);
            SavedCheckpoint saved = checkpoints.save(toSave, parts);
            lastSaveSeconds = (System.nanoTime() - start) / 1e9;
            log(String.format("checkpoint %s (%.1f MB, %.1f s)", saved.folder(), saved.manifest().totalBytes() / 1e6,
                    lastSaveSeconds));
            return saved;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint files in " + folder, e);
        } finally {
            LocalFolders.deleteRecursively(folder, "the local work folder");
        }
    }

    /** The first trainable parameter holding a NaN or an infinity, or null. */
    private String nonFiniteParameter() {
        try (NDScope ignored = new NDScope()) {
            for (Map.Entry<String, NDArray> entry : model.trainableArrays().entrySet()) {
                NDArray array = entry.getValue();
                if (array.isNaN().logicalOr(array.isInfinite()).any().getBoolean()) {
                    return entry.getKey();
                }
            }
        }
        return null;
    }

    private Map<String, RawTensor> bufferSnapshot() {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        model.bufferArrays().forEach((name, array) -> out.put(name, RawArrays.toRaw(array)));
        return out;
    }

    // ---------------------------------------------------------------- SIGTERM watchdog

    /**
     * Waits for a stop request; if the loop has not started its final checkpoint when the time
     * left in the grace period shrinks to what a checkpoint takes, abandons the step in progress,
     * checkpoints the committed state (with the BatchNorm statistics as they were before the step)
     * and ends the process with {@link ExitCodes#INTERRUPTED}.
     */
    private void watchdog() {
        try {
            while (!closed && !shutdown.awaitRequest(Duration.ofSeconds(1))) {
                // wait for a request
            }
            while (!closed) {
                synchronized (lock) {
                    if (finalSave) {
                        return;
                    }
                }
                if (shutdown.remaining().toNanos() <= reserveSeconds() * 1e9) {
                    break;
                }
                Thread.sleep(50);
            }
            TrainingState committed;
            Map<String, RawTensor> modelState;
            synchronized (lock) {
                if (closed || finalSave || phase != Phase.RUNNING) {
                    return;
                }
                abandoned = true;
                committed = state.plusTrainingSeconds(sinceClock());
                modelState = new LinkedHashMap<>(model.primary().stateDict());
                modelState.putAll(committedBuffers);
            }
            log("the step in progress cannot finish within the grace period: checkpointing the state before it");
            int exitCode = ExitCodes.INTERRUPTED;
            try {
                SavedCheckpoint saved = dirty ? write(committed, modelState) : null;
                String folder = saved == null ? lastCheckpoint : saved.folder();
                run.putBytes(RunLayout.PROGRESS, RunJson.write(new Progress(Progress.Phase.INTERRUPTED,
                        committed.epoch(), config.train().endEpoch(), committed.step(), totalSteps, null, lastMetric,
                        committed.metricName(), null, null, null, null, null, folder, resumedFrom,
                        "stopped by " + shutdown.reason() + " at step " + committed.step() + " after checkpoint " + folder,
                        Instant.now(), NativeKernels.recorded())));
            } catch (RuntimeException e) {
                log("cannot write the checkpoint before stopping: " + e.getMessage());
                exitCode = ExitCodes.FAILED;
            }
            out.flush();
            System.exit(exitCode);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Seconds a checkpoint is expected to take: twice the last one, or an estimate from the model's size. */
    private double reserveSeconds() {
        if (lastSaveSeconds >= 0) {
            return 2 * lastSaveSeconds + 1;
        }
        long bytes = 0;
        for (NDArray array : model.trainableArrays().values()) {
            bytes += array.getShape().size() * 4;
        }
        return 3 * bytes / 20e6 + 2; // parameters and two moments at 20 MB/s, plus overhead
    }

    /** The loop thread after the watchdog took over: wait for it to end the process. */
    private static void parkUntilExit() {
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // keep waiting: the watchdog exits the JVM
            }
        }
    }

    // ---------------------------------------------------------------- progress

    private double sinceClock() {
        return (System.nanoTime() - sessionClock) / 1e9;
    }

    private double currentTrainingSeconds() {
        return state.trainingSeconds() + sinceClock();
    }

    private Progress.Phase phaseNow() {
        return model.primary().pretraining(state.step()) ? Progress.Phase.PRETRAINING : Progress.Phase.TRAINING;
    }

    private Progress decorate(Progress p) {
        IntervalStats.Summary last = interval.last();
        Double samplesPerSecond = last == null ? null : last.samplesPerSecond();
        Long eta = null;
        if (last != null && last.stepsPerSecond() > 0) {
            eta = Math.round((totalSteps - state.step()) / last.stepsPerSecond());
        }
        return new Progress(p.phase(), state.epoch(), config.train().endEpoch(), state.step(), totalSteps,
                last == null ? null : last.loss(), lastMetric != null ? lastMetric : state.bestMetric(),
                state.metricName(), last == null ? null : last.lr(), last == null ? null : last.solverSteps(),
                last == null ? null : last.solverResidual(), samplesPerSecond, eta, lastCheckpoint, resumedFrom,
                p.message(), p.time(), NativeKernels.recorded());
    }

    private void logInterval(boolean pretraining) {
        IntervalStats.Summary summary = interval.close();
        if (summary == null) {
            return;
        }
        metrics.append(new MetricsRecord(MetricsRecord.STEP, state.step(), state.epoch(), summary.loss(), summary.lr(),
                pretraining ? "pretrain" : "deq", summary.solverSteps(), summary.solverResidual(), summary.gradNorm(),
                summary.samplesPerSecond(), summary.dataWait(), null, null, summary.seconds(), Instant.now()));
        reporter.detail("lr", String.format("%.2e", summary.lr()));
        if (summary.solverSteps() != null) {
            reporter.detail("nfe", String.format("%.1f", summary.solverSteps()));
        }
        reporter.detail("samples/s", String.format("%.1f", summary.samplesPerSecond()));
        reporter.detail("dataWait", String.format("%.0f%%", 100 * summary.dataWait()));
        if (!console) {
            // a pod's log gets the reference's PRINT_FREQ line; a terminal has the progress line
            log(String.format("step %d/%d epoch %d: loss %.4f, lr %.2e, %.1f samples/s%s", state.step(), totalSteps,
                    state.epoch(), summary.loss(), summary.lr(), summary.samplesPerSecond(),
                    summary.solverSteps() == null ? "" : String.format(", nfe %.1f", summary.solverSteps())));
        }
    }

    /** A line of the trainer's; on a terminal above the progress bar (the watchdog's just after it). */
    private void log(String line) {
        if (reporter != null && Thread.currentThread() == loopThread) {
            reporter.message("train: " + line);
        } else {
            out.println((console ? "\n" : "") + "train: " + line);
            out.flush();
        }
    }

    @Override
    public void close() {
        closed = true;
        sessionManager.close();
        optimizer.close();
        model.close();
    }
}
