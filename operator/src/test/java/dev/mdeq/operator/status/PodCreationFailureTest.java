package dev.mdeq.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which FailedCreate event of a Job counts, and when it outranks what the pods tell. */
class PodCreationFailureTest {
    private static final String UID = "0b6f6d1e-job";

    @Test
    void takesTheNewestFailedCreateWarningOfThisJobOnly() {
        Job job = job("2026-03-01T10:00:00Z");
        List<Event> events = List.of(
                event(UID, "Warning", "FailedCreate", "older", "2026-03-01T10:00:05Z"),
                event(UID, "Warning", "FailedCreate", "newest", "2026-03-01T10:00:30Z"),
                event(UID, "Normal", "SuccessfulCreate", "a Normal event", "2026-03-01T10:01:00Z"),
                event(UID, "Warning", "BackoffLimitExceeded", "another reason", "2026-03-01T10:01:00Z"),
                event("uid-of-an-earlier-job", "Warning", "FailedCreate", "earlier Job", "2026-03-01T10:02:00Z"));
        PodCreationFailure failure = PodCreationFailure.latest(job, events).orElseThrow();
        assertEquals("newest", failure.message());
        assertEquals(Instant.parse("2026-03-01T10:00:30Z"), failure.time());
        PodProblem problem = failure.problem();
        assertEquals("FailedCreate", problem.reason());
        assertEquals("the Job controller cannot create a pod of Job r-train: newest", problem.message());
        assertFalse(problem.terminated());
    }

    @Test
    void ignoresEventsFromBeforeTheJobLastStarted() {
        // A resumed Job gets a new startTime: the refusals of before the suspension are history.
        Job resumed = job("2026-03-01T11:00:00Z");
        List<Event> events = List.of(event(UID, "Warning", "FailedCreate", "before", "2026-03-01T10:59:59Z"));
        assertTrue(PodCreationFailure.latest(resumed, events).isEmpty());
        assertTrue(PodCreationFailure.latest(job(null), events).isPresent(), "no startTime: nothing to compare");
    }

    @Test
    void readsEventsOfTheNewEventsApiAndDropsTheCorrelatorPrefix() {
        Event series = new EventBuilder(event(UID, "Warning", "FailedCreate",
                "(combined from similar events): Error creating: serviceaccount \"trainer\" not found", null))
                .withEventTime(new MicroTime("2026-03-01T10:00:01.123456Z"))
                .withNewSeries().withCount(7).withLastObservedTime(new MicroTime("2026-03-01T10:04:09.987654Z")).endSeries()
                .build();
        PodCreationFailure failure = PodCreationFailure.latest(job("2026-03-01T10:00:00Z"), List.of(series)).orElseThrow();
        assertEquals("Error creating: serviceaccount \"trainer\" not found", failure.message());
        assertEquals(Instant.parse("2026-03-01T10:04:09Z"), failure.time(), "the last observation, to the second");
    }

    @Test
    void countsOnlyWhileNoPodIsActiveAndWhenNewerThanTheNewestPod() {
        Optional<PodCreationFailure> failure = Optional.of(new PodCreationFailure("r-train", "exceeded quota",
                Instant.parse("2026-03-01T10:05:00Z")));
        assertEquals("FailedCreate", new PodDiagnosis(List.of(), failure).current().orElseThrow().reason());

        Pod failedBefore = pod("p1", "2026-03-01T10:04:59Z", "Failed");
        assertEquals("FailedCreate", new PodDiagnosis(List.of(failedBefore), failure).current().orElseThrow().reason(),
                "the replacement of a failed pod cannot be made");
        Pod failedSameSecond = pod("p2", "2026-03-01T10:05:00Z", "Failed");
        assertEquals("Failed", new PodDiagnosis(List.of(failedBefore, failedSameSecond), failure).current().orElseThrow()
                .reason(), "a pod made after (or with) the refusal: its own story counts");
        Pod pending = pod("p3", "2026-03-01T10:00:00Z", "Pending");
        assertTrue(PodDiagnosis.anyActive(List.of(failedBefore, pending)));
        assertTrue(new PodDiagnosis(List.of(pending), failure).current().isEmpty(), "a pod is starting");
    }

    private static Job job(String startTime) {
        return new JobBuilder().withNewMetadata().withName("r-train").withNamespace("ns").withUid(UID).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().withStartTime(startTime).endStatus()
                .build();
    }

    private static Event event(String uid, String type, String reason, String message, String time) {
        return new EventBuilder()
                .withNewMetadata().withName("r-train." + reason + time).withNamespace("ns").endMetadata()
                .withNewInvolvedObject().withApiVersion("batch/v1").withKind("Job").withName("r-train").withNamespace("ns")
                .withUid(uid).endInvolvedObject()
                .withType(type).withReason(reason).withMessage(message)
                .withFirstTimestamp(time).withLastTimestamp(time)
                .build();
    }

    private static Pod pod(String name, String created, String phase) {
        return new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created).endMetadata()
                .withNewStatus().withPhase(phase).endStatus()
                .build();
    }
}
