package dev.mdeq.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.model.Architecture;
import dev.mdeq.model.MdeqNet;
import dev.mdeq.model.layers.DropoutMasks;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.WeightNormConv2d;
import dev.mdeq.model.testing.ManagedTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StateDictTest extends ManagedTest {
    private static MdeqNet net(String preset, long seed, String... overrides) {
        MdeqNet net = MdeqNet.build(Architecture.from(Presets.load(preset, List.of(overrides))));
        net.initialize(manager, DataType.FLOAT32, seed);
        return net;
    }

    private static float[] values(MdeqNet net, String key) {
        return net.namedParameters().get(key).getArray().toFloatArray();
    }

    @Test
    void savesAndLoadsEveryParameterAndBuffer() {
        MdeqNet source = net("demo/cls_mdeq_tiny", 1);
        MdeqNet target = net("demo/cls_mdeq_tiny", 2);
        String key = "fullstage.branches.1.blocks.0.conv2.weight_v";
        assertFalse(java.util.Arrays.equals(values(source, key), values(target, key)));
        Map<String, RawTensor> saved = StateDict.save(source);
        assertEquals(source.namedParameters().keySet(), saved.keySet());
        StateDict.LoadReport report = StateDict.load(target, saved, StateDict.Mode.STRICT, "saved");
        assertEquals(saved.size(), report.loaded().size());
        for (String name : saved.keySet()) {
            assertEquals(saved.get(name).data(), RawArrays.toRaw(target.namedParameters().get(name).getArray()).data(),
                    name);
        }
    }

    @Test
    void segmentationCheckpointsLoseTheirPrefixCopiesAndClassWeights() {
        MdeqNet source = net("demo/seg_mdeq_tiny", 1);
        Map<String, RawTensor> checkpoint = new LinkedHashMap<>();
        for (Map.Entry<String, RawTensor> entry : StateDict.save(source).entrySet()) {
            checkpoint.put("model." + entry.getKey(), entry.getValue());
        }
        RawTensor any = checkpoint.values().iterator().next();
        checkpoint.put("loss.criterion.weight", RawTensor.ofFloats(new long[] {19}, new float[19]));
        checkpoint.put("model.fullstage_copy.branches.0.blocks.0.conv1.weight", any);
        checkpoint.put("model.deq.func.branches.0.blocks.0.conv1.weight_g", any);
        checkpoint.put("model.deq.func_copy.post_fuse_layers.0.conv.weight", any);
        MdeqNet target = net("demo/seg_mdeq_tiny", 2);
        StateDict.LoadReport report = StateDict.load(target, checkpoint, StateDict.Mode.STRICT, "ckpt");
        assertEquals(List.of("loss.criterion.weight", "model.fullstage_copy.branches.0.blocks.0.conv1.weight",
                "model.deq.func.branches.0.blocks.0.conv1.weight_g", "model.deq.func_copy.post_fuse_layers.0.conv.weight"),
                List.copyOf(report.ignored().keySet()));
        assertArrayEquals(values(source, "last_layer.3.weight"), values(target, "last_layer.3.weight"));
    }

    @Test
    void aDataParallelPrefixIsStrippedAndDroppedKeysCarryTheirReason() {
        MdeqNet source = net("demo/cls_mdeq_tiny", 1);
        Map<String, RawTensor> wrapped = new LinkedHashMap<>();
        StateDict.save(source).forEach((key, tensor) -> wrapped.put("module." + key, tensor));
        RawTensor any = wrapped.values().iterator().next();
        wrapped.put("module.deq.func.branches.0.blocks.0.conv1.weight_g", any);
        MdeqNet target = net("demo/cls_mdeq_tiny", 2);
        StateDict.LoadReport report = StateDict.load(target, wrapped, StateDict.Mode.STRICT, "dp.npz");
        assertEquals(List.copyOf(target.namedParameters().keySet()), report.loaded());
        assertEquals(Map.of("module.deq.func.branches.0.blocks.0.conv1.weight_g", "alias of fullstage / fullstage_copy"),
                report.ignored());
        assertArrayEquals(values(source, "classifier.weight"), values(target, "classifier.weight"));
    }

    @Test
    void strictLoadListsEveryProblemWithShapesAndLoadsNothing() {
        MdeqNet target = net("demo/cls_mdeq_tiny", 2);
        float[] before = values(target, "classifier.weight");
        Map<String, RawTensor> weights = new LinkedHashMap<>(StateDict.save(net("demo/cls_mdeq_tiny", 1)));
        weights.remove("fullstage.post_fuse_layers.1.gnorm.bias");
        weights.put("classifier.weight", RawTensor.ofFloats(new long[] {3, 32}, new float[96]));
        weights.put("extra.thing", RawTensor.ofFloats(new long[] {2}, new float[2]));
        InvalidInputException error = assertThrows(InvalidInputException.class,
                () -> StateDict.load(target, weights, StateDict.Mode.STRICT, "w.npz"));
        String message = error.getMessage();
        assertTrue(message.contains("w.npz"), message);
        assertTrue(message.contains("fullstage.post_fuse_layers.1.gnorm.bias (16,)"), message);
        assertTrue(message.contains("extra.thing (2,)"), message);
        assertTrue(message.contains("classifier.weight: weights (3, 32), model (10, 32)"), message);
        assertArrayEquals(before, values(target, "classifier.weight"));
    }

    @Test
    void matchingLoadTakesTheBackboneAndSkipsTheHeads() {
        // An "ImageNet" classification model's weights into a segmentation model with the same backbone.
        MdeqNet classifier = net("demo/cls_mdeq_tiny", 1);
        MdeqNet segmenter = net("demo/seg_mdeq_tiny", 2);
        StateDict.LoadReport report = StateDict.load(segmenter, StateDict.save(classifier), StateDict.Mode.MATCHING,
                "imagenet.npz");
        assertTrue(report.loaded().stream().allMatch(k -> k.startsWith("downsample.") || k.startsWith("fullstage.")));
        assertEquals(segmenter.namedParameters().keySet().stream()
                .filter(k -> k.startsWith("downsample.") || k.startsWith("fullstage.")).count(), report.loaded().size());
        assertTrue(report.missing().stream().allMatch(k -> k.startsWith("stage0.") || k.startsWith("last_layer.")));
        assertTrue(report.unexpected().stream()
                .allMatch(k -> k.startsWith("incre_modules.") || k.startsWith("downsamp_modules.")
                        || k.startsWith("final_layer.") || k.startsWith("classifier.")), report.unexpected().toString());
        String key = "fullstage.fuse_layers.1.0.net.0.conv.weight";
        assertArrayEquals(values(classifier, key), values(segmenter, key));
        assertThrows(InvalidInputException.class, () -> StateDict.load(segmenter, StateDict.save(classifier),
                StateDict.Mode.STRICT, "imagenet.npz"));
    }

    @Test
    void weightNormalisedAndPlainConvolutionsConvertIntoEachOther() {
        MdeqNet normalised = net("demo/cls_mdeq_tiny", 1);
        MdeqNet plain = net("demo/cls_mdeq_tiny", 2, "MODEL.WNORM", "false");
        String conv = "fullstage.branches.0.blocks.0.conv1";
        assertTrue(plain.namedParameters().containsKey(conv + ".weight"));
        StateDict.load(plain, StateDict.save(normalised), StateDict.Mode.STRICT, "wnorm");
        float[] effective = effectiveWeight(normalised, conv);
        assertArrayEquals(effective, values(plain, conv + ".weight"), 1e-6f);

        MdeqNet back = net("demo/cls_mdeq_tiny", 3);
        StateDict.load(back, StateDict.save(plain), StateDict.Mode.STRICT, "plain");
        assertArrayEquals(effective, effectiveWeight(back, conv), 1e-6f);
    }

    private static float[] effectiveWeight(MdeqNet net, String path) {
        WeightNormConv2d conv = (WeightNormConv2d) net.namedChild("fullstage").namedChild("branches").namedChild("0")
                .namedChild("blocks").namedChild("0").namedChild(path.substring(path.lastIndexOf('.') + 1));
        try (NDManager scope = manager.newSubManager()) {
            ForwardContext ctx = ForwardContext.create(new ParameterStore(scope, false), scope, false,
                    DropoutMasks.none());
            return conv.effectiveWeight(ctx).toFloatArray();
        }
    }

    @Test
    void referenceKeyNamesForTheSmallImageNetModel() {
        MdeqNet net = MdeqNet.build(Architecture.from(Presets.load("imagenet/cls_mdeq_SMALL", List.of())));
        Map<String, String> shapes = net.namedParameters().entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().getShape().toString(), (a, b) -> a, LinkedHashMap::new));
        // docs/reference-model.md §6 (the aliases fullstage_copy.* and deq.* excluded: a loader ignores them).
        assertEquals("(32, 3, 3, 3)", shapes.get("downsample.0.weight"));
        assertEquals("()", shapes.get("downsample.1.num_batches_tracked"));
        assertEquals("(32, 32, 1, 1)", shapes.get("stage0.0.weight"));
        assertEquals("(160, 1, 1, 1)", shapes.get("fullstage.branches.0.blocks.0.conv1.weight_g"));
        assertEquals("(1280, 256, 3, 3)", shapes.get("fullstage.branches.3.blocks.0.conv1.weight_v"));
        assertEquals("(32, 64, 1, 1)", shapes.get("fullstage.fuse_layers.0.1.net.conv.weight"));
        assertEquals("(256, 32, 3, 3)", shapes.get("fullstage.fuse_layers.3.0.net.2.conv.weight"));
        assertEquals("(32, 32, 1, 1)", shapes.get("fullstage.post_fuse_layers.0.conv.weight_v"));
        assertEquals("(24, 32, 1, 1)", shapes.get("incre_modules.0.0.conv1.weight"));
        assertTrue(shapes.containsKey("incre_modules.0.0.bn1.running_mean"));
        assertFalse(shapes.containsKey("incre_modules.0.0.bn1.weight"));
        assertEquals("(96, 32, 1, 1)", shapes.get("incre_modules.0.0.downsample.0.weight"));
        assertEquals("(192, 96, 3, 3)", shapes.get("downsamp_modules.0.0.weight"));
        assertEquals("(2048, 768, 1, 1)", shapes.get("final_layer.0.weight"));
        assertEquals("(1000, 2048)", shapes.get("classifier.weight"));
    }
}
