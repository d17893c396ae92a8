package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * The data set: read by the trainer and evaluator with the store's endpoint and credentials and
 * staged to the pod's cache.
 *
 * @param uri the data set's root folder: s3://bucket/prefix or file:/path (becomes DATASET.ROOT)
 * @param format the data set's format (becomes DATASET.DATASET); unset keeps the experiment's
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetSpec(
        @Required @Pattern("^(s3://|file:).+") @Size(max = 1024) String uri,
        DatasetFormat format) {
}
