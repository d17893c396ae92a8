package dev.mdeq.data;

/**
 * The random numbers of the data pipeline: SplitMix64, written out here so that a seed gives the
 * same stream on every JVM forever (a resumed run must redraw exactly the same permutation and
 * augmentations). Not thread-safe: every sample gets its own instance, derived from
 * (seed, epoch, sample index) by {@link #forSample}, so results do not depend on which worker
 * thread decodes which sample.
 */
public final class DataRandom {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    /** Stream tags keep the order stream and the per-sample streams of one epoch apart. */
    private static final long ORDER_STREAM = 0x4F52444552L;
    private static final long SAMPLE_STREAM = 0x53414D504CL;

    private long state;

    public DataRandom(long seed) {
        this.state = mix(seed);
    }

    /** The generator of the permutation of one epoch. */
    public static DataRandom forOrder(long seed, int epoch) {
        return new DataRandom(derive(seed, ORDER_STREAM, epoch, 0));
    }

    /** The generator of one sample's augmentation in one epoch. */
    public static DataRandom forSample(long seed, int epoch, int index) {
        return new DataRandom(derive(seed, SAMPLE_STREAM, epoch, index));
    }

    private static long derive(long seed, long stream, long a, long b) {
        long h = mix(seed ^ stream);
        h = mix(h + GOLDEN_GAMMA * (a + 1));
        return mix(h + GOLDEN_GAMMA * (b + 1));
    }

    /** The SplitMix64 finaliser (Stafford variant 13). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /** Uniform in [0, bound), without modulo bias (java.util.Random's rejection rule on 31 bits). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        int r = (int) (nextLong() >>> 33);
        int m = bound - 1;
        if ((bound & m) == 0) {
            return (int) ((bound * (long) r) >> 31);
        }
        for (int u = r; u - (r = u % bound) + m < 0; u = (int) (nextLong() >>> 33)) {
            // rejected: u fell into the incomplete last block of size bound
        }
        return r;
    }

    /** Uniform integer in [lo, hi], both ends included (Python's random.randint). */
    public int randint(int lo, int hi) {
        if (hi < lo) {
            throw new IllegalArgumentException("empty range [" + lo + ", " + hi + "]");
        }
        return lo + nextInt(hi - lo + 1);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** True with probability p. */
    public boolean bernoulli(double p) {
        return nextDouble() < p;
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
