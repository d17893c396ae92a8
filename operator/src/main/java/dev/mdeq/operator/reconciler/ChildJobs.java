package dev.mdeq.operator.reconciler;

import dev.mdeq.operator.dependent.ChildJob;
import dev.mdeq.operator.dependent.JobFactory;
import dev.mdeq.operator.dependent.Role;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** The three child Jobs of a run, as standalone dependent resources (one informer each). */
@ApplicationScoped
public class ChildJobs {
    private final ChildJob trainer;
    private final ChildJob evaluator;
    private final ChildJob merge;

    public ChildJobs(JobFactory factory) {
        trainer = new ChildJob(Role.TRAINER, factory::trainer);
        evaluator = new ChildJob(Role.EVALUATOR, factory::evaluator);
        merge = new ChildJob(Role.MERGE, factory::merge);
    }

    public ChildJob of(Role role) {
        return switch (role) {
            case TRAINER -> trainer;
            case EVALUATOR -> evaluator;
            case MERGE -> merge;
        };
    }

    public List<ChildJob> all() {
        return List.of(trainer, evaluator, merge);
    }
}
