package dev.mdeq.operator.dependent;

import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * A Job of the run, created once and never updated (a running training is not changed under its
 * feet): {@link Creator} without Updater, deleted with the resource through its owner reference
 * ({@link GarbageCollected}). Its name is deterministic ({@code <name>-train|eval|merge}), and each
 * role has its own informer (selected by the role label), so an operator restart finds the existing
 * Job instead of making a second one; a create that races an existing Job adopts it.
 */
public class ChildJob extends KubernetesDependentResource<Job, MdeqTrainingJob>
        implements Creator<Job, MdeqTrainingJob>, GarbageCollected<MdeqTrainingJob> {

    private final Role role;
    private final BiFunction<MdeqTrainingJob, JobInputs, Job> builder;

    /** @param builder makes the Job to create (one of {@link JobFactory}'s methods) */
    public ChildJob(Role role, BiFunction<MdeqTrainingJob, JobInputs, Job> builder) {
        super(Job.class, role.label());
        this.role = role;
        this.builder = builder;
        configureWith(new KubernetesDependentResourceConfigBuilder<Job>()
                .withKubernetesDependentInformerConfig(InformerConfiguration.builder(Job.class)
                        .withLabelSelector(Labels.roleSelector(role))
                        .build())
                .build());
    }

    public Role role() {
        return role;
    }

    /** The Job as the informer sees it, if it exists and belongs to this resource. */
    public Optional<Job> current(MdeqTrainingJob primary, Context<MdeqTrainingJob> context) {
        return getSecondaryResource(primary, context).filter(job -> ownedBy(job, primary));
    }

    /**
     * A Job of this name that belongs to an earlier resource of the same name (deleted, its Jobs not
     * yet garbage-collected): it must go before this resource's Job can be created.
     */
    public Optional<Job> predecessor(MdeqTrainingJob primary, Context<MdeqTrainingJob> context) {
        return getSecondaryResource(primary, context).filter(job -> !ownedBy(job, primary));
    }

    private static boolean ownedBy(Job job, MdeqTrainingJob primary) {
        return job.getMetadata().getOwnerReferences().stream()
                .anyMatch(owner -> owner.getUid().equals(primary.getMetadata().getUid()));
    }

    /**
     * Creates this role's Job for {@code primary} from {@code inputs}; the caller has seen that it does
     * not exist ({@link #current}). Goes through the dependent resource's create handling, which
     * caches the new Job so that the next reconciliation sees it before the informer does.
     */
    public Job create(MdeqTrainingJob primary, JobInputs inputs, Context<MdeqTrainingJob> context) {
        return handleCreate(builder.apply(primary, inputs), primary, context);
    }

    /** The Job this role would get, built but not created: refuses a pod template that is not allowed. */
    public Job desired(MdeqTrainingJob primary, JobInputs inputs) {
        return builder.apply(primary, inputs);
    }

    @Override
    protected ResourceID targetSecondaryResourceID(MdeqTrainingJob primary, Context<MdeqTrainingJob> context) {
        return new ResourceID(currentName(primary), primary.getMetadata().getNamespace());
    }

    /**
     * The name of this role's Job in the run's current attempt: the trainer Job the status names (a
     * retry of a failed evaluation keeps the trainer that succeeded), the evaluator and merge Jobs of
     * the current attempt.
     */
    private String currentName(MdeqTrainingJob primary) {
        String name = primary.getMetadata().getName();
        MdeqTrainingJobStatus status = primary.getStatus();
        if (status == null) {
            return role.jobName(name);
        }
        if (role == Role.TRAINER && status.trainer() != null && status.trainer().jobName() != null) {
            return status.trainer().jobName();
        }
        return role.jobName(name, status.attemptOrFirst());
    }

    @Override
    public Job create(Job desired, MdeqTrainingJob primary, Context<MdeqTrainingJob> context) {
        try {
            return super.create(desired, primary, context);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                Job existing = context.getClient().resource(desired).get();
                if (existing != null) {
                    return existing;
                }
            }
            throw e;
        }
    }
}
