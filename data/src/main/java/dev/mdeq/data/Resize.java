package dev.mdeq.data;

/**
 * Image resizing, bit-exact with the libraries the reference's pipelines call:
 * <ul>
 *   <li>{@link #linear}: OpenCV {@code cv2.resize(..., INTER_LINEAR)} on 8-bit images (half-pixel
 *       centres, border replicate, 11-bit fixed-point weights and OpenCV's rounding), used by the
 *       Cityscapes pipeline;</li>
 *   <li>{@link #nearest}: OpenCV {@code INTER_NEAREST} ({@code src = floor(dst * src/dst)}, not
 *       half-pixel), used for label maps;</li>
 *   <li>{@link #pilBilinear}: PIL's {@code Image.resize(..., BILINEAR)} (a triangle filter whose
 *       support widens when shrinking, i.e. antialiased; 22-bit fixed point; horizontal pass, then
 *       vertical, each rounded to 8 bits), what torchvision's Resize / RandomResizedCrop do to PIL
 *       images (ImageNet).</li>
 * </ul>
 * Checked against OpenCV 4.6 and Pillow 9.4 outputs in the tests.
 */
public final class Resize {
    private static final int COEF_BITS = 11;
    private static final int COEF_SCALE = 1 << COEF_BITS;
    private static final int PIL_PRECISION_BITS = 32 - 8 - 2;

    private Resize() {
    }

    /** OpenCV INTER_LINEAR to {@code width x height}. */
    public static ImageU8 linear(ImageU8 src, int width, int height) {
        checkSize(width, height);
        if (width == src.width() && height == src.height()) {
            return copy(src);
        }
        return linearWindow(src, width, height, 0, 0, height, width);
    }

    /**
     * The {@code winHeight x winWidth} window at (top, left) of the OpenCV INTER_LINEAR resize to
     * {@code width x height}, computed without the rest of the image (every output pixel depends
     * only on its own coordinates, so the window equals the crop of the full resize).
     */
    public static ImageU8 linearWindow(ImageU8 src, int width, int height, int top, int left, int winHeight,
            int winWidth) {
        checkSize(width, height);
        checkWindow(width, height, top, left, winHeight, winWidth);
        int cn = src.channels();
        int sw = src.width();
        int sh = src.height();
        // Horizontal coefficients, computed as OpenCV does: float source coordinate, clamped at
        // both borders by setting the fraction to 0.
        int[] xofs = new int[winWidth];
        short[] xa0 = new short[winWidth];
        short[] xa1 = new short[winWidth];
        double scaleX = 1.0 / ((double) width / sw);
        for (int i = 0; i < winWidth; i++) {
            int dx = left + i;
            float fx = (float) ((dx + 0.5) * scaleX - 0.5);
            int sx = (int) Math.floor(fx);
            fx -= sx;
            if (sx < 0) {
                fx = 0;
                sx = 0;
            }
            if (sx >= sw - 1) {
                fx = 0;
                sx = sw - 1;
            }
            xofs[i] = sx;
            xa0[i] = fixed(1.0f - fx);
            xa1[i] = fixed(fx);
        }
        double scaleY = 1.0 / ((double) height / sh);
        byte[] in = src.data();
        byte[] out = new byte[winWidth * winHeight * cn];
        // Rows are horizontally resized once each and cached (OpenCV's ring of two row buffers).
        int[] row0 = new int[winWidth * cn];
        int[] row1 = new int[winWidth * cn];
        int row0Index = -1;
        int row1Index = -1;
        for (int j = 0; j < winHeight; j++) {
            int dy = top + j;
            float fy = (float) ((dy + 0.5) * scaleY - 0.5);
            int sy = (int) Math.floor(fy);
            fy -= sy;
            int b0 = fixed(1.0f - fy);
            int b1 = fixed(fy);
            int y0 = clamp(sy, sh - 1);
            int y1 = clamp(sy + 1, sh - 1);
            if (y0 != row0Index) {
                if (y0 == row1Index) {
                    int[] t = row0;
                    row0 = row1;
                    row1 = t;
                    row1Index = -1;
                } else {
                    horizontalLinear(in, y0, sw, cn, xofs, xa0, xa1, row0);
                }
                row0Index = y0;
            }
            if (y1 != row1Index) {
                horizontalLinear(in, y1, sw, cn, xofs, xa0, xa1, row1);
                row1Index = y1;
            }
            int o = j * winWidth * cn;
            for (int i = 0; i < winWidth * cn; i++) {
                // OpenCV's VResizeLinear<uchar> rounding: ((b0*(S0>>4))>>16 + (b1*(S1>>4))>>16 + 2) >> 2.
                out[o + i] = (byte) ((((b0 * (row0[i] >> 4)) >> 16) + ((b1 * (row1[i] >> 4)) >> 16) + 2) >> 2);
            }
        }
        return new ImageU8(winHeight, winWidth, cn, out);
    }

    private static void horizontalLinear(byte[] in, int y, int sw, int cn, int[] xofs, short[] a0, short[] a1,
            int[] row) {
        int base = y * sw * cn;
        int width = xofs.length;
        for (int dx = 0; dx < width; dx++) {
            int sx = xofs[dx];
            int sx1 = Math.min(sx + 1, sw - 1);
            int p0 = base + sx * cn;
            int p1 = base + sx1 * cn;
            for (int c = 0; c < cn; c++) {
                row[dx * cn + c] = (in[p0 + c] & 0xFF) * a0[dx] + (in[p1 + c] & 0xFF) * a1[dx];
            }
        }
    }

    /** OpenCV's saturate_cast&lt;short&gt;(w * 2048): round half to even. */
    private static short fixed(float weight) {
        return (short) Math.rint(weight * COEF_SCALE);
    }

    private static int clamp(int v, int max) {
        return v < 0 ? 0 : Math.min(v, max);
    }

    /** OpenCV INTER_NEAREST to {@code width x height} (any channel count; labels keep their values). */
    public static ImageU8 nearest(ImageU8 src, int width, int height) {
        return nearestWindow(src, width, height, 0, 0, height, width);
    }

    /** The window at (top, left) of the OpenCV INTER_NEAREST resize to {@code width x height}. */
    public static ImageU8 nearestWindow(ImageU8 src, int width, int height, int top, int left, int winHeight,
            int winWidth) {
        checkSize(width, height);
        checkWindow(width, height, top, left, winHeight, winWidth);
        int cn = src.channels();
        double ifx = 1.0 / ((double) width / src.width());
        double ify = 1.0 / ((double) height / src.height());
        int[] xofs = new int[winWidth];
        for (int i = 0; i < winWidth; i++) {
            xofs[i] = Math.min((int) Math.floor((left + i) * ifx), src.width() - 1);
        }
        byte[] in = src.data();
        byte[] out = new byte[winWidth * winHeight * cn];
        for (int j = 0; j < winHeight; j++) {
            int sy = Math.min((int) Math.floor((top + j) * ify), src.height() - 1);
            int rowIn = sy * src.width() * cn;
            int rowOut = j * winWidth * cn;
            if (cn == 1) {
                for (int i = 0; i < winWidth; i++) {
                    out[rowOut + i] = in[rowIn + xofs[i]];
                }
            } else {
                for (int i = 0; i < winWidth; i++) {
                    System.arraycopy(in, rowIn + xofs[i] * cn, out, rowOut + i * cn, cn);
                }
            }
        }
        return new ImageU8(winHeight, winWidth, cn, out);
    }

    /** PIL {@code resize((width, height), BILINEAR)}. */
    public static ImageU8 pilBilinear(ImageU8 src, int width, int height) {
        checkSize(width, height);
        ImageU8 out = src;
        if (width != src.width()) {
            out = pilPass(out, width, true);
        }
        if (height != src.height()) {
            out = pilPass(out, height, false);
        }
        return out == src ? copy(src) : out;
    }

    /** One separable pass of PIL's ImagingResample with the bilinear (triangle) filter. */
    private static ImageU8 pilPass(ImageU8 src, int outSize, boolean horizontal) {
        int inSize = horizontal ? src.width() : src.height();
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale; // the bilinear filter's support is 1
        int[] bounds = new int[outSize * 2];
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] kk = new int[outSize * ksize];
        double[] w = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double total = 0;
            for (int x = 0; x < xmax; x++) {
                double t = Math.abs((x + xmin - center + 0.5) * ss);
                w[x] = t < 1.0 ? 1.0 - t : 0.0;
                total += w[x];
            }
            for (int x = 0; x < xmax; x++) {
                double k = total != 0.0 ? w[x] / total : w[x];
                double scaled = k * (1 << PIL_PRECISION_BITS);
                kk[xx * ksize + x] = (int) (k < 0 ? -0.5 + scaled : 0.5 + scaled);
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        int cn = src.channels();
        int outW = horizontal ? outSize : src.width();
        int outH = horizontal ? src.height() : outSize;
        byte[] in = src.data();
        byte[] out = new byte[outW * outH * cn];
        int half = 1 << (PIL_PRECISION_BITS - 1);
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int o = horizontal ? x : y;
                int xmin = bounds[o * 2];
                int n = bounds[o * 2 + 1];
                for (int c = 0; c < cn; c++) {
                    long acc = half;
                    for (int k = 0; k < n; k++) {
                        int idx = horizontal ? (y * src.width() + xmin + k) * cn + c
                                : ((xmin + k) * src.width() + x) * cn + c;
                        acc += (long) (in[idx] & 0xFF) * kk[o * ksize + k];
                    }
                    out[(y * outW + x) * cn + c] = (byte) clip8(acc);
                }
            }
        }
        return new ImageU8(outH, outW, cn, out);
    }

    private static int clip8(long acc) {
        long v = acc >> PIL_PRECISION_BITS;
        return (int) Math.max(0, Math.min(255, v));
    }

    private static ImageU8 copy(ImageU8 src) {
        return new ImageU8(src.height(), src.width(), src.channels(), src.data().clone());
    }

    private static void checkWindow(int width, int height, int top, int left, int winHeight, int winWidth) {
        if (top < 0 || left < 0 || winHeight < 1 || winWidth < 1 || top + winHeight > height
                || left + winWidth > width) {
            throw new IllegalArgumentException("window " + winWidth + "x" + winHeight + " at (" + left + ", " + top
                    + ") does not fit in " + width + "x" + height);
        }
    }

    private static void checkSize(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("resize target must be at least 1x1, got " + width + "x" + height);
        }
    }
}
