package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The evaluation and its report's headline numbers (the run folder's {@code eval/<evalId>/report.json}).
 *
 * @param evalId the evaluation's id (its folder under eval/)
 * @param jobName the evaluator Job's name ({@code <name>-eval})
 * @param mergeJobName the merge Job's name ({@code <name>-merge}) when the evaluation is sharded
 * @param shards the number of shards
 * @param shardsDone shards finished
 * @param checkpoint the checkpoint evaluated
 * @param samples images evaluated
 * @param miou mean IoU in percent (segmentation)
 * @param pixelAccuracy pixel accuracy in percent (segmentation)
 * @param top1 top-1 accuracy in percent (classification)
 * @param top5 top-5 accuracy in percent (classification)
 * @param reportUri the JSON report
 * @param reportHtmlUri the HTML report
 * @param completionTime when the report was read (RFC 3339)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvaluationStatus(
        String evalId,
        String jobName,
        String mergeJobName,
        Integer shards,
        Integer shardsDone,
        String checkpoint,
        Long samples,
        Double miou,
        Double pixelAccuracy,
        Double top1,
        Double top5,
        String reportUri,
        String reportHtmlUri,
        String completionTime) {
}
