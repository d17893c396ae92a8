package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Weights to start training from (at most one).
 *
 * @param pretrained weights whose matching keys initialise the model, the classifier or head left out
 *     (MODEL.PRETRAINED), e.g. ImageNet weights for a Cityscapes model
 * @param modelFile a full model file loaded entirely before training (TRAIN.MODEL_FILE)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!(has(self.pretrained) && has(self.modelFile))",
        message = "spec.weights takes pretrained or modelFile, not both")
public record WeightsSpec(
        @Pattern("^(s3://|file:).+") @Size(max = 1024) String pretrained,
        @Pattern("^(s3://|file:).+") @Size(max = 1024) String modelFile) {
}
