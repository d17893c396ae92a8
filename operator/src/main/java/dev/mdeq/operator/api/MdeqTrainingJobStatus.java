package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the operator observed, written only by the operator.
 *
 * @param phase where the run is: Pending, Training, Evaluating, Succeeded, Failed or Suspended
 * @param observedGeneration the metadata.generation this status describes
 * @param conditions the conditions Ready (True once the run succeeded), Reconciling (work in progress),
 *     Stalled (failed or refused: nothing happens without a change), PodsHealthy, Trained and Evaluated
 *     (see docs/operator.md)
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
 * @param queue the active Job's place in its Kueue queue, when the run has a queue
 * @param restartNonce the spec.restartNonce the operator last acted on (or ignored)
 * @param attempt the current attempt's number (1 until a Failed run is retried)
 * @param attempts the last attempts, oldest first (at most 10)
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
        EvaluationStatus evaluation,
        QueueStatus queue,
        Long restartNonce,
        Integer attempt,
        List<AttemptStatus> attempts) {

    /** At most this many attempts are kept in the status. */
    public static final int MAX_ATTEMPTS = 10;

    /** The current attempt's number, 1 when the status says nothing. */
    public int attemptOrFirst() {
        return attempt == null ? 1 : attempt;
    }

    /** The condition of a type, or null. */
    public Condition condition(String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> type.equals(c.type())).findFirst().orElse(null);
    }
}
