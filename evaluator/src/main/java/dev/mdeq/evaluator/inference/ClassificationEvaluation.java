package dev.mdeq.evaluator.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.metrics.ClassificationCounts;
import dev.mdeq.metrics.SegmentationMetrics;
import dev.mdeq.evaluator.results.EvalTally;
import dev.mdeq.evaluator.results.ImageStats;
import dev.mdeq.evaluator.results.SkippedItem;
import dev.mdeq.evaluator.results.SolverRun;
import dev.mdeq.evaluator.shard.EvaluationDriver;
import dev.mdeq.evaluator.shard.ShardSpec;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.data.Cifar10Dataset;
import dev.mdeq.data.DataRandom;
import dev.mdeq.data.FashionMnistDataset;
import dev.mdeq.data.ImageDataset;
import dev.mdeq.data.ImageFolderDataset;
import dev.mdeq.data.Sample;
import dev.mdeq.model.Finite;
import dev.mdeq.model.MdeqModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model evaluation of a classification set (CIFAR-10, ImageNet, Fashion-MNIST validation splits)
 * as the reference validates: batches of TEST.BATCH_SIZE_PER_GPU samples in data set order, the
 * equilibrium solved per batch (the solver's stopping rule sees the whole batch, so the batch is
 * part of the evaluation: shards take whole batches), top-1 / top-5 from the logits. One item per
 * batch, named {@code batch-NNNNNN}. With skipping, a sample that cannot be decoded is left out of
 * its batch and listed; the rest of the batch is evaluated.
 */
final class ClassificationEvaluation implements TaskEvaluation {
    private final ImageDataset dataset;
    private final MdeqModel model;
    private final int batchSize;
    private final int samples;
    private final boolean skipBad;
    private final int workers;
    private final List<String> items;
    private OrderedPrefetch<Decoded> prefetch;

    /** A decoded batch: its samples (bad ones left out when skipping), and the time decoding took. */
    private record Decoded(List<Sample> samples, List<SkippedItem> skipped, long nanos) {
    }

    /**
     * @param samples how many samples of the data set to evaluate, from the start (TEST.NUM_SAMPLES; 0 = all)
     */
    ClassificationEvaluation(ImageDataset dataset, MdeqModel model, int batchSize, int samples, boolean skipBad,
            int workers) {
        if (batchSize < 1) {
            throw new InvalidInputException("TEST.BATCH_SIZE_PER_GPU must be at least 1, got " + batchSize);
        }
        this.dataset = dataset;
        this.model = model;
        this.batchSize = batchSize;
        this.samples = samples > 0 ? Math.min(samples, dataset.size()) : dataset.size();
        this.skipBad = skipBad;
        this.workers = workers;
        List<String> names = new ArrayList<>();
        for (int b = 0; b * batchSize < this.samples; b++) {
            names.add(batchName(b));
        }
        this.items = List.copyOf(names);
    }

    static String batchName(int batch) {
        return String.format("batch-%06d", batch);
    }

    @Override
    public List<String> items() {
        return items;
    }

    @Override
    public List<String> classNames() {
        if (dataset instanceof Cifar10Dataset) {
            return Cifar10Dataset.CLASSES;
        }
        if (dataset instanceof FashionMnistDataset) {
            return FashionMnistDataset.CLASSES;
        }
        if (dataset instanceof ImageFolderDataset folders) {
            return folders.classes();
        }
        return SegmentationMetrics.numberedNames(dataset.numClasses());
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("batch size", batchSize + " (TEST.BATCH_SIZE_PER_GPU; the equilibrium is solved per batch)");
        out.put("samples", samples + (samples < dataset.size() ? " of " + dataset.size() + " (TEST.NUM_SAMPLES)" : ""));
        return out;
    }

    @Override
    public EvalTally newTally() {
        return EvalTally.classification(dataset.numClasses());
    }

    @Override
    public void start(ShardSpec shard) {
        prefetch = new OrderedPrefetch<>(shard.select(items), this::decode, workers, 2 * workers);
    }

    private Decoded decode(String batch) {
        long t0 = System.nanoTime();
        int first = Integer.parseInt(batch.substring("batch-".length())) * batchSize;
        int end = Math.min(first + batchSize, samples);
        List<Sample> decoded = new ArrayList<>();
        List<SkippedItem> skipped = new ArrayList<>();
        for (int i = first; i < end; i++) {
            try {
                decoded.add(dataset.get(i, DataRandom.forSample(0, 0, i)));
            } catch (InvalidInputException e) {
                if (!skipBad) {
                    throw e;
                }
                skipped.add(new SkippedItem(dataset.sampleName(i), SkippedItem.Kind.INVALID, e.getMessage()));
            }
        }
        return new Decoded(decoded, skipped, System.nanoTime() - t0);
    }

    @Override
    public void evaluate(EvaluationDriver.Item item, EvalTally tally) {
        Decoded batch = prefetch.next(item.name());
        batch.skipped().forEach(tally::addSkipped);
        List<Sample> list = batch.samples();
        if (list.isEmpty()) {
            tally.addImage(new ImageStats(item.name(), 0, 0, batch.nanos(), 0, 0, 0, List.of()));
            return;
        }
        Sample first = list.get(0);
        int size = first.image().length;
        float[] pixels = new float[list.size() * size];
        int[] labels = new int[list.size()];
        for (int i = 0; i < list.size(); i++) {
            Sample s = list.get(i);
            if (s.image().length != size) {
                throw new InvalidInputException(dataset.description() + ": sample '" + dataset.sampleName(s.index())
                        + "' is " + s.channels() + "x" + s.height() + "x" + s.width() + " but '"
                        + dataset.sampleName(first.index()) + "' in the same batch is " + first.channels() + "x"
                        + first.height() + "x" + first.width());
            }
            System.arraycopy(s.image(), 0, pixels, i * size, size);
            labels[i] = s.labels()[0];
        }
        long t0 = System.nanoTime();
        float[] scores;
        SolverRun solve;
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray images = scope.create(pixels, new Shape(list.size(), first.channels(), first.height(),
                    first.width()));
            try (MdeqModel.Evaluation eval = model.evaluate(images, MdeqModel.Mode.EQUILIBRIUM, false)) {
                scores = Finite.require(eval.logits().toType(DataType.FLOAT32, false).toFloatArray(),
                        "evaluation of batch " + item.name() + ", logits");
                solve = SolverRun.of(eval.solverStats());
            }
        }
        long t1 = System.nanoTime();
        ClassificationCounts counts = tally.classification();
        long before = counts.correctAtK(1);
        counts.addBatch(scores, labels);
        long correct = counts.correctAtK(1) - before;
        long t2 = System.nanoTime();
        tally.addImage(new ImageStats(item.name(), list.size(), correct, batch.nanos(), t1 - t0, t2 - t1, 0,
                List.of(solve)));
    }

    @Override
    public void close() {
        if (prefetch != null) {
            prefetch.close();
        }
    }
}
