package dev.mdeq.metrics;

import dev.mdeq.data.CityscapesLabels;
import java.util.Arrays;

/**
 * How the values of a label map (0..255) name the evaluated classes: train ids (value = class,
 * 255 = ignore) or Cityscapes label ids (gtFine {@code *_labelIds.png} and the submission format,
 * mapped through {@link CityscapesLabels#trainId}). A value that is none of the classes is the
 * ignore label in a ground truth and a "void" prediction in a prediction. Value 255 is never a
 * class, so values outside 0..255 (in {@code int} label maps) are treated as 255.
 */
public final class LabelEncoding {
    private static final int NONE = -1;

    private final String name;
    private final int numClasses;
    private final int[] classOf;

    private LabelEncoding(String name, int numClasses, int[] classOf) {
        this.name = name;
        this.numClasses = numClasses;
        this.classOf = classOf;
    }

    /** Values 0..numClasses-1 are the classes; every other value (255 by convention) is ignored. */
    public static LabelEncoding trainIds(int numClasses) {
        if (numClasses < 1 || numClasses > 255) {
            throw new IllegalArgumentException("train-id label maps hold 1..255 classes, got " + numClasses);
        }
        int[] table = new int[256];
        Arrays.fill(table, NONE);
        for (int c = 0; c < numClasses; c++) {
            table[c] = c;
        }
        return new LabelEncoding("trainIds", numClasses, table);
    }

    /** Cityscapes label ids: the 19 evaluated label ids map to train ids 0..18, all others are ignored. */
    public static LabelEncoding cityscapesLabelIds() {
        int[] table = new int[256];
        for (int v = 0; v < 256; v++) {
            int t = CityscapesLabels.trainId(v);
            table[v] = t == CityscapesLabels.IGNORE ? NONE : t;
        }
        return new LabelEncoding("cityscapesLabelIds", CityscapesLabels.NUM_CLASSES, table);
    }

    public String name() {
        return name;
    }

    public int numClasses() {
        return numClasses;
    }

    /** The class of a pixel value, or -1 when the value is none of the classes. */
    public int classOf(int value) {
        return value >= 0 && value < 256 ? classOf[value] : NONE;
    }

    @Override
    public String toString() {
        return name + "(" + numClasses + " classes)";
    }
}
