package dev.mdeq.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The operator's own settings: {@code mdeq.*} properties, each overridable by an environment variable
 * ({@code mdeq.trainer.image} = {@code MDEQ_TRAINER_IMAGE}). The watched namespaces are
 * {@code mdeq.watch-namespaces} (see application.properties).
 */
@ConfigMapping(prefix = "mdeq")
public interface OperatorConfig {

    /** Trainer pod defaults. */
    Trainer trainer();

    /** Evaluator pod defaults. */
    Evaluator evaluator();

    /** Defaults of every pod the operator creates. */
    Pods pods();

    /** The merge pod of a sharded evaluation. */
    Merge merge();

    /** Leader election among the operator's replicas. */
    LeaderElection leaderElection();

    /** The default object store for resources that name none. */
    Store store();

    /** How often a running resource re-reads its run's progress.json and report (no event announces them). */
    @WithDefault("15s")
    Duration pollInterval();

    /** How long to wait before checking again a spec that referenced something missing (Secret, ConfigMap, object). */
    @WithDefault("30s")
    Duration invalidSpecRecheck();

    /** What a resource may point the operator at (the admin's policy, docs/operator.md "Admin policy"). */
    Policy policy();

    /** Bounds of the object-store calls the operator itself makes while reconciling. */
    StoreCalls storeCalls();

    /**
     * How long, from the resource's deletionTimestamp, the operator keeps trying to delete the run data
     * of a {@code dataPolicyOnDelete: Delete} resource whose store does not answer; then it leaves the
     * data, records a Warning event and removes the finalizer.
     */
    @WithDefault("5m")
    Duration dataDeletionTimeout();

    /** Seconds added to RUN.SHUTDOWN_GRACE_SECONDS for the pods' terminationGracePeriodSeconds. */
    @WithDefault("30")
    int terminationGraceMarginSeconds();

    interface Trainer {
        /** The image with the mdeq command as entrypoint. */
        @WithDefault("ghcr.io/mdeq/mdeq:0.1.0")
        String image();

        /** The image pull policy of the pods. */
        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** Default restart budget (Job backoffLimit). */
        @WithDefault("6")
        int backoffLimit();

        /**
         * Default ServiceAccount of trainer and evaluator pods (the chart's API-less mdeq-workload);
         * unset: the namespace's default account. Pods never mount its token either way.
         */
        Optional<String> serviceAccountName();

        /**
         * How long a trainer pod may wait without running (unschedulable, image pull errors, a pod the Job
         * controller cannot create) before the run fails; spec.trainer.pendingTimeoutSeconds overrides it.
         */
        @WithDefault("15m")
        Duration pendingTimeout();
    }

    interface Evaluator {
        /** The evaluator image; unset: the trainer image. */
        Optional<String> image();

        /** Like mdeq.trainer.pending-timeout, for evaluator and merge pods; spec.evaluation.pendingTimeoutSeconds overrides it. */
        @WithDefault("15m")
        Duration pendingTimeout();

        /** Wall-clock limit of the evaluator Job and of the merge Job; spec.evaluation.activeDeadlineSeconds overrides it. */
        @WithDefault("12h")
        Duration activeDeadline();
    }

    interface Pods {
        /**
         * Size limit of the memory-backed emptyDir at /dev/shm of trainer and evaluator pods, where data
         * loading shares batches between processes; what is written there counts as the container's memory.
         */
        @WithDefault("1Gi")
        String shmSizeLimit();

        /** CPU request of a trainer or evaluator container whose spec sets none. */
        @WithDefault("1")
        String cpuRequest();

        /** Memory request of a trainer or evaluator container whose spec sets none. */
        @WithDefault("4Gi")
        String memoryRequest();
    }

    interface Merge {
        /** CPU request of the merge container (it only combines the shards' partial results). */
        @WithDefault("250m")
        String cpuRequest();

        /** Memory request and limit of the merge container. */
        @WithDefault("1Gi")
        String memory();
    }

    interface LeaderElection {
        /**
         * Whether replicas elect a leader through a coordination.k8s.io Lease in the operator's namespace;
         * only the leader reconciles. Active in the prod profile only (the tests run one operator).
         */
        @WithDefault("true")
        boolean enabled();

        /** The Lease's name. */
        @WithDefault("mdeq-operator-leader")
        String leaseName();

        /** How long a leader's Lease holds without renewal; a standby takes over at most this long after a leader died. */
        @WithDefault("15s")
        Duration leaseDuration();

        /** How long the leader keeps trying to renew before it gives up leading (and exits, to restart as a standby). */
        @WithDefault("10s")
        Duration renewDeadline();

        /** How often a standby tries to take the Lease. */
        @WithDefault("2s")
        Duration retryPeriod();
    }

    interface Store {
        /** Default store URI, e.g. s3://mdeq/prod. */
        Optional<String> uri();

        /** Default S3 endpoint, e.g. http://minio.mdeq.svc:9000. */
        Optional<String> endpoint();

        /** Default S3 region. */
        @WithDefault("us-east-1")
        String region();

        /** Default path-style addressing. */
        @WithDefault("true")
        boolean pathStyle();

        /**
         * Default credentials Secret name, looked up in the resource's namespace (not used while web identity
         * is enabled: then resources without spec.store.credentialsSecret use web identity).
         */
        Optional<String> credentialsSecret();

        /**
         * Default CA bundle: a ConfigMap in the resource's namespace with PEM certificates trusted for TLS to
         * the store in addition to the default ones (for resources without spec.store.caBundle).
         */
        Optional<String> caBundleConfigMap();

        /** The key of {@link #caBundleConfigMap()} holding the PEM bundle. */
        @WithDefault("ca.crt")
        String caBundleKey();

        /** Web identity for the store (STS AssumeRoleWithWebIdentity with projected service-account tokens). */
        WebIdentity webIdentity();
    }

    interface WebIdentity {
        /**
         * Whether trainer and evaluator pods of resources without spec.store.credentialsSecret get a projected
         * service-account token and exchange it through STS for temporary store keys (and the operator its
         * own). Off by default: pods carry no token at all.
         */
        @WithDefault("false")
        boolean enabled();

        /** The STS endpoint, e.g. https://sts.eu-west-1.amazonaws.com, or the MinIO endpoint (required when enabled). */
        Optional<String> stsEndpoint();

        /** The default role of trainer and evaluator pods (spec.store.webIdentityRoleArn overrides it). */
        Optional<String> roleArn();

        /** The audience of the pods' projected token: what the STS expects (sts.amazonaws.com for AWS). */
        @WithDefault("sts.amazonaws.com")
        String audience();

        /** Lifetime of the pods' projected token; the kubelet renews it before it ends (at least 600). */
        @WithDefault("3600")
        long tokenExpirationSeconds();

        /** The operator's own projected token, for its own store calls (the chart mounts it here). */
        @WithDefault("/var/run/secrets/mdeq/sts/token")
        String operatorTokenFile();

        /** The role of the operator's own store calls; unset: {@link #roleArn()}. */
        Optional<String> operatorRoleArn();
    }

    interface Policy {
        /**
         * Whether spec.store.uri and spec.experiment.uri may be file: URIs, which the operator would read,
         * write and delete inside its own container. Off by default; meant for tests and single-node
         * development only.
         */
        @WithDefault("false")
        boolean allowFileUris();

        /**
         * The S3 endpoints a resource may name in spec.store.endpoint: entries {@code host},
         * {@code host:port}, {@code *.domain} (any subdomain), each optionally with {@code http://} or
         * {@code https://} to require that scheme. Unset: any endpoint (the operator's default endpoint
         * is always allowed).
         */
        Optional<List<String>> allowedStoreEndpoints();
    }

    interface StoreCalls {
        /** TCP connect timeout of one S3 request made by the operator. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Read/write inactivity timeout of one S3 request made by the operator. */
        @WithDefault("10s")
        Duration ioTimeout();

        /** Attempts of one S3 operation made by the operator (1 = no retry). */
        @WithDefault("2")
        int attempts();

        /** Time after which no new attempt of one S3 operation starts. */
        @WithDefault("15s")
        Duration budget();
    }
}
