package dev.mdeq.evaluator.predictions;

import dev.mdeq.evaluator.image.CityscapesImages;
import dev.mdeq.evaluator.image.CityscapesName;
import dev.mdeq.evaluator.image.LabelImage;
import dev.mdeq.evaluator.image.LabelPngs;
import dev.mdeq.evaluator.image.Previews;
import dev.mdeq.evaluator.results.EvalLayout;
import dev.mdeq.evaluator.results.SampleImage;
import dev.mdeq.runstore.storage.ObjectStore;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes Cityscapes predictions into an evaluation's folder: labelId PNGs in the benchmark's
 * submission format ({@code predictions/labelIds/<city>/<city>_<seq>_<frame>_leftImg8bit.png}, 8-bit
 * grey), colour PNGs with the benchmark's palette, and reduced sample pictures for the report
 * (overlay of image and prediction, colour prediction, colour ground truth).
 */
public final class PredictionWriter {
    /** Width of the report's sample pictures. */
    public static final int PREVIEW_WIDTH = 1024;
    private static final double OVERLAY_ALPHA = 0.5;
    private static final float JPEG_QUALITY = 0.85f;

    private final ObjectStore runStore;
    private final String evalId;

    /** Writes below {@code runStore} (the run folder) into {@code eval/<evalId>/}. */
    public PredictionWriter(ObjectStore runStore, String evalId) {
        this.runStore = runStore;
        this.evalId = evalId;
    }

    /** Writes the labelId PNG of a train-id prediction; returns its key. */
    public String writeLabelIds(CityscapesName name, LabelImage trainIds) {
        String key = EvalLayout.labelIdPredictions(evalId) + name.predictionPath();
        runStore.putBytes(key, LabelPngs.writeGrey(CityscapesImages.toLabelIds(trainIds)));
        return key;
    }

    /** Writes the colour PNG of a train-id prediction; returns its key. */
    public String writeColour(CityscapesName name, LabelImage trainIds) {
        String key = EvalLayout.colourPredictions(evalId) + name.colourPath();
        runStore.putBytes(key, CityscapesImages.colourPng(trainIds));
        return key;
    }

    /**
     * Writes the report's pictures of one item (reduced to {@value #PREVIEW_WIDTH} pixels wide).
     *
     * @param item the item's name (the report groups pictures by it)
     * @param image the input image, or null when it is not available (then no overlay)
     * @param predictionTrainIds the prediction in train ids
     * @param truthTrainIds the ground truth in train ids, or null
     * @return the pictures written, for {@link dev.mdeq.evaluator.results.EvalTally#addSample}
     */
    public List<SampleImage> writeSamples(String item, BufferedImage image, LabelImage predictionTrainIds,
            LabelImage truthTrainIds) {
        List<SampleImage> out = new ArrayList<>();
        String base = EvalLayout.samples(evalId) + item;
        // Scale first, then colour: a quarter of the work of colouring full-resolution maps.
        int w = Math.min(PREVIEW_WIDTH, predictionTrainIds.width());
        int h = Math.max(1, (int) Math.round((double) predictionTrainIds.height() * w / predictionTrainIds.width()));
        LabelImage pred = predictionTrainIds.resizeNearest(w, h);
        if (image != null) {
            BufferedImage small = Previews.resize(image, w, h);
            String key = base + "_overlay.jpg";
            runStore.putBytes(key, Previews.jpeg(CityscapesImages.overlay(small, pred, OVERLAY_ALPHA), JPEG_QUALITY));
            out.add(new SampleImage(item, "overlay (image + prediction)", key));
        }
        String predKey = base + "_prediction.png";
        runStore.putBytes(predKey, CityscapesImages.colourPng(pred));
        out.add(new SampleImage(item, "prediction", predKey));
        if (truthTrainIds != null) {
            String truthKey = base + "_truth.png";
            runStore.putBytes(truthKey, CityscapesImages.colourPng(truthTrainIds.resizeNearest(w, h)));
            out.add(new SampleImage(item, "ground truth", truthKey));
        }
        return out;
    }
}
