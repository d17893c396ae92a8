package dev.mdeq.evaluator.predictions;

import dev.mdeq.evaluator.image.LabelImage;
import dev.mdeq.evaluator.image.LabelPngs;
import dev.mdeq.metrics.ConfusionMatrix;
import dev.mdeq.metrics.SyntheticLabels;
import dev.mdeq.data.CityscapesLabels;
import dev.mdeq.runstore.storage.ObjectStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A small Cityscapes-shaped data set in its real on-disk formats, written by the test into object
 * stores: gtFine {@code *_gtFine_labelIds.png} (plus the other gtFine files the benchmark ignores),
 * labelId prediction PNGs and leftImg8bit images.
 */
final class CityscapesFixture {
    static final int W = 64;
    static final int H = 32;
    /** Label ids that the benchmark does not evaluate, mixed into the ground truth. */
    private static final int[] IGNORED_IDS = {0, 1, 4, 6, 9, 14, 29};

    final Map<String, byte[]> truthLabelIds = new LinkedHashMap<>();
    final Map<String, byte[]> predictionLabelIds = new LinkedHashMap<>();
    final List<String> stems = new ArrayList<>();

    /** Writes {@code count} images over two cities. */
    CityscapesFixture(int count, long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < count; i++) {
            String city = i % 2 == 0 ? "frankfurt" : "lindau";
            String stem = String.format("%s_%06d_%06d", city, i / 2, 19 + i);
            byte[][] maps = SyntheticLabels.trainIds(W, H, CityscapesLabels.NUM_CLASSES, 0.05, seed * 100 + i);
            byte[] truth = new byte[W * H];
            byte[] pred = new byte[W * H];
            for (int p = 0; p < truth.length; p++) {
                int t = maps[0][p] & 0xff;
                truth[p] = (byte) (t == 255 ? IGNORED_IDS[r.nextInt(IGNORED_IDS.length)] : CityscapesLabels.labelId(t));
                int q = maps[1][p] & 0xff;
                // a few predictions of ids that are no class (void)
                pred[p] = (byte) (r.nextInt(200) == 0 ? 0 : CityscapesLabels.labelId(q));
            }
            truthLabelIds.put(stem, truth);
            predictionLabelIds.put(stem, pred);
            stems.add(stem);
        }
    }

    static String city(String stem) {
        return stem.substring(0, stem.indexOf('_'));
    }

    /** gtFine/val/<city>/<stem>_gtFine_{labelIds,color,instanceIds,labelTrainIds}.png */
    void writeTruth(ObjectStore store) {
        for (String stem : stems) {
            String base = "gtFine/val/" + city(stem) + "/" + stem + "_gtFine_";
            LabelImage labels = new LabelImage(W, H, truthLabelIds.get(stem));
            store.putBytes(base + "labelIds.png", LabelPngs.writeGrey(labels));
            store.putBytes(base + "labelTrainIds.png", LabelPngs.writeGrey(new LabelImage(W, H, new byte[W * H])));
            store.putBytes(base + "instanceIds.png", LabelPngs.writeGrey(new LabelImage(W, H, new byte[W * H])));
            store.putBytes(base + "color.png", png(new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB)));
        }
    }

    /** <city>/<stem>_leftImg8bit.png as the benchmark's submission format names them. */
    void writePredictions(ObjectStore store) {
        for (String stem : stems) {
            store.putBytes(city(stem) + "/" + stem + "_leftImg8bit.png",
                    LabelPngs.writeGrey(new LabelImage(W, H, predictionLabelIds.get(stem))));
        }
    }

    /** leftImg8bit/val/<city>/<stem>_leftImg8bit.png (RGB photos). */
    void writeImages(ObjectStore store) {
        Random r = new Random(5);
        for (String stem : stems) {
            BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    image.setRGB(x, y, r.nextInt(1 << 24));
                }
            }
            store.putBytes("leftImg8bit/val/" + city(stem) + "/" + stem + "_leftImg8bit.png", png(image));
        }
    }

    /** The confusion matrix of the given images, counted pixel by pixel from the definitions. */
    ConfusionMatrix expectedMatrix(List<String> which) {
        ConfusionMatrix m = new ConfusionMatrix(CityscapesLabels.NUM_CLASSES);
        for (String stem : which) {
            byte[] t = truthLabelIds.get(stem);
            byte[] p = predictionLabelIds.get(stem);
            for (int i = 0; i < t.length; i++) {
                int tc = CityscapesLabels.trainId(t[i] & 0xff);
                int pc = CityscapesLabels.trainId(p[i] & 0xff);
                if (tc == CityscapesLabels.IGNORE) {
                    m.addIgnored(1);
                } else {
                    m.add(tc, pc == CityscapesLabels.IGNORE ? CityscapesLabels.NUM_CLASSES : pc, 1);
                }
            }
        }
        return m;
    }

    static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
