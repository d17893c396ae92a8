package dev.mdeq.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A synthetic data set in the exact Cityscapes layout, for the local demo and tests: street scenes
 * drawn from simple shapes (sky, buildings with windows, vegetation, sidewalk, terrain, road with
 * lane marks, poles with traffic signs and lights, cars, persons, and the ego vehicle's bonnet,
 * which Cityscapes labels as ignored), each class with its own colour range and texture so that a
 * small model can learn them. Written as
 * <pre>
 * cityscapes/leftImg8bit/{train,val}/&lt;city&gt;/&lt;city&gt;_&lt;seq&gt;_&lt;frame&gt;_leftImg8bit.png     RGB
 * cityscapes/gtFine/{train,val}/&lt;city&gt;/&lt;city&gt;_&lt;seq&gt;_&lt;frame&gt;_gtFine_labelIds.png  8-bit label ids
 * list/cityscapes/{train,val}.lst                                               "image label" lines
 * </pre>
 * Every image is a function of (seed, split, index); the list files are written last, so a set
 * whose lists exist is complete.
 */
public final class SyntheticCityscapes {
    static final String[] TRAIN_CITIES = {"aachen", "bochum", "bremen", "cologne", "darmstadt"};
    static final String[] VAL_CITIES = {"frankfurt", "lindau", "munster"};
    private static final int FRAME = 19;

    // Cityscapes label ids (gtFine *_labelIds.png values).
    static final int EGO_VEHICLE = 1;
    static final int ROAD = 7;
    static final int SIDEWALK = 8;
    static final int BUILDING = 11;
    static final int POLE = 17;
    static final int TRAFFIC_LIGHT = 19;
    static final int TRAFFIC_SIGN = 20;
    static final int VEGETATION = 21;
    static final int TERRAIN = 22;
    static final int SKY = 23;
    static final int PERSON = 24;
    static final int CAR = 26;

    private SyntheticCityscapes() {
    }

    /**
     * What to generate.
     *
     * @param trainImages images in the train split
     * @param valImages images in the val split
     * @param height image height
     * @param width image width
     * @param seed the seed of every image
     */
    public record Spec(int trainImages, int valImages, int height, int width, long seed) {
        public Spec {
            if (trainImages < 1 || valImages < 0) {
                throw new IllegalArgumentException("need at least 1 training image and no negative count, got "
                        + trainImages + " train, " + valImages + " val");
            }
            if (height < 16 || width < 16) {
                throw new IllegalArgumentException("images must be at least 16x16, got " + height + "x" + width);
            }
        }
    }

    /** Where the files go: a folder or an object store. */
    @FunctionalInterface
    public interface Output {
        void write(String key, byte[] bytes);
    }

    /** One generated scene. */
    public record Scene(ImageU8 image, ImageU8 labelIds) {
    }

    /** Writes the whole data set with {@code threads} threads drawing and encoding; returns the keys written. */
    public static List<String> generate(Spec spec, Output out, int threads) {
        List<String> keys = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            StringBuilder trainList = new StringBuilder();
            StringBuilder valList = new StringBuilder();
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int split = 0; split < 2; split++) {
                String name = split == 0 ? "train" : "val";
                String[] cities = split == 0 ? TRAIN_CITIES : VAL_CITIES;
                int count = split == 0 ? spec.trainImages() : spec.valImages();
                StringBuilder list = split == 0 ? trainList : valList;
                for (int i = 0; i < count; i++) {
                    String city = cities[i % cities.length];
                    String stem = String.format("%s_%06d_%06d", city, i / cities.length, FRAME);
                    String image = "leftImg8bit/" + name + "/" + city + "/" + stem + "_leftImg8bit.png";
                    String label = "gtFine/" + name + "/" + city + "/" + stem + "_gtFine_labelIds.png";
                    list.append(image).append(' ').append(label).append('\n');
                    int splitIndex = split;
                    int index = i;
                    futures.add(pool.submit(() -> {
                        Scene scene = render(spec.height(), spec.width(),
                                DataRandom.forSample(spec.seed(), splitIndex, index));
                        out.write("cityscapes/" + image, ImageFiles.encodePng(scene.image()));
                        out.write("cityscapes/" + label, ImageFiles.encodePng(scene.labelIds()));
                        return List.of("cityscapes/" + image, "cityscapes/" + label);
                    }));
                }
            }
            for (Future<List<String>> f : futures) {
                keys.addAll(f.get());
            }
            out.write("list/cityscapes/train.lst", trainList.toString().getBytes(StandardCharsets.UTF_8));
            out.write("list/cityscapes/val.lst", valList.toString().getBytes(StandardCharsets.UTF_8));
            keys.add("list/cityscapes/train.lst");
            keys.add("list/cityscapes/val.lst");
            return keys;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("generating the synthetic data set failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while generating the synthetic data set");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Draws one street scene of {@code height x width}. */
    public static Scene render(int height, int width, DataRandom r) {
        Canvas c = new Canvas(height, width, r);
        int horizon = (int) (height * r.uniform(0.38, 0.5));
        int roadTop = horizon + Math.max(2, (int) (height * r.uniform(0.06, 0.1)));
        int egoTop = height - Math.max(1, (int) (height * r.uniform(0.05, 0.08)));

        // Sky: a vertical gradient, lighter towards the horizon.
        for (int y = 0; y < horizon; y++) {
            double t = (double) y / Math.max(1, horizon);
            c.fillRect(0, y, width, y + 1, SKY, (int) (70 + 80 * t), (int) (130 + 60 * t), (int) (180 + 50 * t), 4);
        }
        // Buildings: a row of blocks with window grids.
        int x = 0;
        while (x < width) {
            int w = Math.max(4, (int) (width * r.uniform(0.08, 0.2)));
            int top = Math.max(0, horizon - (int) (height * r.uniform(0.12, 0.4)));
            int grey = r.randint(55, 110);
            int warm = r.randint(-10, 15);
            c.fillRect(x, top, x + w, roadTop, BUILDING, grey + warm, grey, grey - warm, 6);
            int cell = Math.max(3, height / 24);
            for (int wy = top + cell / 2; wy + cell / 2 < horizon; wy += cell) {
                for (int wx = x + cell / 2; wx + cell / 2 < x + w; wx += cell) {
                    int shade = r.randint(20, 45);
                    c.fillRect(wx, wy, wx + cell / 2, wy + cell / 2, BUILDING, shade, shade + 10, shade + 25, 3);
                }
            }
            x += w;
        }
        // Trees: round canopies with a strongly textured green.
        int trees = r.randint(1, 4);
        for (int i = 0; i < trees; i++) {
            int cx = r.randint(0, width - 1);
            int radius = Math.max(3, (int) (height * r.uniform(0.06, 0.13)));
            int cy = horizon - radius / 2;
            c.fillRect(cx - Math.max(1, radius / 6), cy, cx + Math.max(1, radius / 6), roadTop, VEGETATION, 70, 50, 30, 8);
            c.fillEllipse(cx, cy, radius, radius, VEGETATION, 100, 140, 40, 35);
        }
        // Sidewalk band, terrain patches on it, then the road with a dashed centre line.
        c.fillRect(0, horizon, width, roadTop, SIDEWALK, 200, 60, 190, 10);
        int patches = r.randint(0, 2);
        for (int i = 0; i < patches; i++) {
            int px = r.randint(0, width - 1);
            int pw = Math.max(3, (int) (width * r.uniform(0.05, 0.15)));
            c.fillRect(px, horizon + (roadTop - horizon) / 3, px + pw, roadTop, TERRAIN, 150, 230, 140, 12);
        }
        c.fillRect(0, roadTop, width, height, ROAD, 120, 70, 120, 6);
        int lineY = (roadTop + egoTop) / 2;
        int dash = Math.max(4, width / 16);
        for (int lx = r.randint(0, dash); lx < width; lx += 2 * dash) {
            c.fillRect(lx, lineY, lx + dash, lineY + Math.max(1, height / 80), ROAD, 235, 235, 235, 4);
        }
        // Poles carrying a traffic sign (yellow) or a traffic light (orange).
        int poles = r.randint(1, 3);
        for (int i = 0; i < poles; i++) {
            int px = r.randint(0, width - 1);
            int pw = Math.max(1, width / 200);
            int top = Math.max(0, horizon - (int) (height * r.uniform(0.15, 0.3)));
            c.fillRect(px, top, px + pw, roadTop, POLE, 150, 150, 150, 5);
            int s = Math.max(2, height / 30);
            if (r.bernoulli(0.5)) {
                c.fillRect(px - s, top, px + s, top + s, TRAFFIC_SIGN, 220, 215, 10, 8);
            } else {
                c.fillRect(px - s / 2, top, px + s / 2 + 1, top + 2 * s, TRAFFIC_LIGHT, 245, 165, 30, 8);
            }
        }
        // Persons on the sidewalk: body ellipse and head.
        int persons = r.randint(0, 3);
        for (int i = 0; i < persons; i++) {
            int px = r.randint(0, width - 1);
            int ph = Math.max(6, (int) (height * r.uniform(0.1, 0.18)));
            int feet = roadTop + r.randint(-2, 2);
            c.fillEllipse(px, feet - ph * 2 / 5, Math.max(2, ph / 7), ph * 2 / 5, PERSON, 215, 25, 60, 15);
            c.fillEllipse(px, feet - ph * 17 / 20, Math.max(1, ph / 9), Math.max(1, ph / 9), PERSON, 225, 170, 140, 8);
        }
        // Cars on the road, larger when nearer (lower): body, windows, wheels.
        int cars = r.randint(1, 4);
        for (int i = 0; i < cars; i++) {
            int bottom = r.randint(roadTop + (egoTop - roadTop) / 3, egoTop);
            double near = (double) (bottom - roadTop) / Math.max(1, egoTop - roadTop);
            int cw = Math.max(6, (int) (width * (0.08 + 0.14 * near)));
            int ch = Math.max(4, cw * 2 / 5);
            int cx = r.randint(-cw / 3, width - 1);
            int blue = r.randint(110, 170);
            c.fillRect(cx, bottom - ch, cx + cw, bottom - ch / 4, CAR, 10, 10, blue, 10);
            c.fillRect(cx + cw / 6, bottom - ch * 13 / 10, cx + cw * 5 / 6, bottom - ch + 1, CAR, 15, 15, blue - 50, 6);
            c.fillRect(cx + cw / 5, bottom - ch * 12 / 10, cx + cw * 4 / 5, bottom - ch, CAR, 120, 150, 170, 6);
            int wheel = Math.max(1, ch / 4);
            c.fillEllipse(cx + cw / 5, bottom - wheel, wheel, wheel, CAR, 20, 20, 20, 4);
            c.fillEllipse(cx + cw * 4 / 5, bottom - wheel, wheel, wheel, CAR, 20, 20, 20, 4);
        }
        // The ego vehicle's bonnet at the bottom (ignored by the benchmark).
        c.fillRect(0, egoTop, width, height, EGO_VEHICLE, 40, 40, 45, 3);
        return new Scene(c.image, c.labels);
    }

    /** Pixels and label ids drawn together, each fill with its own noise. */
    private static final class Canvas {
        final ImageU8 image;
        final ImageU8 labels;
        final DataRandom random;

        Canvas(int height, int width, DataRandom random) {
            this.image = ImageU8.zeros(height, width, 3);
            this.labels = ImageU8.zeros(height, width, 1);
            this.random = random;
        }

        void fillRect(int x0, int y0, int x1, int y1, int labelId, int red, int green, int blue, int noise) {
            int xa = Math.max(0, x0);
            int xb = Math.min(image.width(), x1);
            int ya = Math.max(0, y0);
            int yb = Math.min(image.height(), y1);
            for (int y = ya; y < yb; y++) {
                for (int x = xa; x < xb; x++) {
                    paint(y, x, labelId, red, green, blue, noise);
                }
            }
        }

        void fillEllipse(int cx, int cy, int rx, int ry, int labelId, int red, int green, int blue, int noise) {
            for (int y = Math.max(0, cy - ry); y <= Math.min(image.height() - 1, cy + ry); y++) {
                for (int x = Math.max(0, cx - rx); x <= Math.min(image.width() - 1, cx + rx); x++) {
                    double dx = (x - cx) / (double) rx;
                    double dy = (y - cy) / (double) ry;
                    if (dx * dx + dy * dy <= 1.0) {
                        paint(y, x, labelId, red, green, blue, noise);
                    }
                }
            }
        }

        private void paint(int y, int x, int labelId, int red, int green, int blue, int noise) {
            int n = noise == 0 ? 0 : random.randint(-noise, noise);
            image.set(y, x, 0, clamp(red + n + (noise == 0 ? 0 : random.randint(-2, 2))));
            image.set(y, x, 1, clamp(green + n));
            image.set(y, x, 2, clamp(blue + n));
            labels.set(y, x, 0, labelId);
        }

        private static int clamp(int v) {
            return Math.max(0, Math.min(255, v));
        }
    }
}
