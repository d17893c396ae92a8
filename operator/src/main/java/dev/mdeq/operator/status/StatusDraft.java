package dev.mdeq.operator.status;

import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.EvaluationStatus;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.api.ProgressStatus;
import dev.mdeq.operator.api.TrainerStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one place a status is built. A reconciliation starts from the previous status (what it does
 * not observe again stays as it was), sets what it observed, and {@link #build} produces the new
 * status: conditions merged so that lastTransitionTime only moves when a condition's status changes,
 * completionTime stamped when the run first reaches a final phase, the headline metric derived.
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
    /** Set when a spec change after the start is refused: Ready=False ConfigConflict, generation not observed. */
    public String specRefusal;
    private Condition ready;
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
            ready = strip(previous.condition(Conditions.READY));
            podsHealthy = strip(previous.condition(Conditions.PODS_HEALTHY));
            trained = strip(previous.condition(Conditions.TRAINED));
            evaluated = strip(previous.condition(Conditions.EVALUATED));
        }
    }

    public MdeqTrainingJobStatus previous() {
        return previous;
    }

    /** Sets the phase and the Ready condition that explains it. */
    public void phase(Phase newPhase, boolean readyStatus, String reason, String message) {
        phase = newPhase;
        ready = Conditions.of(Conditions.READY, readyStatus ? Condition.TRUE : Condition.FALSE, reason, message);
    }

    /** Ready=False without changing the phase (a refused spec change, storage trouble). */
    public void notReady(String reason, String message) {
        if (phase == null) {
            phase = Phase.Pending;
        }
        ready = Conditions.of(Conditions.READY, Condition.FALSE, reason, message);
    }

    public Condition ready() {
        return ready;
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

    /** The new status for {@code generation}, at time {@code now} (RFC 3339). */
    public MdeqTrainingJobStatus build(long generation, String now) {
        if (specRefusal != null) {
            ready = Conditions.of(Conditions.READY, Condition.FALSE, "ConfigConflict", specRefusal);
        }
        List<Condition> fresh = new ArrayList<>();
        for (Condition c : new Condition[] {ready, podsHealthy, trained, evaluated}) {
            if (c != null) {
                fresh.add(c);
            }
        }
        List<Condition> conditions = Conditions.merge(previous == null ? null : previous.conditions(), fresh,
                generation, now);
        if (phase != null && phase.isTerminal() && completionTime == null) {
            completionTime = now;
        }
        Long observed = specRefusal == null ? Long.valueOf(generation)
                : previous == null ? null : previous.observedGeneration();
        return new MdeqTrainingJobStatus(phase, observed, conditions, runUri, configSha256, runSpecSha256, metric(),
                completionTime, childrenDeleted, trainer, progress, evaluation);
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
