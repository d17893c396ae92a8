package dev.mdeq.operator.api;

import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/**
 * The CRD schema of a pod template field: an object whose content the API server keeps as given
 * (x-kubernetes-preserve-unknown-fields). A full PodTemplateSpec schema would add hundreds of KiB to
 * the CRD per field; the operator checks the template itself (parsed as a Kubernetes PodTemplateSpec,
 * unknown fields and protected fields refused with their path) before it creates any Job.
 */
@PreserveUnknownFields
final class PodTemplateSchema {
    private PodTemplateSchema() {
    }
}
