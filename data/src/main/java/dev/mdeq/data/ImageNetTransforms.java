package dev.mdeq.data;

/**
 * The ImageNet transforms of the reference's cls_train.py (torchvision on PIL images), with
 * S = MODEL.IMAGE_SIZE[0] (224 in every preset): training {@code RandomResizedCrop(S)} (scale
 * (0.08, 1), ratio (3/4, 4/3), 10 attempts then the centre fallback, bilinear) +
 * {@code RandomHorizontalFlip()}; validation {@code Resize(int(S / 0.875))} (shorter side to 256)
 * + {@code CenterCrop(S)}. Resizing is PIL's antialiased bilinear ({@link Resize#pilBilinear}).
 */
public final class ImageNetTransforms {
    private static final double SCALE_MIN = 0.08;
    private static final double SCALE_MAX = 1.0;
    private static final double RATIO_MIN = 3.0 / 4.0;
    private static final double RATIO_MAX = 4.0 / 3.0;

    private ImageNetTransforms() {
    }

    /** A crop rectangle in pixels. */
    public record Box(int top, int left, int height, int width) {
    }

    /** torchvision's {@code RandomResizedCrop.get_params} for an image of {@code width x height}. */
    public static Box randomResizedCropBox(int width, int height, DataRandom random) {
        double area = (double) height * width;
        double logLo = Math.log(RATIO_MIN);
        double logHi = Math.log(RATIO_MAX);
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * random.uniform(SCALE_MIN, SCALE_MAX);
            double aspect = Math.exp(random.uniform(logLo, logHi));
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int top = random.randint(0, height - h);
                int left = random.randint(0, width - w);
                return new Box(top, left, h, w);
            }
        }
        return centreFallback(width, height);
    }

    /** The fallback after 10 failed attempts: the largest centred crop whose ratio lies in [3/4, 4/3]. */
    static Box centreFallback(int width, int height) {
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < RATIO_MIN) {
            w = width;
            h = (int) Math.rint(w / RATIO_MIN);
        } else if (inRatio > RATIO_MAX) {
            h = height;
            w = (int) Math.rint(h * RATIO_MAX);
        } else {
            w = width;
            h = height;
        }
        return new Box((height - h) / 2, (width - w) / 2, h, w);
    }

    /** Training: random resized crop to {@code size x size}, then a horizontal flip with probability 0.5. */
    public static ImageU8 train(ImageU8 image, int size, DataRandom random) {
        Box box = randomResizedCropBox(image.width(), image.height(), random);
        ImageU8 crop = image.crop(box.top(), box.left(), box.height(), box.width());
        ImageU8 out = Resize.pilBilinear(crop, size, size);
        return random.bernoulli(0.5) ? out.flipHorizontal() : out;
    }

    /**
     * Validation: shorter side to {@code int(size / 0.875)} (256 for 224; longer side
     * {@code int(short * long / old_short)}), then the centre {@code size x size}.
     */
    public static ImageU8 validation(ImageU8 image, int size) {
        int resize = (int) (size / 0.875);
        int w = image.width();
        int h = image.height();
        int newW;
        int newH;
        if (w <= h) {
            newW = resize;
            newH = (int) ((long) resize * h / w);
        } else {
            newH = resize;
            newW = (int) ((long) resize * w / h);
        }
        ImageU8 resized = Resize.pilBilinear(image, newW, newH);
        int top = (int) Math.rint((newH - size) / 2.0);
        int left = (int) Math.rint((newW - size) / 2.0);
        return resized.crop(top, left, size, size);
    }
}
