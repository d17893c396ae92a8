package dev.mdeq.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mdeq.config.Presets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every reference preset builds a model with exactly the reference's trainable parameter count (docs/reference-model.md §2). */
class ParameterCountTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "cifar/cls_mdeq_TINY, 158986",
        "cifar/cls_mdeq_LARGE, 11098398",
        "imagenet/cls_mdeq_SMALL, 16808936",
        "imagenet/cls_mdeq_LARGE, 90463280",
        "imagenet/cls_mdeq_XL, 90463280",
        "cityscapes/seg_mdeq_SMALL, 8968467",
        "cityscapes/seg_mdeq_LARGE, 55955859",
        "cityscapes/seg_mdeq_XL, 79551755"
    })
    void trainableParametersMatchTheReference(String preset, long expected) {
        MdeqNet net = MdeqNet.build(Architecture.from(Presets.load(preset, List.of())));
        assertEquals(expected, net.trainableParameterCount());
    }
}
