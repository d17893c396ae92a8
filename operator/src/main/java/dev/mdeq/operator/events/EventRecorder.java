package dev.mdeq.operator.events;

import dev.mdeq.runstore.storage.Sha256;
import dev.mdeq.operator.api.MdeqTrainingJob;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Writes Kubernetes Events about a resource ({@code kubectl describe mdj NAME} shows them). An event
 * with the same reason and message as an earlier one is counted on that one instead of repeated.
 * Callers pass messages that never contain a secret value. A failure to record is logged, never
 * thrown: events are a courtesy, the status is the record.
 */
@ApplicationScoped
public class EventRecorder {
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);
    private static final String COMPONENT = "mdeq-operator";
    /** The API server's limit on an event message. */
    private static final int MAX_MESSAGE = 1024;

    /** Normal or Warning, as Kubernetes types events. */
    public enum Type { Normal, Warning }

    private final KubernetesClient client;

    public EventRecorder(KubernetesClient client) {
        this.client = client;
    }

    public void normal(MdeqTrainingJob resource, String reason, String message) {
        record(resource, Type.Normal, reason, message);
    }

    public void warning(MdeqTrainingJob resource, String reason, String message) {
        record(resource, Type.Warning, reason, message);
    }

    public void record(MdeqTrainingJob resource, Type type, String reason, String message) {
        String namespace = resource.getMetadata().getNamespace();
        String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
        String name = resource.getMetadata().getName() + "." + digest(type + reason + text);
        String now = Instant.now().toString();
        try {
            Event existing = client.v1().events().inNamespace(namespace).withName(name).get();
            if (existing != null) {
                client.v1().events().inNamespace(namespace).withName(name).edit(e -> {
                    e.setCount(e.getCount() == null ? 2 : e.getCount() + 1);
                    e.setLastTimestamp(now);
                    return e;
                });
                return;
            }
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder()
                            .withApiVersion(resource.getApiVersion())
                            .withKind(resource.getKind())
                            .withName(resource.getMetadata().getName())
                            .withNamespace(namespace)
                            .withUid(resource.getMetadata().getUid())
                            .withResourceVersion(resource.getMetadata().getResourceVersion())
                            .build())
                    .withType(type.name())
                    .withReason(reason)
                    .withMessage(text)
                    .withCount(1)
                    .withFirstTimestamp(now)
                    .withLastTimestamp(now)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .withReportingComponent(COMPONENT)
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not record event %s on %s/%s: %s", reason, namespace, resource.getMetadata().getName(),
                    e.getMessage());
        }
    }

    private static String digest(String text) {
        return Sha256.hex(text).substring(0, 12);
    }
}
