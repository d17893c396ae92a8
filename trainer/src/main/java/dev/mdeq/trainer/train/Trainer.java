package dev.mdeq.trainer.train;

import ai.djl.Device;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.lease.LeaseSettings;
import dev.mdeq.runstore.lease.RunLease;
import dev.mdeq.runstore.lease.RunLeaseException;
import dev.mdeq.runstore.storage.LocalFolders;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.model.checkpoint.RunConfigGuard;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.data.BatchLoader;
import dev.mdeq.data.DataOrder;
import dev.mdeq.data.Datasets;
import dev.mdeq.data.ImageDataset;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code mdeq train}: trains the run folder's experiment to its end, resuming from its newest
 * valid checkpoint. See docs/training.md for the loop, the checkpoints and the stop behaviour.
 */
public final class Trainer {
    private Trainer() {
    }

    /**
     * What to train.
     *
     * @param config the experiment, or null to train with the run's saved {@code config.yaml}
     * @param runUri the run folder ({@code file:/path} or {@code s3://bucket/prefix})
     * @param allowConfigChange continue a run whose saved config differs from {@code config}
     * @param out where log lines and the progress bar go
     * @param console draw a progress bar (terminal) rather than one JSON line per interval (pods);
     *     null decides by whether a console is attached
     * @param shutdown the stop requests to obey; null installs SIGTERM/SIGINT handlers
     * @param lease how the run folder's lease is held (one trainer writes a run at a time)
     */
    public record Options(ExperimentConfig config, String runUri, boolean allowConfigChange, PrintStream out,
            Boolean console, GracefulShutdown shutdown, LeaseSettings lease) {

        /** Options with the default lease ({@link LeaseSettings#defaults()}). */
        public Options(ExperimentConfig config, String runUri, boolean allowConfigChange, PrintStream out,
                Boolean console, GracefulShutdown shutdown) {
            this(config, runUri, allowConfigChange, out, console, shutdown, LeaseSettings.defaults());
        }
    }

    /** Everything a {@link TrainingSession} is built from. */
    record Setup(ExperimentConfig config, ObjectStore run, RunLease lease, PrintStream out, boolean console,
            boolean allowConfigChange, GracefulShutdown shutdown, Path workFolder, BatchLoader trainLoader,
            BatchLoader validationLoader, List<Device> devices, int numClasses) {
    }

    /**
     * Trains; a stop request, a divergence or the end of training returns, anything else throws.
     * Nothing is written before the run's lease is held, and every write checks it: another trainer
     * holding the run, or taking it over, ends this one with a {@link RunLeaseException}.
     */
    public static TrainingResult train(Options options) {
        PrintStream out = options.out() == null ? System.err : options.out();
        boolean console = options.console() != null ? options.console() : System.console() != null;
        try (ObjectStore store = ObjectStores.open(options.runUri());
                RunLease lease = RunLease.acquire(store, options.lease(), line -> out.println("train: " + line))) {
            lease.startRenewing();
            ObjectStore run = lease.fence(store);
            NativeKernels.ensureChecked(); // before data or model touch libtorch: it fixes oneDNN's kernel set
            ExperimentConfig config = RunConfigGuard.resolve(run, options.config(), options.allowConfigChange(),
                    line -> out.println("train: " + line));
            GracefulShutdown shutdown = options.shutdown() != null ? options.shutdown()
                    : GracefulShutdown.install(Duration.ofSeconds(config.run().shutdownGraceSeconds()));
            Path workFolder = Files.createTempDirectory("mdeq-train-");
            try {
                return train(config, run, lease, options, out, console, shutdown, workFolder);
            } finally {
                if (options.shutdown() == null) {
                    shutdown.close();
                }
                LocalFolders.deleteRecursively(workFolder, "the local work folder");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a local work folder", e);
        }
    }

    private static TrainingResult train(ExperimentConfig config, ObjectStore run, RunLease lease, Options options,
            PrintStream out, boolean console, GracefulShutdown shutdown, Path workFolder) {
        // Nothing worth a checkpoint happens before the session starts: a stop request then ends the process at once.
        StartupGuard startup = new StartupGuard(run, out);
        shutdown.onRequest(startup::stopDuringStartup);
        try {
            heartbeat(run, Progress.Phase.STAGING_DATA, "staging the data set " + config.dataset().root());
            Path root = Datasets.localRoot(config, p -> p.console(console).out(out));
            ImageDataset trainSet = Datasets.training(config, root);
            ImageDataset validationSet = Datasets.validation(config, root);
            List<Device> devices = Devices.select(config.run().device());
            int batch = config.train().batchSizePerGpu() * devices.size();
            DataOrder order = DataOrder.forTraining(config, trainSet.size(), batch);
            if (order.batchesPerEpoch() == 0) {
                throw new InvalidInputException(trainSet.description() + " has fewer samples than one batch of "
                        + batch + " (TRAIN.BATCH_SIZE_PER_GPU x " + devices.size() + " device(s))");
            }
            int workers = Math.max(1, config.workers());
            int validationSamples = config.run().valSamples() > 0
                    ? Math.min(config.run().valSamples(), validationSet.size()) : validationSet.size();
            try (BatchLoader trainLoader = new BatchLoader(trainSet, order, workers, 2 * workers);
                    BatchLoader validationLoader = validationSamples == 0 ? null
                            : new BatchLoader(validationSet, DataOrder.evaluation(validationSet.size(),
                                    config.test().batchSizePerGpu(), firstIndices(validationSamples)), workers,
                                    2 * workers);
                    TrainingSession session = new TrainingSession(new Setup(config, run, lease, out, console,
                            options.allowConfigChange(), shutdown, workFolder, trainLoader, validationLoader, devices,
                            trainSet.numClasses()))) {
                startup.started();
                return session.train();
            }
        } catch (RuntimeException e) {
            heartbeat(run, Progress.Phase.FAILED, e.getMessage());
            throw e;
        }
    }

    private static void heartbeat(ObjectStore run, Progress.Phase phase, String message) {
        try {
            run.putBytes(RunLayout.PROGRESS, RunJson.write(new Progress(phase, null, null, null, null, null, null, null,
                    null, null, null, null, null, null, null, message, Instant.now())));
        } catch (RuntimeException ignored) {
            // the heartbeat is informative; the failure that matters is reported by the caller
        }
    }

    /** Ends the process on a stop request that comes before training starts (staging, model building). */
    private static final class StartupGuard {
        private final ObjectStore run;
        private final PrintStream out;
        private boolean started;

        StartupGuard(ObjectStore run, PrintStream out) {
            this.run = run;
            this.out = out;
        }

        synchronized void started() {
            started = true;
        }

        synchronized void stopDuringStartup() {
            if (started) {
                return;
            }
            heartbeat(run, Progress.Phase.INTERRUPTED, "stopped before training started; nothing to checkpoint");
            out.println("train: stopped before training started; nothing to checkpoint");
            out.flush();
            System.exit(ExitCodes.INTERRUPTED);
        }
    }

    private static int[] firstIndices(int n) {
        int[] indices = new int[n];
        java.util.Arrays.setAll(indices, i -> i);
        return indices;
    }
}
