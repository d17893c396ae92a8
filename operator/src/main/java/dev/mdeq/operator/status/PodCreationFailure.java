package dev.mdeq.operator.status;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Why the Job controller cannot create a pod of a Job at all (ResourceQuota exceeded, a Pod Security
 * admission rejection, a missing ServiceAccount or PriorityClass). No pod exists to tell it: only the
 * Warning events with reason {@value #REASON} that the controller records on the Job while it keeps
 * retrying.
 *
 * @param job the Job's name
 * @param message the controller's words, e.g. {@code Error creating: pods "x-train-abc" is forbidden:
 *     exceeded quota: ...}
 * @param time when the controller last reported it, to the second
 */
public record PodCreationFailure(String job, String message, Instant time) {
    /** The Job controller's event reason, and the condition reason this becomes. */
    public static final String REASON = "FailedCreate";
    /** The prefix the event correlator puts on repeated events; dropped so the status stays stable. */
    private static final String COMBINED = "(combined from similar events): ";

    /**
     * The newest FailedCreate Warning about this Job (matched by uid, so a deleted Job of the same
     * name does not count) among {@code events}, when reported since the Job last (re)started.
     */
    public static Optional<PodCreationFailure> latest(Job job, List<Event> events) {
        String uid = job.getMetadata().getUid();
        Instant started = job.getStatus() == null ? null : seconds(job.getStatus().getStartTime());
        return events.stream()
                .filter(e -> "Warning".equals(e.getType()) && REASON.equals(e.getReason()))
                .filter(e -> e.getInvolvedObject() != null && "Job".equals(e.getInvolvedObject().getKind())
                        && uid != null && uid.equals(e.getInvolvedObject().getUid()))
                .map(e -> new PodCreationFailure(job.getMetadata().getName(), message(e), lastSeen(e)))
                .filter(f -> f.time() != null && (started == null || !f.time().isBefore(started)))
                .max(Comparator.comparing(PodCreationFailure::time));
    }

    /** The problem as the status shows it. */
    public PodProblem problem() {
        return new PodProblem(null, REASON, "the Job controller cannot create a pod of Job " + job + ": " + message,
                null, time.toString(), false);
    }

    private static String message(Event event) {
        String text = event.getMessage() == null ? "(no message)" : event.getMessage();
        return text.startsWith(COMBINED) ? text.substring(COMBINED.length()) : text;
    }

    /**
     * The latest of the event's times: core/v1 writers set lastTimestamp, events.k8s.io/v1 writers
     * eventTime and series.lastObservedTime.
     */
    private static Instant lastSeen(Event event) {
        return Stream.of(event.getLastTimestamp(), micro(event.getEventTime()),
                        event.getSeries() == null ? null : micro(event.getSeries().getLastObservedTime()),
                        event.getFirstTimestamp(), event.getMetadata() == null ? null : event.getMetadata().getCreationTimestamp())
                .map(PodCreationFailure::seconds)
                .filter(Objects::nonNull)
                .max(Comparator.naturalOrder())
                .orElse(null);
    }

    private static String micro(MicroTime time) {
        return time == null ? null : time.getTime();
    }

    /** An RFC 3339 time truncated to seconds (the precision of creationTimestamp), null if absent or unreadable. */
    static Instant seconds(String time) {
        if (time == null || time.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(time).toInstant().truncatedTo(ChronoUnit.SECONDS);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
