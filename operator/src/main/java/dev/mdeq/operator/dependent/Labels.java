package dev.mdeq.operator.dependent;

import java.util.LinkedHashMap;
import java.util.Map;

/** The labels of every Job and pod the operator creates; pods are found by them. */
public final class Labels {
    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    /** The MdeqTrainingJob a Job or pod belongs to (pods carry no owner reference to it). */
    public static final String TRAINING_JOB = "mdeq.dev/training-job";
    /** trainer, evaluator or merge. */
    public static final String ROLE = "mdeq.dev/role";

    public static final String MANAGER = "mdeq-operator";
    /** Selects everything this operator created. */
    public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + MANAGER;

    private Labels() {
    }

    /** The labels of a resource's Job (and its pods) of a role. */
    public static Map<String, String> of(String resourceName, Role role) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "mdeq");
        labels.put(INSTANCE, resourceName);
        labels.put(COMPONENT, role.label());
        labels.put(MANAGED_BY, MANAGER);
        labels.put(TRAINING_JOB, resourceName);
        labels.put(ROLE, role.label());
        return labels;
    }

    /** Selects the Jobs of one role. */
    public static String roleSelector(Role role) {
        return MANAGED_SELECTOR + "," + ROLE + "=" + role.label();
    }
}
