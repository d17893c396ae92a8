package dev.mdeq.model.layers;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * One random generator per parameter, derived from the model seed and the parameter's name, so
 * the initial value of a parameter does not depend on the order in which parameters are created.
 */
public record ParameterSeeds(long seed) {

    /** The generator for the parameter named {@code key} (its reference state-dict name). */
    public RandomGenerator forKey(String key) {
        long hash = 0xcbf29ce484222325L; // FNV-1a 64 over the UTF-8 name
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return new SplittableRandom(seed * 0x9e3779b97f4a7c15L ^ hash);
    }
}
