package dev.mdeq.operator.api;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * One config override: the reference's KEY VALUE pair.
 *
 * @param key the dotted config key, e.g. TRAIN.LR or MODEL.EXTRA.FULL_STAGE.NUM_CHANNELS
 * @param value the value as on the reference's command line, e.g. 0.01, [0.5,1.0], True, cosine; its
 *     type must match the key's default
 */
public record ConfigOverride(
        @Required @Pattern("^[A-Z][A-Z0-9_]*(\\.[A-Z0-9_]+)*$") @Size(max = 128) String key,
        @Required @Size(max = 1024) String value) {
}
