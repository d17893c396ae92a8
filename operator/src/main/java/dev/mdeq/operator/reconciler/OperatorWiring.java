package dev.mdeq.operator.reconciler;

import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.config.OperatorConfig;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.quarkus.arc.Unremovable;
import io.quarkiverse.operatorsdk.runtime.CRDGenerationInfo;
import io.quarkiverse.operatorsdk.runtime.CRDUtils;
import io.quarkiverse.operatorsdk.runtime.QuarkusConfigurationService;
import io.quarkiverse.operatorsdk.runtime.QuarkusControllerConfiguration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;

/**
 * Builds the JOSDK {@link Operator} in place of the Quarkus extension's default producer, for one
 * reason: the extension (7.7.3) reads {@code triggerReconcilerOnAllEvents} from
 * {@code @ControllerConfiguration} but does not pass it to the runtime configuration, and this
 * reconciler needs it to see deletions without putting a finalizer on every resource. Everything
 * else is the extension's own configuration (namespaces, retry, rate limits, CRD apply in tests).
 * It also produces the leader election settings, which the extension picks up in the prod profile.
 */
public class OperatorWiring {

    @Produces
    @ApplicationScoped
    Operator operator(QuarkusConfigurationService configuration, MdeqTrainingJobReconciler reconciler) {
        CRDGenerationInfo crds = configuration.getCRDGenerationInfo();
        if (crds.isApplyCRDs()) {
            for (String name : crds.getGenerated()) {
                CRDUtils.applyCRD(configuration.getKubernetesClient(), crds, name);
            }
        }
        return build(configuration, reconciler);
    }

    /**
     * Replicas elect a leader through a Lease in the operator's namespace (the client's, from the pod's
     * service account); the pod name (HOSTNAME) is the identity. A leader that cannot renew exits, and
     * its pod restarts as a standby. The extension activates this in the prod profile only
     * ({@code quarkus.operator-sdk.activate-leader-election-for-profiles}).
     */
    @Produces
    @Dependent
    @Unremovable
    LeaderElectionConfiguration leaderElection(OperatorConfig config) {
        OperatorConfig.LeaderElection election = config.leaderElection();
        if (!election.enabled()) {
            return null;
        }
        return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(election.leaseName())
                .withLeaseDuration(election.leaseDuration())
                .withRenewDeadline(election.renewDeadline())
                .withRetryPeriod(election.retryPeriod())
                .build();
    }

    /** A new operator with this reconciler registered (not started); also how tests simulate a restart. */
    public static Operator build(QuarkusConfigurationService configuration, MdeqTrainingJobReconciler reconciler) {
        return build(configuration, configuration, reconciler);
    }

    /**
     * A new operator as {@link #build(QuarkusConfigurationService, MdeqTrainingJobReconciler)}, whose
     * operator-wide settings (leader election, executors) come from {@code operatorConfiguration}: how
     * tests run two replicas in one process.
     */
    public static Operator build(QuarkusConfigurationService configuration, ConfigurationService operatorConfiguration,
            MdeqTrainingJobReconciler reconciler) {
        Operator operator = new Operator(operatorConfiguration);
        QuarkusControllerConfiguration<MdeqTrainingJob> extension = configuration.getConfigurationFor(reconciler);
        AllEventsConfiguration controller = new AllEventsConfiguration(extension);
        controller.setParent(configuration);
        operator.register(reconciler, controller);
        return operator;
    }

    /** The extension's controller configuration, with every event (deletions too) sent to reconcile. */
    static final class AllEventsConfiguration extends QuarkusControllerConfiguration<MdeqTrainingJob> {
        AllEventsConfiguration(QuarkusControllerConfiguration<MdeqTrainingJob> c) {
            super(c.getInformerConfig(), c.getName(), c.isGenerationAware(), c.getAssociatedReconcilerClassName(),
                    c.getRetry(), c.getRateLimiter(), c.maxReconciliationInterval().orElse(Duration.ofHours(10)),
                    c.getFinalizerName(), c.fieldManager(), c.getWorkflow(), c.getResourceTypeName(), c.getResourceClass());
        }

        @Override
        public boolean triggerReconcilerOnAllEvents() {
            return true;
        }
    }
}
