package dev.mdeq.operator.reconciler;

import dev.mdeq.operator.api.DataPolicy;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.operator.dependent.ChildJob;
import dev.mdeq.operator.dependent.Labels;
import dev.mdeq.operator.events.EventRecorder;
import dev.mdeq.operator.events.StatusEvents;
import dev.mdeq.operator.metrics.OperatorMetrics;
import dev.mdeq.operator.metrics.RunMetrics;
import dev.mdeq.operator.status.StatusDraft;
import dev.mdeq.operator.store.StoreConnector;
import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.operator.refusal.InvalidSpecException;
import dev.mdeq.operator.refusal.Reasons;
import dev.mdeq.runstore.storage.StorageException;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.quarkiverse.operatorsdk.annotations.RBACVerbs;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Reconciles MdeqTrainingJobs: observe (child Jobs and pods from informers, the heartbeat from the
 * run folder) -> validate -> act ({@link RunLifecycle}) -> build the status in one place
 * ({@link StatusDraft}) and patch it only when it changed. A refused spec becomes {@code Ready=False},
 * {@code Stalled=True} with reason InvalidSpec / PolicyViolation / ConfigConflict and a Warning event,
 * never an exception loop.
 *
 * <p>The reconciler sees every event, deletions included, so that it can keep a finalizer only on
 * resources whose run data is to be deleted ({@code dataPolicyOnDelete: Delete}).
 */
@ControllerConfiguration(name = MdeqTrainingJobReconciler.NAME, triggerReconcilerOnAllEvents = true)
@RBACRule(apiGroups = "batch", resources = "jobs", verbs = {RBACVerbs.GET, RBACVerbs.LIST, RBACVerbs.WATCH,
        RBACVerbs.CREATE, RBACVerbs.PATCH, RBACVerbs.UPDATE, RBACVerbs.DELETE})
@RBACRule(apiGroups = "", resources = "pods", verbs = {RBACVerbs.GET, RBACVerbs.LIST, RBACVerbs.WATCH})
@RBACRule(apiGroups = "", resources = {"secrets", "configmaps"}, verbs = {RBACVerbs.GET})
@RBACRule(apiGroups = "", resources = "events", verbs = {RBACVerbs.GET, RBACVerbs.LIST, RBACVerbs.CREATE,
        RBACVerbs.PATCH, RBACVerbs.UPDATE})
public class MdeqTrainingJobReconciler implements Reconciler<MdeqTrainingJob> {
    public static final String NAME = "mdeqtrainingjob";
    /** Present only while the run's data is to be deleted with the resource. */
    public static final String DATA_FINALIZER = "mdeq.dev/delete-run-data";
    /** How often a data deletion waiting for an unanswering store is tried again. */
    private static final Duration DATA_DELETION_RETRY = Duration.ofSeconds(10);
    private static final Logger LOG = Logger.getLogger(MdeqTrainingJobReconciler.class);

    private final RunLifecycle lifecycle;
    private final ChildJobs jobs;
    private final StoreConnector stores;
    private final OperatorConfig config;
    private final EventRecorder events;
    private final OperatorMetrics metrics;
    private final RunMetrics runMetrics;

    public MdeqTrainingJobReconciler(RunLifecycle lifecycle, ChildJobs jobs, StoreConnector stores, OperatorConfig config,
                                     EventRecorder events, OperatorMetrics metrics, RunMetrics runMetrics) {
        this.lifecycle = lifecycle;
        this.jobs = jobs;
        this.stores = stores;
        this.config = config;
        this.events = events;
        this.metrics = metrics;
        this.runMetrics = runMetrics;
    }

    @Override
    public List<EventSource<?, MdeqTrainingJob>> prepareEventSources(EventSourceContext<MdeqTrainingJob> context) {
        List<EventSource<?, MdeqTrainingJob>> sources = new ArrayList<>();
        for (ChildJob child : jobs.all()) {
            sources.addAll(child.eventSource(context).stream().toList());
        }
        // Pods have no owner reference to the resource (their owner is the Job): mapped by label.
        sources.add(new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, MdeqTrainingJob.class)
                .withName("pods")
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(Mappers.fromLabel(Labels.TRAINING_JOB, null, MdeqTrainingJob.class))
                .build(), context));
        return sources;
    }

    @Override
    public UpdateControl<MdeqTrainingJob> reconcile(MdeqTrainingJob resource, Context<MdeqTrainingJob> context) {
        if (context.isPrimaryResourceDeleted()) {
            metrics.forget(resource.getMetadata().getUid());
            runMetrics.forget(resource.getMetadata().getNamespace(), resource.getMetadata().getName());
            return UpdateControl.noUpdate();
        }
        if (resource.isMarkedForDeletion()) {
            return delete(resource, context);
        }
        syncFinalizer(resource, context);
        Timer.Sample timer = metrics.start();
        MdeqTrainingJobStatus previous = resource.getStatus();
        StatusDraft draft = new StatusDraft(previous);
        Optional<Duration> next;
        String result = "ok";
        try {
            next = lifecycle.advance(resource, context, draft);
        } catch (InvalidSpecException e) {
            result = "invalid";
            metrics.error(e.reason());
            if (e.recheck()) {
                draft.notReady(e.reason(), e.getMessage());
            } else {
                draft.refuse(e.reason(), e.getMessage());
            }
            next = e.recheck() ? Optional.of(config.invalidSpecRecheck()) : Optional.empty();
        } catch (StorageException e) {
            result = "error";
            metrics.error(Reasons.STORAGE_UNAVAILABLE);
            draft.notReady(Reasons.STORAGE_UNAVAILABLE, "the object store cannot be used: " + e.getMessage());
            next = Optional.of(config.invalidSpecRecheck());
        }
        MdeqTrainingJobStatus status = draft.build(resource.getMetadata().getGeneration(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        metrics.phase(resource.getMetadata().getUid(), status.phase());
        runMetrics.update(resource.getMetadata().getNamespace(), resource.getMetadata().getName(), status);
        metrics.reconciled(timer, result);
        UpdateControl<MdeqTrainingJob> control;
        if (status.equals(previous)) {
            control = UpdateControl.noUpdate();
        } else {
            StatusEvents.record(events, resource, previous, status, draft.healthy());
            resource.setStatus(status);
            control = UpdateControl.patchStatus(resource);
        }
        next.ifPresent(delay -> control.rescheduleAfter(delay));
        return control;
    }

    @Override
    public ErrorStatusUpdateControl<MdeqTrainingJob> updateErrorStatus(MdeqTrainingJob resource,
                                                                       Context<MdeqTrainingJob> context, Exception e) {
        // Unexpected failures (API server errors, bugs) are retried with backoff by the framework; the
        // message goes to the log (it may quote an API response), the event names the exception type only.
        metrics.error(e.getClass().getSimpleName());
        LOG.warnf(e, "reconciling %s/%s failed", resource.getMetadata().getNamespace(), resource.getMetadata().getName());
        return ErrorStatusUpdateControl.defaultErrorProcessing();
    }

    /** A finalizer only while dataPolicyOnDelete is Delete. */
    private static void syncFinalizer(MdeqTrainingJob resource, Context<MdeqTrainingJob> context) {
        boolean wanted = resource.getSpec() != null && resource.getSpec().dataPolicy() == DataPolicy.Delete;
        if (wanted && !resource.hasFinalizer(DATA_FINALIZER)) {
            MdeqTrainingJob updated = context.resourceOperations().addFinalizer(DATA_FINALIZER);
            resource.getMetadata().setFinalizers(updated.getMetadata().getFinalizers());
            resource.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
        } else if (!wanted && resource.hasFinalizer(DATA_FINALIZER)) {
            removeFinalizer(resource, context);
            resource.removeFinalizer(DATA_FINALIZER);
        }
    }

    /**
     * Deletion with {@code dataPolicyOnDelete: Delete}: stop the Jobs, wait until their pods are gone
     * (a stopping trainer still writes its last checkpoint), delete the run folder, drop the finalizer.
     */
    private UpdateControl<MdeqTrainingJob> delete(MdeqTrainingJob resource, Context<MdeqTrainingJob> context) {
        if (!resource.hasFinalizer(DATA_FINALIZER)) {
            return UpdateControl.noUpdate();
        }
        for (ChildJob child : jobs.all()) {
            Optional<Job> job = child.current(resource, context);
            if (job.isPresent() && job.get().getMetadata().getDeletionTimestamp() == null) {
                context.getClient().resource(job.get()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            }
        }
        if (!context.getSecondaryResources(Pod.class).isEmpty()) {
            return UpdateControl.<MdeqTrainingJob>noUpdate().rescheduleAfter(Duration.ofSeconds(5));
        }
        String where = resource.getStatus() != null && resource.getStatus().runUri() != null
                ? resource.getStatus().runUri() : "runs/" + resource.getMetadata().getNamespace() + "/"
                + resource.getMetadata().getName() + " of the store";
        try {
            StoreTarget store = StoreTarget.resolve(resource.getSpec().storeOrEmpty(), config);
            var folder = stores.runFolder(store, resource.getMetadata().getNamespace(), resource.getMetadata().getName());
            where = folder.uri().toString();
            int count = folder.deleteAll();
            events.normal(resource, "RunDataDeleted", "dataPolicyOnDelete is Delete: deleted " + count
                    + " object(s) of the run folder " + folder.uri());
        } catch (InvalidSpecException e) {
            // The store can never be reached (e.g. its Secret went first, as when a namespace is deleted) or
            // the policy forbids it: waiting would block the deletion for ever, so the data stays and a Warning says so.
            events.warning(resource, "RunDataNotDeleted", "the run folder cannot be deleted: " + e.getMessage()
                    + "; delete its data by hand");
            LOG.warnf("%s/%s deleted without its run data (left in %s): %s", resource.getMetadata().getNamespace(),
                    resource.getMetadata().getName(), where, e.getMessage());
        } catch (StorageException e) {
            // The store does not answer (e.g. the bundled MinIO went first in the same namespace teardown):
            // retried until mdeq.data-deletion-timeout after the deletion began, then the data stays.
            Instant deadline = deletionStarted(resource).plus(config.dataDeletionTimeout());
            Duration left = Duration.between(Instant.now(), deadline);
            if (!left.isNegative() && !left.isZero()) {
                return retryDataDeletion(resource, where, deadline, left, e);
            }
            events.warning(resource, "RunDataNotDeleted", "dataPolicyOnDelete is Delete but the store did not answer "
                    + "for " + config.dataDeletionTimeout() + " (mdeq.data-deletion-timeout): the run folder " + where
                    + " is left in place, delete its data by hand; last error: " + e.getMessage());
            LOG.warnf("%s/%s deleted without its run data: the store did not answer for %s; left in %s (%s)",
                    resource.getMetadata().getNamespace(), resource.getMetadata().getName(),
                    config.dataDeletionTimeout(), where, e.getMessage());
        }
        removeFinalizer(resource, context);
        return UpdateControl.noUpdate();
    }

    /** Says in the status that the data deletion waits for the store, and looks again soon. */
    private UpdateControl<MdeqTrainingJob> retryDataDeletion(MdeqTrainingJob resource, String where, Instant deadline,
                                                             Duration left, StorageException e) {
        MdeqTrainingJobStatus previous = resource.getStatus();
        StatusDraft draft = new StatusDraft(previous);
        draft.notReady(Reasons.STORAGE_UNAVAILABLE, "deleting the run data (dataPolicyOnDelete: Delete): the store "
                + "does not answer; retrying until " + deadline.truncatedTo(ChronoUnit.SECONDS) + ", then the run folder "
                + where + " is left in place and the resource goes; last error: " + e.getMessage());
        MdeqTrainingJobStatus status = draft.build(resource.getMetadata().getGeneration(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        Duration next = left.compareTo(DATA_DELETION_RETRY) < 0 ? left.plusMillis(100) : DATA_DELETION_RETRY;
        if (status.equals(previous)) {
            return UpdateControl.<MdeqTrainingJob>noUpdate().rescheduleAfter(next);
        }
        resource.setStatus(status);
        return UpdateControl.patchStatus(resource).rescheduleAfter(next);
    }

    private static Instant deletionStarted(MdeqTrainingJob resource) {
        String timestamp = resource.getMetadata().getDeletionTimestamp();
        try {
            return timestamp == null ? Instant.now() : Instant.parse(timestamp);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.now();
        }
    }

    /**
     * Drops the data finalizer with optimistic locking, re-reading on a conflict. (The framework's own
     * helper fails when the resource disappears as a result of the removal.)
     */
    private static void removeFinalizer(MdeqTrainingJob resource, Context<MdeqTrainingJob> context) {
        var client = context.getClient();
        for (int attempt = 0; attempt < 10; attempt++) {
            MdeqTrainingJob latest = client.resources(MdeqTrainingJob.class).inNamespace(resource.getMetadata().getNamespace())
                    .withName(resource.getMetadata().getName()).get();
            if (latest == null || !latest.hasFinalizer(DATA_FINALIZER)) {
                return;
            }
            latest.removeFinalizer(DATA_FINALIZER);
            try {
                client.resource(latest).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 && e.getCode() != 404) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("could not remove the finalizer " + DATA_FINALIZER + " from "
                + resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName() + " after 10 conflicts");
    }
}
