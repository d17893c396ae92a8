package dev.mdeq.evaluator.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mdeq.evaluator.image.CityscapesName;
import dev.mdeq.evaluator.image.LabelImage;
import dev.mdeq.evaluator.image.LabelPngs;
import dev.mdeq.metrics.LabelEncoding;
import dev.mdeq.metrics.PixelAccumulator;
import dev.mdeq.evaluator.predictions.PredictionWriter;
import dev.mdeq.evaluator.results.EvalTally;
import dev.mdeq.evaluator.results.ImageStats;
import dev.mdeq.evaluator.results.SampleImage;
import dev.mdeq.evaluator.results.SolverRun;
import dev.mdeq.evaluator.shard.EvaluationDriver;
import dev.mdeq.evaluator.shard.ShardSpec;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.data.CityscapesDataset;
import dev.mdeq.data.CityscapesLabels;
import dev.mdeq.data.CityscapesList;
import dev.mdeq.data.DataRandom;
import dev.mdeq.data.Sample;
import dev.mdeq.model.Finite;
import dev.mdeq.model.MdeqModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Model evaluation on Cityscapes: one item per image (named by its {@code <city>_<seq>_<frame>}
 * stem), decoded ahead on the config's WORKERS threads, segmented by {@link SegmentationInference}
 * at full resolution, scored against its train-id labels, and written as labelId and colour PNGs
 * (and report pictures for sample images) through {@link PredictionWriter}.
 */
final class SegmentationEvaluation implements TaskEvaluation {
    private final CityscapesDataset dataset;
    private final MdeqModel model;
    private final SegmentationInference inference;
    private final PredictionWriter writer;
    private final int workers;
    private final List<String> items;
    private final Map<String, Integer> indexOf = new HashMap<>();
    private PixelAccumulator accumulator;
    private OrderedPrefetch<Decoded> prefetch;

    /** A decoded image with its labels and the time decoding took. */
    private record Decoded(Sample sample, long nanos) {
    }

    SegmentationEvaluation(CityscapesDataset dataset, MdeqModel model, SegmentationInference inference,
            PredictionWriter writer, int workers) {
        this.dataset = dataset;
        this.model = model;
        this.inference = inference;
        this.writer = writer;
        this.workers = workers;
        if (dataset.list().imageOnly()) {
            throw new InvalidInputException(dataset.list().file() + " names images only (a test list): evaluating "
                    + "a model needs gtFine labels; use a list of 'image label' lines such as list/cityscapes/val.lst");
        }
        TreeMap<String, Integer> sorted = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < dataset.size(); i++) {
            String image = dataset.list().entries().get(i).image();
            var name = CityscapesName.parse(image);
            if (name.isEmpty()) {
                problems.add(image + " (line " + dataset.list().entries().get(i).line()
                        + "): not a Cityscapes name <city>_<seq>_<frame>_leftImg8bit.png");
                continue;
            }
            Integer previous = sorted.put(name.get().stem(), i);
            if (previous != null) {
                problems.add(image + " and " + dataset.list().entries().get(previous).image() + ": the same image "
                        + name.get().stem() + " twice");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(dataset.list().file() + ": predictions are named after the images, so "
                    + "every image needs a unique Cityscapes name: " + String.join("; ",
                            problems.subList(0, Math.min(10, problems.size())))
                    + (problems.size() > 10 ? "; and " + (problems.size() - 10) + " more" : ""));
        }
        this.items = List.copyOf(sorted.keySet());
        indexOf.putAll(sorted);
    }

    @Override
    public List<String> items() {
        return items;
    }

    @Override
    public List<String> classNames() {
        return CityscapesLabels.NAMES;
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> out = new LinkedHashMap<>(inference.describe());
        out.put("batch size", "1 (full-resolution images)");
        return out;
    }

    @Override
    public EvalTally newTally() {
        EvalTally tally = EvalTally.segmentation(CityscapesLabels.NUM_CLASSES);
        LabelEncoding trainIds = LabelEncoding.trainIds(CityscapesLabels.NUM_CLASSES);
        accumulator = tally.pixelAccumulator(trainIds, trainIds);
        return tally;
    }

    @Override
    public void start(ShardSpec shard) {
        prefetch = new OrderedPrefetch<>(shard.select(items), this::decode, workers, 2 * workers);
    }

    private Decoded decode(String stem) {
        long t0 = System.nanoTime();
        int index = indexOf.get(stem);
        Sample sample = dataset.get(index, DataRandom.forSample(0, 0, index));
        return new Decoded(sample, System.nanoTime() - t0);
    }

    @Override
    public void evaluate(EvaluationDriver.Item item, EvalTally tally) {
        String stem = item.name();
        Decoded decoded = prefetch.next(stem);
        Sample s = decoded.sample();
        long t0 = System.nanoTime();
        List<SolverRun> solves = new ArrayList<>();
        byte[] prediction;
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray image = scope.create(s.image(), new Shape(1, s.channels(), s.height(), s.width()));
            NDArray scores = inference.scores(image, stats -> solves.add(SolverRun.of(stats)));
            prediction = SegmentationInference.argmax(Finite.require(scores, "evaluation of image " + stem + ", class scores"));
        }
        long t1 = System.nanoTime();
        byte[] truth = trainIdBytes(s.labels());
        PixelAccumulator.PixelCounts counts = accumulator.add(truth, prediction);
        long t2 = System.nanoTime();
        CityscapesName name = CityscapesName.parse(dataset.list().entries().get(indexOf.get(stem)).image()).orElseThrow();
        LabelImage predicted = new LabelImage(s.width(), s.height(), prediction);
        writer.writeLabelIds(name, predicted);
        writer.writeColour(name, predicted);
        long extraDecode = 0;
        if (item.sample()) {
            long d0 = System.nanoTime();
            BufferedImage picture = readImage(indexOf.get(stem), s);
            extraDecode = System.nanoTime() - d0;
            for (SampleImage sample : writer.writeSamples(stem, picture, predicted,
                    new LabelImage(s.width(), s.height(), truth))) {
                tally.addSample(sample);
            }
        }
        long t3 = System.nanoTime();
        tally.addImage(new ImageStats(stem, counts.evaluated(), counts.correct(), decoded.nanos() + extraDecode,
                t1 - t0, t2 - t1, t3 - t2 - extraDecode, solves));
    }

    /** Train ids (255 ignore; anything outside 0..255, such as a negative ignore label, as 255) as bytes. */
    private static byte[] trainIdBytes(int[] labels) {
        byte[] out = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            int v = labels[i];
            out[i] = (byte) (v >= 0 && v < 256 ? v : CityscapesLabels.IGNORE);
        }
        return out;
    }

    /** The input image for the report's overlay, or null when it is not the size of the prediction (a centre crop). */
    private BufferedImage readImage(int index, Sample s) {
        CityscapesList.Entry entry = dataset.list().entries().get(index);
        Path file = dataset.list().folder().resolve(entry.image());
        try {
            BufferedImage image = LabelPngs.readImage(Files.readAllBytes(file), file.toString());
            return image.getWidth() == s.width() && image.getHeight() == s.height() ? image : null;
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (prefetch != null) {
            prefetch.close();
        }
    }
}
