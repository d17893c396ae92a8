package dev.mdeq.operator.status;

import dev.mdeq.operator.api.AttemptStatus;
import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.EvaluationStatus;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.api.ProgressStatus;
import dev.mdeq.operator.api.QueueStatus;
import dev.mdeq.operator.api.TrainerStatus;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one place a status is built. A reconciliation starts from the previous status (what it does
 * not observe again stays as it was), sets what it observed, and {@link #build} produces the new
 * status: the kstatus conditions (Ready, Reconciling, Stalled) derived from the phase, conditions
 * merged so that lastTransitionTime only moves when a condition's status changes, completionTime
 * stamped when the run first reaches a final phase, the attempt history kept, the headline metric
 * derived.
 */
public final class StatusDraft {
    private final MdeqTrainingJobStatus previous;
    public Phase phase;
    public String runUri;
    public String configSha256;
    public String runSpecSha256;
    public String completionTime;
    public Boolean childrenDeleted;
    public TrainerStatus trainer;
    public ProgressStatus progress;
    public EvaluationStatus evaluation;
    public QueueStatus queue;
    public Long restartNonce;
    public Integer attempt;
    public List<AttemptStatus> attempts;
    /** Reason of a refused spec (change): Stalled=True, generation not observed. */
    private String refusalReason;
    private String refusalMessage;
    /** The reason and message of the phase: Ready's, and Reconciling's or Stalled's. */
    private String reason;
    private String message;
    /** False when the reason is a problem (a Warning event), true for normal progress. */
    private boolean healthy = true;
    private Condition podsHealthy;
    private Condition trained;
    private Condition evaluated;

    /** A draft holding the previous status's values (null: a new resource). */
    public StatusDraft(MdeqTrainingJobStatus previous) {
        this.previous = previous;
        if (previous != null) {
            phase = previous.phase();
            runUri = previous.runUri();
            configSha256 = previous.configSha256();
            runSpecSha256 = previous.runSpecSha256();
            completionTime = previous.completionTime();
            childrenDeleted = previous.childrenDeleted();
            trainer = previous.trainer();
            progress = previous.progress();
            evaluation = previous.evaluation();
            queue = previous.queue();
            restartNonce = previous.restartNonce();
            attempt = previous.attempt();
            attempts = previous.attempts();
            Condition ready = previous.condition(Conditions.READY);
            if (ready != null) {
                reason = ready.reason();
                message = ready.message();
            }
            podsHealthy = strip(previous.condition(Conditions.PODS_HEALTHY));
            trained = strip(previous.condition(Conditions.TRAINED));
            evaluated = strip(previous.condition(Conditions.EVALUATED));
        }
    }

    public MdeqTrainingJobStatus previous() {
        return previous;
    }

    /**
     * Sets the phase and the reason that explains it (on Ready, and on Reconciling or Stalled).
     *
     * @param healthy false when the reason is a problem someone should look at (a Warning event)
     */
    public void phase(Phase newPhase, boolean healthy, String reason, String message) {
        phase = newPhase;
        this.healthy = healthy;
        this.reason = reason;
        this.message = message;
    }

    /** A problem that keeps the run where it is, without changing the phase (storage trouble, an old Job). */
    public void notReady(String reason, String message) {
        if (phase == null) {
            phase = Phase.Pending;
        }
        healthy = false;
        this.reason = reason;
        this.message = message;
    }

    /**
     * The spec is refused (invalid, against the policy, or a change that conflicts with the started
     * run): Stalled=True until the spec changes; a started run goes on as it was.
     */
    public void refuse(String reason, String message) {
        if (phase == null) {
            phase = Phase.Pending;
        }
        refusalReason = reason;
        refusalMessage = message;
    }

    /** The reason of the phase (Ready's reason), or null. */
    public String reason() {
        return refusalReason != null ? refusalReason : reason;
    }

    /** False when the status describes a problem (a Warning event), true for normal progress. */
    public boolean healthy() {
        return healthy && refusalReason == null;
    }

    public void podsHealthy(String status, String reason, String message) {
        podsHealthy = Conditions.of(Conditions.PODS_HEALTHY, status, reason, message);
    }

    public void trained(String status, String reason, String message) {
        trained = Conditions.of(Conditions.TRAINED, status, reason, message);
    }

    public void evaluated(String status, String reason, String message) {
        evaluated = Conditions.of(Conditions.EVALUATED, status, reason, message);
    }

    /** True when the Trained condition says training succeeded. */
    public boolean trainingSucceeded() {
        return trained != null && trained.statusTrue();
    }

    /** Drops the Evaluated condition (a retry of the training: the evaluation has not started). */
    public void clearEvaluated() {
        evaluated = null;
    }

    /** The new status for {@code generation}, at time {@code now} (RFC 3339). */
    public MdeqTrainingJobStatus build(long generation, String now) {
        if (phase != null && phase.isTerminal() && completionTime == null) {
            completionTime = now;
        }
        List<Condition> fresh = new ArrayList<>(kstatus());
        for (Condition c : new Condition[] {podsHealthy, trained, evaluated}) {
            if (c != null) {
                fresh.add(c);
            }
        }
        List<Condition> conditions = Conditions.merge(previous == null ? null : previous.conditions(), fresh,
                generation, now);
        Long observed = refusalReason == null || runUri == null ? Long.valueOf(generation)
                : previous == null ? null : previous.observedGeneration();
        return new MdeqTrainingJobStatus(phase, observed, conditions, runUri, configSha256, runSpecSha256, metric(),
                completionTime, childrenDeleted, trainer, progress, evaluation, queue, restartNonce, attempt,
                attempts(now));
    }

    /**
     * Ready, Reconciling and Stalled as kstatus (Flux, Argo CD, kubectl wait) reads them: Ready=True
     * only once the run succeeded; Reconciling=True while work goes on; Stalled=True when the run
     * failed or its spec is refused. Each carries the phase's reason and message when it is True.
     */
    private List<Condition> kstatus() {
        String why = reason() == null ? "Pending" : reason();
        String text = refusalMessage != null ? refusalMessage : message == null ? "" : message;
        boolean succeeded = phase == Phase.Succeeded;
        boolean stalled = refusalReason != null || phase == Phase.Failed;
        boolean working = !stalled && (phase == null || phase == Phase.Pending || phase == Phase.Training
                || phase == Phase.Evaluating);
        String phaseName = phase == null ? "Pending" : phase.name();
        return List.of(
                Conditions.of(Conditions.READY, succeeded ? Condition.TRUE : Condition.FALSE, why, text),
                Conditions.of(Conditions.RECONCILING, working ? Condition.TRUE : Condition.FALSE,
                        working ? why : phaseName, working ? text : "no work in progress: the run is " + phaseName
                                + (stalled ? " (" + why + ")" : "")),
                Conditions.of(Conditions.STALLED, stalled ? Condition.TRUE : Condition.FALSE,
                        stalled ? why : phaseName, stalled ? text : "the run is " + phaseName + ", not stuck"));
    }

    /**
     * The attempt history: the first attempt recorded once the run started, the current attempt's
     * end stamped when the run reaches a final phase, the checkpoint its trainer reported resuming
     * from taken over once reported after the attempt started; the last {@value MdeqTrainingJobStatus#MAX_ATTEMPTS} kept.
     */
    private List<AttemptStatus> attempts(String now) {
        if (runUri == null) {
            return attempts;
        }
        List<AttemptStatus> out = new ArrayList<>(attempts == null ? List.of() : attempts);
        if (out.isEmpty()) {
            out.add(new AttemptStatus(1, null, AttemptStatus.TRAINING, trainer == null ? null : trainer.jobName(),
                    trainer != null && trainer.startTime() != null ? trainer.startTime() : now, null, null, null, null));
        }
        AttemptStatus last = out.get(out.size() - 1);
        String resumedFrom = last.resumedFrom();
        if (trainer != null && trainer.resumedFrom() != null && progress != null
                && AttemptStatus.TRAINING.equals(last.restarted()) && notBefore(progress.lastUpdate(), last.startTime())) {
            resumedFrom = trainer.resumedFrom();
        }
        boolean ended = phase != null && phase.isTerminal() && last.completionTime() == null;
        AttemptStatus updated = new AttemptStatus(last.attempt(), last.restartNonce(), last.restarted(), last.jobName(),
                last.startTime(), ended ? completionTime : last.completionTime(), ended ? phase.name() : last.result(),
                ended ? reason() : last.reason(), resumedFrom);
        out.set(out.size() - 1, updated);
        while (out.size() > MdeqTrainingJobStatus.MAX_ATTEMPTS) {
            out.remove(0);
        }
        return List.copyOf(out);
    }

    /** True when {@code time} is at or after {@code since} (both RFC 3339); false when either is unreadable. */
    private static boolean notBefore(String time, String since) {
        try {
            return time != null && since != null && !Instant.parse(time).isBefore(Instant.parse(since));
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** "mIoU 71.20" / "top1 93.10" from the evaluation, else the latest validation metric. */
    private String metric() {
        if (evaluation != null && evaluation.miou() != null) {
            return String.format(Locale.ROOT, "mIoU %.2f", evaluation.miou());
        }
        if (evaluation != null && evaluation.top1() != null) {
            return String.format(Locale.ROOT, "top1 %.2f", evaluation.top1());
        }
        if (progress != null && progress.metric() != null) {
            String name = progress.metricName() == null ? "metric" : progress.metricName();
            return String.format(Locale.ROOT, "%s %.2f (val)", name, progress.metric());
        }
        return null;
    }

    private static Condition strip(Condition c) {
        return c == null ? null : Conditions.of(c.type(), c.status(), c.reason(), c.message());
    }
}
