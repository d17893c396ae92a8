package dev.mdeq.operator;

import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.operator.dependent.JobFactory;
import dev.mdeq.operator.events.EventRecorder;
import dev.mdeq.operator.metrics.OperatorMetrics;
import dev.mdeq.operator.metrics.RunMetrics;
import dev.mdeq.operator.reconciler.ChildJobs;
import dev.mdeq.operator.reconciler.MdeqTrainingJobReconciler;
import dev.mdeq.operator.reconciler.RunLifecycle;
import dev.mdeq.operator.store.StoreConnector;
import dev.mdeq.operator.validation.SpecValidator;
import io.javaoperatorsdk.operator.Operator;
import io.quarkiverse.operatorsdk.runtime.QuarkusConfigurationService;
import io.quarkus.test.junit.QuarkusTestProfile;
import jakarta.inject.Inject;
import java.util.Map;

/**
 * Tests that stop the application's operator and start operators of their own, each with a new
 * reconciler (own dependents, informers and caches), as a new process or another replica would. Each
 * such test class runs in its own application (a profile extending {@link ClientOutlivesOperator}).
 */
abstract class ReplicaTestBase extends OperatorTestBase {

    /** An application whose client outlives a stopped operator; subclass it once per test class. */
    public abstract static class ClientOutlivesOperator implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.operator-sdk.close-client-on-stop", "false");
        }
    }

    @Inject
    Operator operator;
    @Inject
    QuarkusConfigurationService configuration;
    @Inject
    JobFactory factory;
    @Inject
    OperatorConfig config;
    @Inject
    SpecValidator validator;
    @Inject
    StoreConnector stores;
    @Inject
    EventRecorder events;

    /** A new reconciler with new child Job dependents, reporting to {@code metrics} and {@code runMetrics}. */
    MdeqTrainingJobReconciler newReconciler(OperatorMetrics metrics, RunMetrics runMetrics) {
        ChildJobs jobs = new ChildJobs(factory);
        return new MdeqTrainingJobReconciler(new RunLifecycle(config, validator, stores, jobs, events, metrics), jobs,
                stores, config, events, metrics, runMetrics);
    }
}
