package dev.mdeq.evaluator.cli;

import dev.mdeq.evaluator.shard.ShardSpec;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Converts {@code --shard I/N} (I may be {@code env}: the Indexed Job's JOB_COMPLETION_INDEX). */
public final class ShardConverter implements ITypeConverter<ShardSpec> {
    @Override
    public ShardSpec convert(String value) {
        try {
            return ShardSpec.parse(value, System::getenv);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
