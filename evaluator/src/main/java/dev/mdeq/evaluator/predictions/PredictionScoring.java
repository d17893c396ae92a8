package dev.mdeq.evaluator.predictions;

import dev.mdeq.runstore.storage.Sha256;
import dev.mdeq.config.Task;
import dev.mdeq.evaluator.image.CityscapesImages;
import dev.mdeq.evaluator.image.CityscapesName;
import dev.mdeq.evaluator.image.LabelImage;
import dev.mdeq.evaluator.image.LabelPngs;
import dev.mdeq.metrics.LabelEncoding;
import dev.mdeq.metrics.PixelAccumulator;
import dev.mdeq.evaluator.results.EvalContext;
import dev.mdeq.evaluator.results.EvalTally;
import dev.mdeq.evaluator.results.ImageStats;
import dev.mdeq.evaluator.results.InvalidItemException;
import dev.mdeq.evaluator.results.SampleImage;
import dev.mdeq.evaluator.results.SkippedItem;
import dev.mdeq.evaluator.shard.EvaluationDriver;
import dev.mdeq.evaluator.shard.ShardSpec;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Listing;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectInfo;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.data.CityscapesLabels;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Scores existing Cityscapes predictions as the benchmark's pixel-level evaluation
 * (cityscapesScripts {@code evalPixelLevelSemanticLabeling}) does: every ground truth
 * {@code <city>_<seq>_<frame>_gtFine_labelIds.png} (any {@code *_labelIds.png}) below the truth
 * location is matched with the one prediction {@code <city>_<seq>_<frame>*.png} below the
 * prediction location (any folder depth); both hold label ids. Missing, extra and duplicate
 * predictions, corrupt files and size mismatches are named; they fail the run unless skipping is
 * asked for, in which case they are counted and listed in the report.
 */
public final class PredictionScoring {
    private static final String TRUTH_SUFFIX = "_labelIds.png";

    private final ObjectStore predictions;
    private final ObjectStore truth;
    private final ObjectStore images;
    private final ObjectStore runStore;

    /**
     * @param predictions where the prediction PNGs are
     * @param truth where the gtFine {@code *_labelIds.png} files are
     * @param images where the {@code *_leftImg8bit.png} images are (for overlays), or null
     * @param runStore the run folder the report goes to
     */
    public PredictionScoring(ObjectStore predictions, ObjectStore truth, ObjectStore images, ObjectStore runStore) {
        this.predictions = predictions;
        this.truth = truth;
        this.images = images;
        this.runStore = runStore;
    }

    /**
     * How truth and prediction files pair up.
     *
     * @param items image stems of every ground truth, sorted (the evaluation's items)
     * @param truthKeys ground-truth key per stem
     * @param predictionKeys prediction keys per stem (more than one is an error)
     * @param extra prediction keys with no ground truth, or whose name is not a Cityscapes name
     * @param imageKeys input image key per stem (empty without an image location)
     */
    public record Pairing(List<String> items, Map<String, String> truthKeys, Map<String, List<String>> predictionKeys,
            List<String> extra, Map<String, String> imageKeys) {

        /** Stems without a prediction. */
        public List<String> missing() {
            return items.stream().filter(s -> !predictionKeys.containsKey(s)).toList();
        }

        /** Stems with more than one prediction. */
        public List<String> duplicated() {
            return items.stream().filter(s -> predictionKeys.getOrDefault(s, List.of()).size() > 1).toList();
        }
    }

    /**
     * Settings of a scoring run.
     *
     * @param evalId the evaluation's id (its folder {@code eval/<id>/} in the run folder)
     * @param shard which slice to score
     * @param skipBad count and report bad inputs instead of failing
     * @param samples how many images the report shows pictures of
     */
    public record Settings(String evalId, ShardSpec shard, boolean skipBad, int samples) {
    }

    /** Lists both locations and pairs the files by image stem. */
    public Pairing pair() {
        Map<String, String> truthKeys = new TreeMap<>();
        List<String> duplicateTruth = new ArrayList<>();
        for (ObjectInfo info : truth.list("")) {
            if (!info.key().endsWith(TRUTH_SUFFIX)) {
                continue;
            }
            Optional<CityscapesName> name = CityscapesName.parse(info.key());
            if (name.isEmpty()) {
                continue;
            }
            String previous = truthKeys.put(name.get().stem(), info.key());
            if (previous != null) {
                duplicateTruth.add(previous + " and " + info.key());
            }
        }
        if (truthKeys.isEmpty()) {
            throw new InvalidInputException("no ground truth found: " + truth.root() + " has no *" + TRUTH_SUFFIX
                    + " file named <city>_<seq>_<frame>_gtFine_labelIds.png (point --gt at gtFine/val or a folder below)");
        }
        if (!duplicateTruth.isEmpty()) {
            throw new InvalidInputException("ground truth " + truth.root() + " has more than one *" + TRUTH_SUFFIX
                    + " file for one image: " + Listing.some(duplicateTruth));
        }
        Map<String, List<String>> predictionKeys = new TreeMap<>();
        List<String> extra = new ArrayList<>();
        for (ObjectInfo info : predictions.list("")) {
            if (!info.key().toLowerCase().endsWith(".png")) {
                continue;
            }
            Optional<CityscapesName> name = CityscapesName.parse(info.key());
            if (name.isEmpty() || !truthKeys.containsKey(name.get().stem())) {
                extra.add(info.key());
            } else {
                predictionKeys.computeIfAbsent(name.get().stem(), k -> new ArrayList<>()).add(info.key());
            }
        }
        if (predictionKeys.isEmpty() && extra.isEmpty()) {
            throw new InvalidInputException("no predictions found: " + predictions.root() + " has no *.png file "
                    + "(point --pred at the label-id PNGs named <city>_<seq>_<frame>*.png)");
        }
        Map<String, String> imageKeys = new TreeMap<>();
        if (images != null) {
            for (ObjectInfo info : images.list("")) {
                if (info.key().endsWith("_leftImg8bit.png")) {
                    CityscapesName.parse(info.key()).ifPresent(n -> imageKeys.putIfAbsent(n.stem(), info.key()));
                }
            }
        }
        return new Pairing(List.copyOf(truthKeys.keySet()), truthKeys, predictionKeys, extra, imageKeys);
    }

    /** The evaluation's identity for a pairing (the same in every shard). */
    public EvalContext context(String evalId, Pairing pairing) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("prediction format", "Cityscapes label ids (8-bit PNG), matched to ground truth by "
                + "<city>_<seq>_<frame>");
        options.put("prediction files", Integer.toString(pairing.predictionKeys().values().stream()
                .mapToInt(List::size).sum() + pairing.extra().size()));
        String configYaml = null;
        String configSha = null;
        if (runStore.stat(RunLayout.CONFIG).isPresent()) {
            configYaml = new String(runStore.getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8);
            configSha = Sha256.hex(configYaml);
        }
        return new EvalContext(evalId, Task.SEGMENTATION, "predictions", predictions.root().toString(),
                truth.root().toString(), configYaml, configSha, CityscapesLabels.NAMES, pairing.items().size(),
                EvalContext.itemListSha256(pairing.items()), options);
    }

    /**
     * Scores the predictions (or this shard's slice) and writes the report (or partial).
     *
     * @param driverOptions further driver settings (progress output), may do nothing
     */
    public EvaluationDriver.Result run(Settings settings, Consumer<EvaluationDriver.Builder> driverOptions) {
        Pairing pairing = pair();
        List<String> missing = pairing.missing();
        List<String> duplicated = pairing.duplicated();
        if (!settings.skipBad() && (!missing.isEmpty() || !pairing.extra().isEmpty() || !duplicated.isEmpty())) {
            throw new InvalidInputException(pairingProblems(pairing, missing, duplicated));
        }
        EvalContext context = context(settings.evalId(), pairing);
        EvalTally tally = EvalTally.segmentation(CityscapesLabels.NUM_CLASSES);
        if (settings.shard().index() == 0) {
            // Problems of the whole set are counted once, by shard 0, so merged = unsharded.
            for (String key : pairing.extra()) {
                tally.addSkipped(new SkippedItem(key, SkippedItem.Kind.EXTRA_PREDICTION, predictions.root().resolve(key)
                        + ": no ground truth *" + TRUTH_SUFFIX + " for this prediction"));
            }
        }
        LabelEncoding labelIds = LabelEncoding.cityscapesLabelIds();
        PixelAccumulator accumulator = tally.pixelAccumulator(labelIds, labelIds);
        PredictionWriter writer = new PredictionWriter(runStore, settings.evalId());
        EvaluationDriver.Builder builder = EvaluationDriver.builder(runStore, context, settings.shard())
                .skipInvalid(settings.skipBad()).samples(settings.samples());
        driverOptions.accept(builder);
        return builder.build().run(pairing.items(), tally,
                (item, t) -> scoreOne(item, t, pairing, accumulator, writer));
    }

    private void scoreOne(EvaluationDriver.Item item, EvalTally tally, Pairing pairing, PixelAccumulator accumulator,
            PredictionWriter writer) {
        String stem = item.name();
        List<String> predKeys = pairing.predictionKeys().get(stem);
        String truthKey = pairing.truthKeys().get(stem);
        if (predKeys == null) {
            throw new InvalidItemException(SkippedItem.Kind.MISSING_PREDICTION, "no prediction " + stem + "*.png in "
                    + predictions.root() + " for ground truth " + truth.root().resolve(truthKey));
        }
        if (predKeys.size() > 1) {
            throw new InvalidItemException(SkippedItem.Kind.INVALID, "found multiple predictions for ground truth "
                    + truth.root().resolve(truthKey) + ": " + Listing.some(predKeys));
        }
        String predKey = predKeys.get(0);
        long t0 = System.nanoTime();
        LabelImage gt = decode(truth, truthKey);
        LabelImage pred = decode(predictions, predKey);
        long t1 = System.nanoTime();
        if (gt.width() != pred.width() || gt.height() != pred.height()) {
            throw new InvalidItemException(SkippedItem.Kind.SIZE_MISMATCH, "prediction "
                    + predictions.root().resolve(predKey) + " is " + pred.size() + " but its ground truth "
                    + truth.root().resolve(truthKey) + " is " + gt.size());
        }
        PixelAccumulator.PixelCounts counts = accumulator.add(gt.pixels(), pred.pixels());
        long t2 = System.nanoTime();
        long decodeExtra = 0;
        if (item.sample()) {
            BufferedImage image = null;
            String imageKey = pairing.imageKeys().get(stem);
            if (imageKey != null) {
                long d0 = System.nanoTime();
                image = LabelPngs.readImage(images.getBytes(imageKey), images.root().resolve(imageKey).toString());
                decodeExtra = System.nanoTime() - d0;
                if (image.getWidth() != gt.width() || image.getHeight() != gt.height()) {
                    image = null;
                }
            }
            for (SampleImage s : writer.writeSamples(stem, image, CityscapesImages.toTrainIds(pred),
                    CityscapesImages.toTrainIds(gt))) {
                tally.addSample(s);
            }
        }
        long t3 = System.nanoTime();
        tally.addImage(new ImageStats(stem, counts.evaluated(), counts.correct(), t1 - t0 + decodeExtra, 0, t2 - t1,
                t3 - t2 - decodeExtra, List.of()));
    }

    private static LabelImage decode(ObjectStore store, String key) {
        String name = store.root().resolve(key).toString();
        byte[] bytes = store.getBytes(key);
        try {
            return LabelPngs.read(bytes, name);
        } catch (InvalidInputException e) {
            throw new InvalidItemException(SkippedItem.Kind.CORRUPT, e.getMessage(), e);
        }
    }

    private String pairingProblems(Pairing pairing, List<String> missing, List<String> duplicated) {
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add(missing.size() + " ground truth image(s) in " + truth.root() + " have no prediction in "
                    + predictions.root() + ": " + Listing.some(missing));
        }
        if (!pairing.extra().isEmpty()) {
            parts.add(pairing.extra().size() + " prediction file(s) in " + predictions.root()
                    + " match no ground truth: " + Listing.some(pairing.extra()));
        }
        if (!duplicated.isEmpty()) {
            List<String> dup = duplicated.stream().map(s -> s + " (" + String.join(", ",
                    pairing.predictionKeys().get(s)) + ")").toList();
            parts.add(duplicated.size() + " image(s) have more than one prediction: " + Listing.some(dup));
        }
        // one line per kind of problem, each with a few examples
        return "predictions do not match the ground truth:\n- " + String.join("\n- ", parts)
                + "\nFix the files, or pass --skip-bad to score the rest and list these in the report.";
    }

}
