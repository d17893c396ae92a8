package dev.mdeq.data;

import java.util.Arrays;
import java.util.List;

/**
 * The Cityscapes label definitions the reference uses (docs/reference-model.md §5, cityscapesScripts' labels.py):
 * the 19 evaluated classes with their label ids, train ids and colours, and the class weights of
 * the reference's segmentation loss.
 */
public final class CityscapesLabels {
    /** Number of evaluated classes (train ids 0..18). */
    public static final int NUM_CLASSES = 19;
    /** Train id of pixels that are not evaluated. */
    public static final int IGNORE = 255;

    /** Class names by train id. */
    public static final List<String> NAMES = List.of(
            "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
            "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
            "motorcycle", "bicycle");

    /** Label id (the value in gtFine *_labelIds.png and in submissions) of each train id. */
    private static final int[] LABEL_ID = {7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33};

    /** Colour (RGB) of each train id, as the benchmark's palette. */
    private static final int[][] COLOURS = {
        {128, 64, 128}, {244, 35, 232}, {70, 70, 70}, {102, 102, 156}, {190, 153, 153}, {153, 153, 153},
        {250, 170, 30}, {220, 220, 0}, {107, 142, 35}, {152, 251, 152}, {70, 130, 180}, {220, 20, 60},
        {255, 0, 0}, {0, 0, 142}, {0, 0, 70}, {0, 60, 100}, {0, 80, 100}, {0, 0, 230}, {119, 11, 32}};

    /** Class weights of the reference's cross-entropy (seg_function / FullModel), by train id. */
    private static final float[] CLASS_WEIGHTS = {
        0.8373f, 0.918f, 0.866f, 1.0345f, 1.0166f, 0.9969f, 0.9754f, 1.0489f, 0.8786f, 1.0023f, 0.9539f,
        0.9843f, 1.1116f, 0.9037f, 1.0865f, 1.0955f, 1.0865f, 1.1529f, 1.0507f};

    /** labelId (0..255) to train id; every unlisted id maps to {@link #IGNORE}. */
    private static final int[] TRAIN_ID = new int[256];

    static {
        Arrays.fill(TRAIN_ID, IGNORE);
        for (int trainId = 0; trainId < NUM_CLASSES; trainId++) {
            TRAIN_ID[LABEL_ID[trainId]] = trainId;
        }
    }

    private CityscapesLabels() {
    }

    /** The train id of a label id (a pixel of a *_labelIds.png); ignored classes give 255. */
    public static int trainId(int labelId) {
        return labelId >= 0 && labelId < 256 ? TRAIN_ID[labelId] : IGNORE;
    }

    /** The label id of a train id (0..18), as the official submission format wants. */
    public static int labelId(int trainId) {
        return LABEL_ID[trainId];
    }

    /** The palette colour of a train id as 0xRRGGBB; ignored pixels are black. */
    public static int rgb(int trainId) {
        if (trainId < 0 || trainId >= NUM_CLASSES) {
            return 0;
        }
        int[] c = COLOURS[trainId];
        return (c[0] << 16) | (c[1] << 8) | c[2];
    }

    /** A copy of the reference's loss weights, by train id. */
    public static float[] classWeights() {
        return CLASS_WEIGHTS.clone();
    }
}
