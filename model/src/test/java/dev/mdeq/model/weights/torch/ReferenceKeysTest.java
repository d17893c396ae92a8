package dev.mdeq.model.weights.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferenceKeysTest {

    private static Map<String, Integer> dict(String... keys) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            out.put(keys[i], i);
        }
        return out;
    }

    private static List<String> modelKeys(Map<String, Integer> stateDict, boolean fullModel) {
        return new ArrayList<>(ReferenceKeys.of(stateDict.keySet(), fullModel).modelEntries(stateDict).keySet());
    }

    @Test
    void classificationKeysKeepTheirNamesWithoutCopiesAndAliases() {
        Map<String, Integer> sd = dict("downsample.0.weight", "fullstage.branches.0.blocks.0.conv1.weight_g",
                "fullstage_copy.branches.0.blocks.0.conv1.weight", "deq.func.branches.0.blocks.0.conv1.weight_g",
                "deq.func_copy.branches.0.blocks.0.conv1.weight", "final_layer.1.num_batches_tracked");
        assertEquals(List.of("downsample.0.weight", "fullstage.branches.0.blocks.0.conv1.weight_g",
                "final_layer.1.num_batches_tracked"), modelKeys(sd, false));
        Map<String, Integer> model = ReferenceKeys.of(sd.keySet(), false).modelEntries(sd);
        assertEquals(1, model.get("fullstage.branches.0.blocks.0.conv1.weight_g"));
    }

    @Test
    void fullModelKeysLoseTheirPrefixAndTheLossWeights() {
        Map<String, Integer> sd = dict("model.downsample.0.weight", "model.deq.func.x", "model.last_layer.3.bias",
                "loss.criterion.weight");
        assertTrue(ReferenceKeys.looksLikeFullModel(sd.keySet()));
        assertEquals(List.of("downsample.0.weight", "last_layer.3.bias"), modelKeys(sd, true));
        ReferenceKeys keys = ReferenceKeys.of(sd.keySet(), true);
        assertEquals("loss weights of FullModel", keys.dropReason("loss.criterion.weight"));
        assertEquals("alias of fullstage / fullstage_copy", keys.dropReason("model.deq.func.x"));
        assertEquals("", keys.dropReason("model.downsample.0.weight"));
    }

    @Test
    void aDataParallelPrefixIsStrippedOnlyWhenEveryKeyHasIt() {
        assertEquals(List.of("downsample.0.weight", "classifier.bias"),
                modelKeys(dict("module.downsample.0.weight", "module.fullstage_copy.a", "module.classifier.bias"), false));
        assertEquals(List.of("downsample.0.weight", "classifier.bias"),
                modelKeys(dict("model.module.downsample.0.weight", "model.module.classifier.bias",
                        "loss.criterion.weight"), true));
        assertEquals(List.of("module.x", "classifier.bias"), modelKeys(dict("module.x", "classifier.bias"), false));
    }

    @Test
    void aClassificationDictIsNotTakenForAFullModel() {
        assertFalse(ReferenceKeys.looksLikeFullModel(List.of("model.x", "classifier.weight")));
        assertFalse(ReferenceKeys.looksLikeFullModel(List.of("loss.criterion.weight")));
        assertTrue(ReferenceKeys.isBuffer("incre_modules.0.0.bn1.running_var"));
        assertFalse(ReferenceKeys.isBuffer("incre_modules.0.0.downsample.1.weight"));
    }
}
