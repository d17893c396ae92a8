package dev.mdeq.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.progress.ProgressReporter;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.lease.RunLease;
import dev.mdeq.runstore.lease.RunLeaseException;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.model.checkpoint.CheckpointStore;
import dev.mdeq.model.checkpoint.SavedCheckpoint;
import dev.mdeq.model.checkpoint.TrainingState;
import dev.mdeq.data.BatchLoader;
import dev.mdeq.data.DataBatch;
import dev.mdeq.data.DataOrder;
import dev.mdeq.data.DataPosition;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.trainer.optim.Gradients;
import dev.mdeq.trainer.optim.LearningRateSchedule;
import dev.mdeq.trainer.optim.Optimizer;
import dev.mdeq.trainer.optim.TrainingOptimization;
import dev.mdeq.model.weights.RawArrays;
import dev.mdeq.model.weights.RawTensor;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training process on one run folder: resume or start, the step loop, validation, checkpoints,
 * progress and the ways it stops. See docs/training.md.
 *
 * <p>Its parts: {@link TrainingStart} (resume or start), {@link DivergenceCheck} (when to stop on
 * bad numbers), {@link CheckpointWriter}, {@link ShutdownWatchdog} (SIGTERM during a step),
 * {@link Validation}, and the progress heartbeat and metrics log kept here.
 *
 * <p>Threads: the loop runs on the caller's thread; data is decoded by the loader's workers;
 * replicas on several devices run on their own threads; the watchdog's thread takes over when a
 * stop request (SIGTERM) comes while a step is in progress that would not finish within the grace
 * period. The committed training state (parameters, optimizer moments, {@link TrainingState}) only
 * changes in the short commit phase after a step ({@link ShutdownWatchdog.Phase#COMMITTING}).
 */
final class TrainingSession implements AutoCloseable {
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);

    private final ExperimentConfig config;
    private final ObjectStore run;
    private final RunLease lease;
    private final PrintStream out;
    private final boolean console;
    private final TrainingLog log;
    private final boolean allowConfigChange;
    private final GracefulShutdown shutdown;
    private final CheckpointStore checkpoints;
    private final CheckpointWriter writer;
    private final ShutdownWatchdog watchdog;
    private final DivergenceCheck divergence = new DivergenceCheck();
    private final ReplicatedModel model;
    private final Optimizer optimizer;
    private final BatchLoader trainLoader;
    private final Validation validation;
    private final BatchLoader validationLoader;
    private final DataOrder order;
    private final LearningRateSchedule schedule;
    private final long totalSteps;
    private final TrainingLoss loss;
    private final NDManager sessionManager;

    private volatile TrainingState state;
    private Map<String, RawTensor> committedBuffers = Map.of();
    private boolean dirty;
    private volatile String lastCheckpoint;
    private String resumedFrom;
    private long lastSaveNanos = System.nanoTime();
    private long sessionClock = System.nanoTime();
    private MetricsLog metrics;
    private ProgressReporter reporter;
    private final IntervalStats interval = new IntervalStats();
    private Double lastMetric;

    /** Thrown inside the loop when the state must not be saved (non-finite parameters). */
    private static final class Diverged extends RuntimeException {
        Diverged(String reason) {
            super(reason, null, false, false);
        }
    }

    TrainingSession(Trainer.Setup setup) {
        this.config = setup.config();
        this.run = setup.run();
        this.lease = setup.lease();
        this.out = setup.out();
        this.console = setup.console();
        this.allowConfigChange = setup.allowConfigChange();
        this.shutdown = setup.shutdown();
        this.checkpoints = new CheckpointStore(run, setup.workFolder().resolve("checkpoints"), this::log);
        this.trainLoader = setup.trainLoader();
        this.validationLoader = setup.validationLoader();
        this.order = trainLoader.order();
        this.model = new ReplicatedModel(config, setup.devices(), config.run().seed());
        this.sessionManager = model.primary().manager().newSubManager();
        this.optimizer = TrainingOptimization.optimizer(config.train());
        this.writer = new CheckpointWriter(checkpoints, optimizer, setup.workFolder(), this::log);
        this.watchdog = new ShutdownWatchdog(shutdown, this::reserveSeconds, new ShutdownWatchdog.Session() {
            @Override
            public ShutdownWatchdog.Committed committed() {
                return committedState();
            }

            @Override
            public int saveAndStop(ShutdownWatchdog.Committed committed) {
                return checkpointAndStop(committed);
            }
        });
        this.schedule = TrainingOptimization.schedule(config, order.batchesPerEpoch());
        long epochs = config.train().endEpoch() - config.train().beginEpoch();
        long planned = epochs * order.batchesPerEpoch();
        this.totalSteps = config.run().maxSteps() >= 0 ? Math.min(planned, config.run().maxSteps()) : planned;
        this.log = new TrainingLog(out, console, totalSteps);
        this.validation = validationLoader == null ? null
                : new Validation(validationLoader, config.task(), setup.numClasses(), config.train().ignoreLabel());
        this.loss = new TrainingLoss(config, setup.numClasses(), sessionManager, this::log);
    }

    /** Trains until the end, a stop request or a divergence. */
    TrainingResult train() {
        resumeOrStart();
        // The reporter counts the run's steps; its rate and ETA only this process's (they then hold
        // after a resume). The heartbeat's ETA is the last interval's (decorate).
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
        log.showAbove(reporter);
        watchdog.start();
        try {
            return loop();
        } catch (Diverged e) {
            return diverged(e.getMessage());
        } finally {
            watchdog.close();
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
                    lease.throwIfLost(); // taken over: stop now, not at the next checkpoint's write

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
            result = model.step(batch, globalStep, loss::of);
        } catch (Exception e) {
            throw e instanceof RuntimeException re ? re : new IllegalStateException("training step failed", e);
        }
        Map<String, NDArray> parameters = model.trainableArrays();
        double gradNorm = Gradients.globalNorm(parameters);
        String diverged = divergence.afterStep(globalStep, result, gradNorm);
        if (diverged != null) {
            watchdog.parkIfAbandoned();
            return diverged;
        }
        watchdog.enter(ShutdownWatchdog.Phase.COMMITTING);
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
            watchdog.leave();
        }
        interval.add(result, lr, gradNorm, batch.size(), pretraining, dataWaitSeconds);
        reporter.detail("loss", String.format("%.4f", result.loss()));
        reporter.set(state.step());
        if (state.step() % Math.max(1, config.printFreq()) == 0) {
            log.interval(interval.close(), state, pretraining, metrics, reporter);
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
        watchdog.atomically(() -> {
            state = state.nextEpoch(record, best);
            dirty = true;
        });
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
        watchdog.finalSave();
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

    private void resumeOrStart() {
        TrainingStart.Begun begun = new TrainingStart(config, run, checkpoints, model, optimizer, this::log)
                .resumeOrStart(allowConfigChange, order, totalSteps);
        state = begun.state();
        resumedFrom = begun.resumedFrom();
        lastCheckpoint = begun.resumedFrom();
        dirty = begun.resumedFrom() == null;
        metrics = begun.metrics();
        committedBuffers = bufferSnapshot();
        lastSaveNanos = System.nanoTime();
    }

    // ---------------------------------------------------------------- checkpoints

    private SavedCheckpoint save() {
        watchdog.enter(ShutdownWatchdog.Phase.SAVING);
        Progress.Phase before = phaseNow();
        reporter.phase(Progress.Phase.CHECKPOINTING);
        try {
            String nonFinite = DivergenceCheck.nonFiniteParameter(model.trainableArrays());
            if (nonFinite != null) {
                throw new Diverged("parameter " + nonFinite + " is not finite at step " + state.step());
            }
            TrainingState toSave = state.plusTrainingSeconds(sinceClock());
            SavedCheckpoint saved = writer.write(toSave, model.primary().stateDict());
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
            watchdog.leave();
        }
    }

    private Map<String, RawTensor> bufferSnapshot() {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        model.bufferArrays().forEach((name, array) -> out.put(name, RawArrays.toRaw(array)));
        return out;
    }

    // ---------------------------------------------------------------- SIGTERM

    /** Under the watchdog's lock: the state after the last commit, with the BatchNorm statistics as they were then. */
    private ShutdownWatchdog.Committed committedState() {
        Map<String, RawTensor> modelState = new LinkedHashMap<>(model.primary().stateDict());
        modelState.putAll(committedBuffers);
        return new ShutdownWatchdog.Committed(state.plusTrainingSeconds(sinceClock()), modelState);
    }

    /** The watchdog took over: checkpoint the committed state (when it changed), say so in the heartbeat. */
    private int checkpointAndStop(ShutdownWatchdog.Committed committed) {
        log("the step in progress cannot finish within the grace period: checkpointing the state before it");
        int exitCode = ExitCodes.INTERRUPTED;
        try {
            SavedCheckpoint saved = dirty ? writer.write(committed.state(), committed.modelState()) : null;
            String folder = saved == null ? lastCheckpoint : saved.folder();
            TrainingState stopped = committed.state();
            run.putBytes(RunLayout.PROGRESS, RunJson.write(new Progress(Progress.Phase.INTERRUPTED,
                    stopped.epoch(), config.train().endEpoch(), stopped.step(), totalSteps, null, lastMetric,
                    stopped.metricName(), null, null, null, null, null, folder, resumedFrom,
                    "stopped by " + shutdown.reason() + " at step " + stopped.step() + " after checkpoint " + folder,
                    Instant.now(), NativeKernels.recorded())));
        } catch (RuntimeException e) {
            log("cannot write the checkpoint before stopping: " + e.getMessage());
            exitCode = e instanceof RunLeaseException ? ExitCodes.RUN_HELD : ExitCodes.FAILED;
        }
        out.flush();
        return exitCode;
    }

    /** Seconds a checkpoint is expected to take: twice the last one, or an estimate from the model's size. */
    private double reserveSeconds() {
        if (writer.lastSeconds() >= 0) {
            return 2 * writer.lastSeconds() + 1;
        }
        long bytes = 0;
        for (NDArray array : model.trainableArrays().values()) {
            bytes += array.getShape().size() * 4;
        }
        return 3 * bytes / 20e6 + 2; // parameters and two moments at 20 MB/s, plus overhead
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

    private void log(String line) {
        log.line(line);
    }

    @Override
    public void close() {
        watchdog.close();
        sessionManager.close();
        optimizer.close();
        model.close();
    }
}
