package dev.mdeq.evaluator.results;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mdeq.metrics.ClassificationCounts;
import dev.mdeq.metrics.ConfusionMatrix;
import dev.mdeq.metrics.LabelEncoding;
import dev.mdeq.metrics.PixelAccumulator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Everything an evaluation (or one shard of it) accumulated: the segmentation confusion matrix or
 * the classification counts, per-image statistics, skipped inputs and report samples. Tallies of
 * shards {@link #merge} exactly; the merged tally of all shards equals the tally of one
 * unsharded run (per-image lists are kept sorted by name).
 *
 * <p>Not thread-safe: one tally per thread, or synchronise.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class EvalTally {
    private final ConfusionMatrix segmentation;
    private final ClassificationCounts classification;
    private final List<ImageStats> images;
    private final List<SkippedItem> skipped;
    private final List<SampleImage> samples;

    @JsonCreator
    EvalTally(@JsonProperty("segmentation") ConfusionMatrix segmentation,
            @JsonProperty("classification") ClassificationCounts classification,
            @JsonProperty("images") List<ImageStats> images,
            @JsonProperty("skipped") List<SkippedItem> skipped,
            @JsonProperty("samples") List<SampleImage> samples) {
        if ((segmentation == null) == (classification == null)) {
            throw new IllegalArgumentException("a tally holds either a segmentation matrix or classification counts");
        }
        this.segmentation = segmentation;
        this.classification = classification;
        this.images = new ArrayList<>(images == null ? List.of() : images);
        this.skipped = new ArrayList<>(skipped == null ? List.of() : skipped);
        this.samples = new ArrayList<>(samples == null ? List.of() : samples);
    }

    /** An empty segmentation tally over {@code numClasses} classes. */
    public static EvalTally segmentation(int numClasses) {
        return new EvalTally(new ConfusionMatrix(numClasses), null, null, null, null);
    }

    /** An empty classification tally over {@code numClasses} classes. */
    public static EvalTally classification(int numClasses) {
        return new EvalTally(null, new ClassificationCounts(numClasses), null, null, null);
    }

    /** The segmentation confusion matrix (live), or null for classification. */
    @JsonProperty("segmentation")
    public ConfusionMatrix segmentation() {
        return segmentation;
    }

    /** The classification counts (live), or null for segmentation. */
    @JsonProperty("classification")
    public ClassificationCounts classification() {
        return classification;
    }

    /** An accumulator adding label maps to this tally's segmentation matrix. */
    public PixelAccumulator pixelAccumulator(LabelEncoding truth, LabelEncoding prediction) {
        if (segmentation == null) {
            throw new IllegalStateException("a classification tally has no pixel confusion matrix");
        }
        return new PixelAccumulator(segmentation, truth, prediction);
    }

    @JsonIgnore
    public boolean isSegmentation() {
        return segmentation != null;
    }

    public void addImage(ImageStats stats) {
        images.add(stats);
    }

    public void addSkipped(SkippedItem item) {
        skipped.add(item);
    }

    public void addSample(SampleImage sample) {
        samples.add(sample);
    }

    @JsonProperty("images")
    public List<ImageStats> images() {
        return List.copyOf(images);
    }

    @JsonProperty("skipped")
    public List<SkippedItem> skipped() {
        return List.copyOf(skipped);
    }

    @JsonProperty("samples")
    public List<SampleImage> samples() {
        return List.copyOf(samples);
    }

    /** Samples scored: images (segmentation) or classified samples (classification). */
    @JsonIgnore
    public long sampleCount() {
        return segmentation != null ? images.size() : classification.samples();
    }

    /** Adds another tally of the same kind and size (exact); lists stay sorted by item name. */
    public void merge(EvalTally other) {
        if (isSegmentation() != other.isSegmentation()) {
            throw new IllegalArgumentException("cannot merge a segmentation tally with a classification tally");
        }
        if (segmentation != null) {
            segmentation.merge(other.segmentation);
        } else {
            classification.merge(other.classification);
        }
        images.addAll(other.images);
        skipped.addAll(other.skipped);
        samples.addAll(other.samples);
        sortLists();
    }

    /** Sorts the per-item lists by item name (stable), so merged and unsharded tallies are equal. */
    public void sortLists() {
        images.sort(Comparator.comparing(ImageStats::name));
        skipped.sort(Comparator.comparing(SkippedItem::name).thenComparing(s -> s.kind().name()));
        samples.sort(Comparator.comparing(SampleImage::item));
    }
}
