package dev.mdeq.operator.events;

import dev.mdeq.operator.api.Condition;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.PodFailure;
import dev.mdeq.operator.status.Conditions;
import java.util.Objects;

/**
 * Turns a status change into Events, so that every condition a person should notice is also in
 * {@code kubectl describe} and in event-based alerting: Ready's reason changing (Normal for progress
 * such as Training or Queued, Warning for a problem; a problem's changed message too), PodsHealthy
 * turning False, and each new trainer pod failure.
 */
public final class StatusEvents {
    private StatusEvents() {
    }

    /** @param healthy false when the new status describes a problem (its Ready reason becomes a Warning) */
    public static void record(EventRecorder recorder, MdeqTrainingJob resource, MdeqTrainingJobStatus before,
                              MdeqTrainingJobStatus after, boolean healthy) {
        Condition readyBefore = before == null ? null : Conditions.find(before.conditions(), Conditions.READY);
        Condition readyAfter = Conditions.find(after.conditions(), Conditions.READY);
        if (readyAfter != null && changed(readyBefore, readyAfter, healthy)) {
            recorder.record(resource, healthy ? EventRecorder.Type.Normal : EventRecorder.Type.Warning,
                    readyAfter.reason(), readyAfter.message());
        }
        Condition podsBefore = before == null ? null : Conditions.find(before.conditions(), Conditions.PODS_HEALTHY);
        Condition podsAfter = Conditions.find(after.conditions(), Conditions.PODS_HEALTHY);
        if (podsAfter != null && !podsAfter.statusTrue() && changed(podsBefore, podsAfter, false)
                && (readyAfter == null || !Objects.equals(readyAfter.message(), podsAfter.message()))) {
            recorder.warning(resource, podsAfter.reason(), podsAfter.message());
        }
        PodFailure failureBefore = before == null || before.trainer() == null ? null : before.trainer().lastFailure();
        PodFailure failureAfter = after.trainer() == null ? null : after.trainer().lastFailure();
        if (failureAfter != null && (failureBefore == null || !Objects.equals(failureBefore.pod(), failureAfter.pod()))
                && (podsAfter == null || !Objects.equals(podsAfter.message(), failureAfter.message()))) {
            recorder.warning(resource, failureAfter.reason(), failureAfter.message());
        }
    }

    /** A new status or reason; for a problem also a new message (progress messages change at every step). */
    private static boolean changed(Condition before, Condition after, boolean healthy) {
        return before == null || !before.status().equals(after.status()) || !Objects.equals(before.reason(), after.reason())
                || !Objects.equals(before.message(), after.message()) && !healthy;
    }
}
