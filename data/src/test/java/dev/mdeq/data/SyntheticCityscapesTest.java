package dev.mdeq.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticCityscapesTest {
    @TempDir
    Path dir;

    private static SyntheticCityscapes.Output folder(Path root) {
        return (key, bytes) -> {
            try {
                Path file = root.resolve(key);
                Files.createDirectories(file.getParent());
                Files.write(file, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    @Test
    void writesTheCityscapesLayoutThatTheDemoPresetReads() throws IOException {
        List<String> keys = SyntheticCityscapes.generate(new SyntheticCityscapes.Spec(6, 3, 64, 128, 5), folder(dir), 2);
        assertEquals(2 * 9 + 2, keys.size());
        List<String> train = Files.readAllLines(dir.resolve("list/cityscapes/train.lst"));
        assertEquals(6, train.size());
        assertEquals("leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png "
                + "gtFine/train/aachen/aachen_000000_000019_gtFine_labelIds.png", train.get(0));
        assertEquals("leftImg8bit/train/aachen/aachen_000001_000019_leftImg8bit.png "
                + "gtFine/train/aachen/aachen_000001_000019_gtFine_labelIds.png", train.get(5));
        assertTrue(Files.isRegularFile(dir.resolve("cityscapes/leftImg8bit/val/munster/munster_000000_000019_leftImg8bit.png")));

        ExperimentConfig config = Presets.load("demo/seg_mdeq_tiny", List.of("DATASET.ROOT", dir.toString(),
                "TEST.IMAGE_SIZE", "[128, 64]"));
        ImageDataset val = Datasets.validation(config, dir);
        assertEquals(3, val.size());
        Sample s = val.get(0, new DataRandom(0));
        assertEquals(64, s.height());
        assertEquals(128, s.width());
        Set<Integer> classes = new TreeSet<>();
        for (int i = 0; i < val.size(); i++) {
            for (int label : val.get(i, new DataRandom(0)).labels()) {
                classes.add(label);
            }
        }
        // road, sidewalk, building, pole, vegetation, sky, car at least, and the ignored ego vehicle.
        assertTrue(classes.containsAll(Set.of(0, 1, 2, 5, 8, 10, 13, 255)), classes.toString());

        ImageDataset training = Datasets.training(config, dir);
        Sample crop = training.get(2, new DataRandom(1));
        assertEquals(64, crop.height());
        assertEquals(128, crop.width());
    }

    @Test
    void classesHaveDistinctColoursAndTheSetIsDeterministic() {
        SyntheticCityscapes.Scene a = SyntheticCityscapes.render(96, 192, DataRandom.forSample(3, 0, 7));
        SyntheticCityscapes.Scene b = SyntheticCityscapes.render(96, 192, DataRandom.forSample(3, 0, 7));
        SyntheticCityscapes.Scene c = SyntheticCityscapes.render(96, 192, DataRandom.forSample(4, 0, 7));
        assertArrayEquals(a.image().data(), b.image().data());
        assertArrayEquals(a.labelIds().data(), b.labelIds().data());
        assertFalse(java.util.Arrays.equals(a.image().data(), c.image().data()));
        // Mean colour per class: road purple-grey, sky blue, car dark blue, sidewalk pink.
        double[][] sum = new double[256][4];
        for (int y = 0; y < 96; y++) {
            for (int x = 0; x < 192; x++) {
                double[] s = sum[a.labelIds().get(y, x, 0)];
                for (int ch = 0; ch < 3; ch++) {
                    s[ch] += a.image().get(y, x, ch);
                }
                s[3]++;
            }
        }
        double[] sky = mean(sum[SyntheticCityscapes.SKY]);
        double[] road = mean(sum[SyntheticCityscapes.ROAD]);
        double[] car = mean(sum[SyntheticCityscapes.CAR]);
        double[] sidewalk = mean(sum[SyntheticCityscapes.SIDEWALK]);
        assertTrue(sky[2] > sky[0] + 60, "sky is blue");
        assertTrue(car[2] > car[0] + 40 && car[0] < 60, "cars are dark blue");
        assertTrue(sidewalk[0] > road[0] + 40, "sidewalk is brighter pink than the road");
    }

    private static double[] mean(double[] s) {
        assertTrue(s[3] > 0, "class present");
        return new double[] {s[0] / s[3], s[1] / s[3], s[2] / s[3]};
    }
}
