package dev.mdeq.data;

/**
 * The Cityscapes sample generation of the reference ({@code BaseDataset.gen_sample} with
 * {@code input_transform}):
 * <ol>
 *   <li>with TRAIN.MULTI_SCALE: scale {@code s = 0.5 + randint(0, SCALE_FACTOR) / 10}; long side
 *       {@code int(BASE_SIZE * s + 0.5)}, short side {@code int(short * long / long_old + 0.5)};
 *       image OpenCV INTER_LINEAR, label INTER_NEAREST; pad bottom/right to the crop size with 0
 *       (raw pixel) and the ignore label; random crop of TRAIN.IMAGE_SIZE (x then y drawn). Without
 *       MULTI_SCALE the reference neither scales nor crops;</li>
 *   <li>{@code (rgb / 255 - mean) / std} with ImageNet statistics (the reference reverses OpenCV's
 *       BGR, i.e. uses RGB), HWC to CHW;</li>
 *   <li>with TRAIN.FLIP: horizontal flip with probability 0.5.</li>
 * </ol>
 * Validation uses the full image, no scaling, no flip (or, with TEST.CENTER_CROP_TEST, long side to
 * BASE_SIZE then the centre crop). Only the crop window of the resized image is computed; it is
 * identical to cropping the full resize.
 */
public final class CityscapesTransforms {
    private CityscapesTransforms() {
    }

    /**
     * The parameters of gen_sample.
     *
     * @param baseSize TRAIN.BASE_SIZE (TEST.BASE_SIZE for validation)
     * @param cropWidth TRAIN.IMAGE_SIZE[0] (TEST.IMAGE_SIZE[0])
     * @param cropHeight TRAIN.IMAGE_SIZE[1] (TEST.IMAGE_SIZE[1])
     * @param scaleFactor TRAIN.SCALE_FACTOR (16: scales 0.5..2.1)
     * @param multiScale random scaling and cropping
     * @param flip random horizontal flip
     * @param centerCrop TEST.CENTER_CROP_TEST (validation only)
     * @param ignoreLabel TRAIN.IGNORE_LABEL: the label value of ignored and padded pixels
     */
    public record Settings(int baseSize, int cropWidth, int cropHeight, int scaleFactor, boolean multiScale,
            boolean flip, boolean centerCrop, int ignoreLabel) {
    }

    /**
     * Generates one sample from an RGB image and its train-id map (255 = ignore), or an image alone
     * ({@code trainIds} null) for image-only lists.
     */
    public static Sample apply(int index, ImageU8 image, ImageU8 trainIds, Settings settings, DataRandom random) {
        int top = 0;
        int left = 0;
        int outH = image.height();
        int outW = image.width();
        ImageU8 window = image;
        ImageU8 labelWindow = trainIds;
        if (settings.multiScale()) {
            double scale = 0.5 + random.randint(0, settings.scaleFactor()) / 10.0;
            int[] size = scaledSize(image.width(), image.height(), (int) (settings.baseSize() * scale + 0.5));
            int newW = size[0];
            int newH = size[1];
            outW = settings.cropWidth();
            outH = settings.cropHeight();
            int padW = Math.max(newW, outW);
            int padH = Math.max(newH, outH);
            int x = random.randint(0, padW - outW);
            int y = random.randint(0, padH - outH);
            int winW = Math.min(x + outW, newW) - x;
            int winH = Math.min(y + outH, newH) - y;
            window = Resize.linearWindow(image, newW, newH, y, x, winH, winW);
            labelWindow = trainIds == null ? null : Resize.nearestWindow(trainIds, newW, newH, y, x, winH, winW);
        } else if (settings.centerCrop()) {
            int[] size = scaledSize(image.width(), image.height(), settings.baseSize());
            int newW = size[0];
            int newH = size[1];
            // numpy slicing of image[y:y+ch, x:x+cw]: clipped to the image, never padded.
            left = Math.max(0, (int) Math.rint((newW - settings.cropWidth()) / 2.0));
            top = Math.max(0, (int) Math.rint((newH - settings.cropHeight()) / 2.0));
            outW = Math.min(left + settings.cropWidth(), newW) - left;
            outH = Math.min(top + settings.cropHeight(), newH) - top;
            window = Resize.linearWindow(image, newW, newH, top, left, outH, outW);
            labelWindow = trainIds == null ? null : Resize.nearestWindow(trainIds, newW, newH, top, left, outH, outW);
        }
        boolean flip = settings.flip() && random.bernoulli(0.5);
        return toSample(index, window, labelWindow, outH, outW, flip, settings.ignoreLabel());
    }

    /**
     * The reference's image_resize: the long side becomes {@code longSize}, the other
     * int(x * long / old + 0.5); returns {@code {width, height}}.
     */
    public static int[] scaledSize(int width, int height, int longSize) {
        if (height > width) {
            return new int[] {(int) ((double) width * longSize / height + 0.5), longSize};
        }
        return new int[] {longSize, (int) ((double) height * longSize / width + 0.5)};
    }

    /**
     * Writes {@code window} (placed at the top-left of an {@code outH x outW} canvas; the rest is
     * padding: pixel 0, label ignore) as normalised CHW floats, mirrored when {@code flip}.
     */
    private static Sample toSample(int index, ImageU8 window, ImageU8 labelWindow, int outH, int outW, boolean flip,
            int ignoreLabel) {
        Normalization norm = Normalization.CITYSCAPES;
        int n = outH * outW;
        float[] out = new float[3 * n];
        int[] labels = labelWindow == null ? null : new int[n];
        int winH = window.height();
        int winW = window.width();
        byte[] px = window.data();
        for (int c = 0; c < 3; c++) {
            float[] table = norm.table(c);
            float pad = table[0];
            for (int y = 0; y < outH; y++) {
                int rowOut = c * n + y * outW;
                for (int x = 0; x < outW; x++) {
                    int sx = flip ? outW - 1 - x : x;
                    out[rowOut + x] = y < winH && sx < winW ? table[px[(y * winW + sx) * 3 + c] & 0xFF] : pad;
                }
            }
        }
        if (labels != null) {
            byte[] ids = labelWindow.data();
            for (int y = 0; y < outH; y++) {
                for (int x = 0; x < outW; x++) {
                    int sx = flip ? outW - 1 - x : x;
                    int id = y < winH && sx < winW ? ids[y * winW + sx] & 0xFF : CityscapesLabels.IGNORE;
                    labels[y * outW + x] = id == CityscapesLabels.IGNORE ? ignoreLabel : id;
                }
            }
        }
        return new Sample(index, out, 3, outH, outW, labels);
    }
}
