package dev.mdeq.runstore.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The headline numbers of an evaluation report ({@link RunLayout#report}); the report holds much
 * more (per-class tables, timings, config), which readers of this record ignore.
 *
 * @param evalId the evaluation's id (its folder name under {@code eval/})
 * @param task {@code classification} or {@code segmentation}
 * @param checkpoint the checkpoint evaluated
 * @param samples images evaluated
 * @param miou mean IoU in percent (segmentation)
 * @param pixelAccuracy pixel accuracy in percent (segmentation)
 * @param top1 top-1 accuracy in percent (classification)
 * @param top5 top-5 accuracy in percent (classification)
 * @param reportHtml key of the HTML report, relative to the run folder
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ReportSummary(
        String evalId,
        String task,
        String checkpoint,
        Long samples,
        Double miou,
        Double pixelAccuracy,
        Double top1,
        Double top5,
        String reportHtml) {
}
