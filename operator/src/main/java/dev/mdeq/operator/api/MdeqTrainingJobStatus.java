package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the operator observed, written only by the operator.
 *
 * @param phase where the run is: Pending, Training, Evaluating, Succeeded, Failed or Suspended
 * @param observedGeneration the metadata.generation this status describes
 * @param conditions the conditions Ready, PodsHealthy, Trained and Evaluated (see docs/operator.md)
 * @param runUri the run folder in object storage; set when the operator wrote its config.yaml
 * @param configSha256 SHA-256 of the resolved config.yaml the run trains with
 * @param runSpecSha256 SHA-256 of the spec the run started with (or last accepted), leaving out suspend,
 *     ttlSecondsAfterFinished and dataPolicyOnDelete: a change of only those is never checked against
 *     the experiment again
 * @param metric the headline metric for kubectl get: the evaluation's (mIoU or top-1) once known, else
 *     the latest validation metric
 * @param completionTime when the run succeeded or failed (RFC 3339)
 * @param childrenDeleted true once ttlSecondsAfterFinished removed the Jobs and pods
 * @param trainer the trainer Job
 * @param progress the trainer's heartbeat, read from the run folder's progress.json
 * @param evaluation the evaluation Job(s) and the report's headline numbers
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MdeqTrainingJobStatus(
        Phase phase,
        Long observedGeneration,
        List<Condition> conditions,
        String runUri,
        String configSha256,
        String runSpecSha256,
        String metric,
        String completionTime,
        Boolean childrenDeleted,
        TrainerStatus trainer,
        ProgressStatus progress,
        EvaluationStatus evaluation) {

    /** The condition of a type, or null. */
    public Condition condition(String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> type.equals(c.type())).findFirst().orElse(null);
    }
}
