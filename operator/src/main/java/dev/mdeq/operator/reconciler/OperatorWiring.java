package dev.mdeq.operator.reconciler;

import dev.mdeq.operator.api.MdeqTrainingJob;
import io.javaoperatorsdk.operator.Operator;
import io.quarkiverse.operatorsdk.runtime.CRDGenerationInfo;
import io.quarkiverse.operatorsdk.runtime.CRDUtils;
import io.quarkiverse.operatorsdk.runtime.QuarkusConfigurationService;
import io.quarkiverse.operatorsdk.runtime.QuarkusControllerConfiguration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;

/**
 * Builds the JOSDK {@link Operator} in place of the Quarkus extension's default producer, for one
 * reason: the extension (7.7.3) reads {@code triggerReconcilerOnAllEvents} from
 * {@code @ControllerConfiguration} but does not pass it to the runtime configuration, and this
 * reconciler needs it to see deletions without putting a finalizer on every resource. Everything
 * else is the extension's own configuration (namespaces, retry, rate limits, CRD apply in tests).
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

    /** A new operator with this reconciler registered (not started); also how tests simulate a restart. */
    public static Operator build(QuarkusConfigurationService configuration, MdeqTrainingJobReconciler reconciler) {
        Operator operator = new Operator(configuration);
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
