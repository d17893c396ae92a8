package dev.mdeq.data;

/** HWC 8-bit images to normalised CHW float32 (torchvision's ToTensor + Normalize, numpy's transpose). */
final class Chw {
    private Chw() {
    }

    /** Every pixel through the channel's normalisation table, channels first. */
    static float[] normalize(ImageU8 image, Normalization norm) {
        int cn = image.channels();
        int n = image.height() * image.width();
        byte[] in = image.data();
        float[] out = new float[cn * n];
        for (int c = 0; c < cn; c++) {
            float[] table = norm.table(c);
            int o = c * n;
            for (int i = 0; i < n; i++) {
                out[o + i] = table[in[i * cn + c] & 0xFF];
            }
        }
        return out;
    }
}
