package dev.mdeq.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One attempt of the run: the first, and one more for each retry of a Failed run (spec.restartNonce).
 *
 * @param attempt the attempt's number, 1 for the first
 * @param restartNonce the spec.restartNonce that started it (unset for the first)
 * @param restarted what the attempt started: training (a new trainer Job) or evaluation (training had
 *     succeeded: a new evaluator Job)
 * @param jobName the Job the attempt started
 * @param startTime when the attempt started (RFC 3339)
 * @param completionTime when the attempt ended: the run succeeded or failed (RFC 3339)
 * @param result Succeeded or Failed once the attempt ended
 * @param reason the Ready reason the attempt ended with, e.g. RestartBudgetExhausted
 * @param resumedFrom the checkpoint the attempt's trainer resumed from: as the trainer reported it in
 *     progress.json once it did, else the newest checkpoint known when the attempt started
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AttemptStatus(
        Integer attempt,
        Long restartNonce,
        String restarted,
        String jobName,
        String startTime,
        String completionTime,
        String result,
        String reason,
        String resumedFrom) {

    public static final String TRAINING = "training";
    public static final String EVALUATION = "evaluation";
}
