package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.config.Presets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelSummaryTest {

    private static ModelSummary summary(String preset, String... overrides) {
        return ModelSummary.of(MdeqNet.build(Architecture.from(Presets.load(preset, List.of(overrides)))));
    }

    /** FLOPs of one f evaluation as measured on the reference (PERFORMANCE.md), within 0.5%. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "cifar/cls_mdeq_TINY, 137e6",
        "cifar/cls_mdeq_LARGE, 823e6",
        "imagenet/cls_mdeq_SMALL, 2.52e9",
    })
    void fFlopsMatchTheReferenceMeasurements(String preset, double expected) {
        long flops = summary(preset).fFlops();
        assertEquals(expected, flops, expected * 0.005, "f FLOPs of " + preset + ": " + flops);
    }

    @Test
    void segmentationAtFullResolution() {
        long flops = summary("cityscapes/seg_mdeq_SMALL", "TRAIN.IMAGE_SIZE", "[2048, 1024]").fFlops();
        assertEquals(105e9, flops, 105e9 * 0.005, "CS SMALL f FLOPs at 1024x2048: " + flops);
    }

    @Test
    void partsAddUpAndStateSizesAreTheReferences() {
        ModelSummary tiny = summary("cifar/cls_mdeq_TINY");
        assertEquals(158_986, tiny.parts().stream().mapToLong(ModelSummary.Part::parameters).sum());
        assertEquals(158_986, tiny.trainableParameters());
        assertEquals(30_720, tiny.state().perSample());
        assertEquals(61_440, summary("cifar/cls_mdeq_LARGE").state().perSample());
        assertEquals(188_160, summary("imagenet/cls_mdeq_SMALL").state().perSample());
        assertEquals(517_440, summary("imagenet/cls_mdeq_LARGE").state().perSample());
        assertEquals(1_966_080, summary("cityscapes/seg_mdeq_SMALL").state().perSample());
        String text = tiny.render("cifar/cls_mdeq_TINY");
        assertTrue(text.contains("158,986") && text.contains("D = 30,720") && text.contains("137.1"), text);
        String large = summary("cityscapes/seg_mdeq_XL").render("cityscapes/seg_mdeq_XL");
        assertTrue(large.lines().allMatch(line -> line.length() <= 80), "fits an 80-column terminal:\n" + large);
    }
}
