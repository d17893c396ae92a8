package dev.mdeq.operator.dependent;

import dev.mdeq.operator.api.CaBundleSpec;
import dev.mdeq.operator.api.ComputeSpec;
import dev.mdeq.operator.api.EvaluationSpec;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.ResourcesSpec;
import dev.mdeq.operator.api.TolerationSpec;
import dev.mdeq.operator.api.TrainerSpec;
import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.operator.podtemplate.PodTemplateOverride;
import dev.mdeq.operator.queue.Kueue;
import dev.mdeq.operator.store.StoreCredentials;
import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.storage.S3Settings;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPathBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the trainer, evaluator and merge Jobs: the container contract between the operator and the
 * {@code mdeq} image (entrypoint {@code mdeq}).
 *
 * <ul>
 *   <li>trainer: {@code train --run RUN_URI} (config.yaml already in the run folder);
 *   <li>evaluator: {@code evaluate --run RUN_URI --eval-id ID [--checkpoint best|latest|step-...]
 *       --split val|train [--shard env/N]} ({@code --checkpoint} only when the spec names one;
 *       {@code env}: the shard index is {@code JOB_COMPLETION_INDEX} of an Indexed Job);
 *   <li>merge: {@code evaluate merge --run RUN_URI --eval-id ID --shards N}.
 * </ul>
 * Environment: {@code MDEQ_S3_ENDPOINT}, {@code MDEQ_S3_REGION}, {@code MDEQ_S3_PATH_STYLE},
 * {@code MDEQ_S3_CREDENTIALS_DIR} (the credentials Secret mounted read-only as the files
 * {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY} and, when present, {@code AWS_SESSION_TOKEN}) or,
 * with web identity, {@code AWS_WEB_IDENTITY_TOKEN_FILE} (a projected token), {@code AWS_ROLE_ARN},
 * {@code AWS_ROLE_SESSION_NAME} and {@code MDEQ_S3_STS_ENDPOINT}; {@code MDEQ_S3_CA_BUNDLE} (a mounted CA
 * bundle, when given) and {@code MDEQ_CACHE_DIR} (an emptyDir). Pods meet the 'restricted' Pod Security Standard: non-root (uid 10001, gid 10001), seccomp
 * RuntimeDefault, no privilege escalation, no capabilities; the root filesystem is read-only, with
 * emptyDirs at /tmp and the home folder. Pods never restart in place ({@code restartPolicy: Never}): the Job makes a new pod,
 * which resumes from the latest checkpoint. Every container requests CPU and memory (the spec's, else the
 * operator's defaults); trainer and evaluator pods get a memory-backed /dev/shm. The role's pod template
 * from the spec is merged last ({@link PodTemplateOverride}).
 */
@ApplicationScoped
public class JobFactory {
    public static final String CONTAINER = "mdeq";
    public static final String CREDENTIALS_DIR = "/var/run/secrets/mdeq/store";
    static final String CREDENTIALS_VOLUME = "store-credentials";
    /** The projected web identity token (only with web identity enabled). */
    public static final String STS_TOKEN_DIR = "/var/run/secrets/mdeq/sts";
    static final String STS_TOKEN_FILE = "token";
    static final String STS_TOKEN_VOLUME = "sts-token";
    /** The store's CA bundle (only when one is given). */
    public static final String CA_BUNDLE_DIR = "/var/run/mdeq/store-ca";
    static final String CA_BUNDLE_FILE = "ca.crt";
    static final String CA_BUNDLE_VOLUME = "store-ca";
    public static final String CACHE_DIR = "/var/cache/mdeq";
    public static final String CACHE_ENV = "MDEQ_CACHE_DIR";
    public static final String GPU_RESOURCE = "nvidia.com/gpu";
    /**
     * The runtime image's user (docker/runtime.Dockerfile: {@code USER 10001:10001}); set explicitly so that
     * runAsNonRoot also holds for an image whose USER is a name, which the kubelet cannot check.
     */
    public static final long RUNTIME_UID = 10001L;
    /** The runtime image's primary group (docker/runtime.Dockerfile: {@code USER 10001:10001}), never 0. */
    public static final long RUNTIME_GID = 10001L;
    /** Writable emptyDirs on the read-only root filesystem: temporary files and the user's home. */
    public static final String TMP_DIR = "/tmp";
    public static final String HOME_DIR = "/home/mdeq";
    static final String HOME_SIZE_LIMIT = "1Gi";
    /** The data cache (an emptyDir); a pod template may replace it, e.g. by a PersistentVolumeClaim. */
    public static final String CACHE_VOLUME = "cache";
    /** The memory-backed /dev/shm of trainer and evaluator pods; a pod template may replace it. */
    public static final String SHM_VOLUME = "dshm";
    public static final String SHM_DIR = "/dev/shm";
    private static final Set<String> REPLACEABLE_VOLUMES = Set.of(CACHE_VOLUME, SHM_VOLUME);

    private final OperatorConfig config;

    public JobFactory(OperatorConfig config) {
        this.config = config;
    }

    /** The trainer Job. */
    public Job trainer(MdeqTrainingJob resource, JobInputs inputs) {
        TrainerSpec trainer = resource.getSpec().trainerOrDefault();
        List<String> args = List.of("train", "--run", inputs.runUri().toString());
        Job job = base(resource, Role.TRAINER, inputs, new MainContainer(image(trainer), trainer.gpuCount(), trainer.resources(),
                args), trainer.podTemplate(), "spec.trainer.podTemplate");
        job.getSpec().setActiveDeadlineSeconds(trainer.activeDeadlineSeconds());
        return job;
    }

    /** The evaluator's and merge Job's wall-clock limit: the spec's, else the operator's default. */
    private long evaluationDeadline(MdeqTrainingJob resource) {
        Long seconds = resource.getSpec().evaluationOrDefault().activeDeadlineSeconds();
        return seconds != null ? seconds : config.evaluator().activeDeadline().toSeconds();
    }

    /** The evaluator Job: one pod, or an Indexed Job with one pod per shard. */
    public Job evaluator(MdeqTrainingJob resource, JobInputs inputs) {
        EvaluationSpec evaluation = resource.getSpec().evaluationOrDefault();
        int shards = evaluation.shardCount();
        List<String> args = new ArrayList<>(List.of("evaluate", "--run", inputs.runUri().toString(),
                "--eval-id", inputs.evalId()));
        // Unset: no --checkpoint, so the evaluator takes BEST when the run has one, else LATEST (a
        // run stopped by RUN.MAX_STEPS before its first validation has no BEST).
        evaluation.chosenCheckpoint().ifPresent(checkpoint -> args.addAll(List.of("--checkpoint", checkpoint)));
        args.addAll(List.of("--split", evaluation.splitOrDefault().wireName()));
        if (shards > 1) {
            args.addAll(List.of("--shard", "env/" + shards));
        }
        TrainerSpec trainer = resource.getSpec().trainerOrDefault();
        MainContainer container = new MainContainer(evaluatorImage(resource), evaluatorGpus(resource),
                evaluation.resources() != null ? evaluation.resources() : trainer.resources(), args);
        Job job = evaluation.podTemplate() != null
                ? base(resource, Role.EVALUATOR, inputs, container, evaluation.podTemplate(), "spec.evaluation.podTemplate")
                : base(resource, Role.EVALUATOR, inputs, container, trainer.podTemplate(), "spec.trainer.podTemplate");
        job.getSpec().setActiveDeadlineSeconds(evaluationDeadline(resource));
        if (shards > 1) {
            job.getSpec().setCompletionMode("Indexed");
            job.getSpec().setCompletions(shards);
            job.getSpec().setParallelism(shards);
        }
        return job;
    }

    /** The merge Job of a sharded evaluation. */
    public Job merge(MdeqTrainingJob resource, JobInputs inputs) {
        int shards = resource.getSpec().evaluationOrDefault().shardCount();
        List<String> args = List.of("evaluate", "merge", "--run", inputs.runUri().toString(),
                "--eval-id", inputs.evalId(), "--shards", Integer.toString(shards));
        Job job = base(resource, Role.MERGE, inputs, new MainContainer(evaluatorImage(resource), 0, null, args),
                resource.getSpec().evaluationOrDefault().mergePodTemplate(), "spec.evaluation.mergePodTemplate");
        job.getSpec().setActiveDeadlineSeconds(evaluationDeadline(resource));
        return job;
    }

    /** What differs between the roles' main containers. */
    private record MainContainer(String image, int gpus, ResourcesSpec resources, List<String> args) {
    }

    /**
     * The Job of a role: the operator's pod, with the user's pod template (at {@code templatePath}) merged
     * onto it. The merge pod uses no GPU: it gets none of the trainer's node selector and tolerations
     * (typically those of GPU nodes), no /dev/shm and small fixed resources.
     */
    private Job base(MdeqTrainingJob resource, Role role, JobInputs inputs, MainContainer main,
                     Map<String, Object> template, String templatePath) {
        boolean merge = role == Role.MERGE;
        String name = resource.getMetadata().getName();
        TrainerSpec trainer = resource.getSpec().trainerOrDefault();
        Map<String, String> labels = Labels.of(name, role);
        Map<String, String> jobLabels = new LinkedHashMap<>(labels);
        jobLabels.putAll(Kueue.jobLabels(resource));
        // A queued Job starts suspended: Kueue unsuspends it on admission (and owns spec.suspend from then on).
        boolean suspended = resource.getSpec().suspended() || Kueue.queueName(resource).isPresent();
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        List<EnvVar> env = new ArrayList<>();
        if (inputs.store().isS3()) {
            env.add(new EnvVar(S3Settings.ENDPOINT, inputs.store().endpoint(), null));
            env.add(new EnvVar(S3Settings.REGION, inputs.store().region(), null));
            env.add(new EnvVar(S3Settings.PATH_STYLE, Boolean.toString(inputs.store().pathStyle()), null));
            if (inputs.store().webIdentity()) {
                webIdentity(inputs.store(), role.jobName(name), volumes, mounts, env);
            } else {
                credentials(inputs.store().credentialsSecret(), volumes, mounts, env);
            }
            if (inputs.store().caBundle() != null) {
                caBundle(inputs.store().caBundle(), volumes, mounts, env);
            }
        }
        env.add(new EnvVar(CACHE_ENV, CACHE_DIR, null));
        volumes.add(new VolumeBuilder().withName(CACHE_VOLUME)
                .withNewEmptyDir()
                .withSizeLimit(trainer.cacheSizeLimit() == null ? null : new Quantity(trainer.cacheSizeLimit()))
                .endEmptyDir()
                .build());
        mounts.add(new VolumeMountBuilder().withName(CACHE_VOLUME).withMountPath(CACHE_DIR).build());
        // The root filesystem is read-only: the JVM's and the S3 uploads' temporary files go to /tmp, and
        // anything that writes under the home folder (font caches and the like) to an emptyDir there.
        volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
        mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath(TMP_DIR).build());
        volumes.add(new VolumeBuilder().withName("home").withNewEmptyDir().withSizeLimit(new Quantity(HOME_SIZE_LIMIT))
                .endEmptyDir().build());
        mounts.add(new VolumeMountBuilder().withName("home").withMountPath(HOME_DIR).build());
        if (!merge) {
            // Data loading passes batches between processes through shared memory; a container runtime's
            // default /dev/shm is 64 MiB.
            volumes.add(new VolumeBuilder().withName(SHM_VOLUME).withNewEmptyDir().withMedium("Memory")
                    .withSizeLimit(new Quantity(config.pods().shmSizeLimit())).endEmptyDir().build());
            mounts.add(new VolumeMountBuilder().withName(SHM_VOLUME).withMountPath(SHM_DIR).build());
        }

        Job job = new JobBuilder()
                .withNewMetadata()
                .withName(role.jobName(name, inputs.attempt()))
                .withNamespace(resource.getMetadata().getNamespace())
                .withLabels(jobLabels)
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(trainer.backoffLimit() != null ? trainer.backoffLimit() : config.trainer().backoffLimit())
                .withSuspend(suspended)
                .withPodFailurePolicy(podFailurePolicy())
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withTerminationGracePeriodSeconds((long) inputs.shutdownGraceSeconds() + config.terminationGraceMarginSeconds())
                .withServiceAccountName(trainer.serviceAccountName() != null ? trainer.serviceAccountName()
                        : config.trainer().serviceAccountName().orElse(null))
                // Trainer and evaluator never call the Kubernetes API: no token in the pod at all.
                .withAutomountServiceAccountToken(false)
                // The 'restricted' Pod Security Standard, with the container settings below.
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(RUNTIME_UID)
                .withRunAsGroup(RUNTIME_GID)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withPriorityClassName(trainer.priorityClassName())
                .withNodeSelector(merge || trainer.nodeSelector() == null ? null : new LinkedHashMap<>(trainer.nodeSelector()))
                .withTolerations(merge ? null : tolerations(trainer.tolerations()))
                .withVolumes(volumes)
                .addToContainers(new ContainerBuilder()
                        .withName(CONTAINER)
                        .withImage(main.image())
                        .withImagePullPolicy(config.trainer().imagePullPolicy())
                        .withArgs(main.args())
                        .withEnv(env)
                        .withVolumeMounts(mounts)
                        .withResources(merge ? mergeResources() : resources(main.resources(), main.gpus()))
                        .withNewSecurityContext()
                        .withAllowPrivilegeEscalation(false)
                        .withReadOnlyRootFilesystem(true)
                        .withNewCapabilities().withDrop("ALL").endCapabilities()
                        .endSecurityContext()
                        .build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        job.getSpec().setTemplate(PodTemplateOverride.apply(job.getSpec().getTemplate(), template, templatePath,
                CONTAINER, REPLACEABLE_VOLUMES));
        return job;
    }

    /**
     * The credentials Secret as files: the two keys, and the session token of temporary keys when the Secret
     * has one (an optional source, so a Secret without it still mounts). Only these keys, whatever else the
     * Secret holds.
     */
    private static void credentials(String secret, List<Volume> volumes, List<VolumeMount> mounts, List<EnvVar> env) {
        env.add(new EnvVar(S3Settings.CREDENTIALS_DIR, CREDENTIALS_DIR, null));
        volumes.add(new VolumeBuilder().withName(CREDENTIALS_VOLUME)
                .withNewProjected()
                .withDefaultMode(0444) // readable by the image's non-root user without fsGroup
                .addNewSource().withNewSecret().withName(secret)
                .withItems(StoreCredentials.KEYS.stream().map(key -> new KeyToPathBuilder().withKey(key).withPath(key).build()).toList())
                .endSecret().endSource()
                .addNewSource().withNewSecret().withName(secret).withOptional(true)
                .withItems(new KeyToPathBuilder().withKey(StoreCredentials.SESSION_TOKEN_KEY)
                        .withPath(StoreCredentials.SESSION_TOKEN_KEY).build())
                .endSecret().endSource()
                .endProjected()
                .build());
        mounts.add(new VolumeMountBuilder().withName(CREDENTIALS_VOLUME).withMountPath(CREDENTIALS_DIR).withReadOnly(true).build());
    }

    /**
     * Web identity (enabled by the admin): a projected service-account token for the STS's audience only (the
     * API server refuses it, so the pods still cannot call the API), renewed by the kubelet, and the variables
     * of the exchange. The role session name is the Job's name, which shows in the store's audit log.
     */
    private void webIdentity(StoreTarget store, String jobName, List<Volume> volumes, List<VolumeMount> mounts,
                             List<EnvVar> env) {
        OperatorConfig.WebIdentity web = config.store().webIdentity();
        volumes.add(new VolumeBuilder().withName(STS_TOKEN_VOLUME)
                .withNewProjected()
                .withDefaultMode(0444)
                .addNewSource().withNewServiceAccountToken()
                .withAudience(web.audience())
                .withExpirationSeconds(Math.max(600L, web.tokenExpirationSeconds()))
                .withPath(STS_TOKEN_FILE)
                .endServiceAccountToken().endSource()
                .endProjected()
                .build());
        mounts.add(new VolumeMountBuilder().withName(STS_TOKEN_VOLUME).withMountPath(STS_TOKEN_DIR).withReadOnly(true).build());
        env.add(new EnvVar(S3Settings.WEB_IDENTITY_TOKEN_FILE, STS_TOKEN_DIR + "/" + STS_TOKEN_FILE, null));
        env.add(new EnvVar(S3Settings.STS_ENDPOINT, web.stsEndpoint().orElseThrow(), null));
        if (store.roleArn() != null) {
            env.add(new EnvVar(S3Settings.ROLE_ARN, store.roleArn(), null));
        }
        env.add(new EnvVar(S3Settings.ROLE_SESSION_NAME, jobName, null));
    }

    /** The CA bundle's key from its ConfigMap or Secret, as the file {@code ca.crt}. */
    private static void caBundle(CaBundleSpec bundle, List<Volume> volumes, List<VolumeMount> mounts, List<EnvVar> env) {
        var item = new KeyToPathBuilder().withKey(bundle.keyOrDefault()).withPath(CA_BUNDLE_FILE).build();
        VolumeBuilder volume = new VolumeBuilder().withName(CA_BUNDLE_VOLUME);
        if (bundle.configMap() != null) {
            volume.withNewConfigMap().withName(bundle.configMap()).withItems(item).withDefaultMode(0444).endConfigMap();
        } else {
            volume.withNewSecret().withSecretName(bundle.secret()).withItems(item).withDefaultMode(0444).endSecret();
        }
        volumes.add(volume.build());
        mounts.add(new VolumeMountBuilder().withName(CA_BUNDLE_VOLUME).withMountPath(CA_BUNDLE_DIR).withReadOnly(true).build());
        env.add(new EnvVar(S3Settings.CA_BUNDLE, CA_BUNDLE_DIR + "/" + CA_BUNDLE_FILE, null));
    }

    /**
     * Preemption, eviction and node loss ({@code DisruptionTarget}) and a stop after a checkpoint on
     * SIGTERM (exit 75) do not use up the restart budget; wrong usage (2), invalid input (3) and a
     * diverged run (4) fail the Job at once, since a new pod would fail the same way.
     */
    static PodFailurePolicy podFailurePolicy() {
        return new PodFailurePolicyBuilder()
                .addNewRule()
                .withAction("Ignore")
                .addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition()
                .endRule()
                .addNewRule()
                .withAction("Ignore")
                .withNewOnExitCodes().withContainerName(CONTAINER).withOperator("In")
                .withValues(ExitCodes.INTERRUPTED).endOnExitCodes()
                .endRule()
                .addNewRule()
                .withAction("FailJob")
                .withNewOnExitCodes().withContainerName(CONTAINER).withOperator("In")
                .withValues(ExitCodes.USAGE, ExitCodes.INVALID_INPUT, ExitCodes.DIVERGED).endOnExitCodes()
                .endRule()
                .build();
    }

    /** The spec's requests and limits; a container whose spec requests no CPU or memory gets the operator's default. */
    private ResourceRequirements resources(ResourcesSpec spec, int gpus) {
        Map<String, Quantity> requests = quantities(spec == null ? null : spec.requests());
        requests.putIfAbsent("cpu", new Quantity(config.pods().cpuRequest()));
        requests.putIfAbsent("memory", new Quantity(config.pods().memoryRequest()));
        Map<String, Quantity> limits = quantities(spec == null ? null : spec.limits());
        if (gpus > 0) {
            // Extended resources must have equal requests and limits.
            limits.put(GPU_RESOURCE, new Quantity(Integer.toString(gpus)));
            requests.put(GPU_RESOURCE, new Quantity(Integer.toString(gpus)));
        }
        ResourceRequirements requirements = new ResourceRequirements();
        requirements.setRequests(requests.isEmpty() ? null : requests);
        requirements.setLimits(limits.isEmpty() ? null : limits);
        return requirements;
    }

    private ResourceRequirements mergeResources() {
        ResourceRequirements requirements = new ResourceRequirements();
        requirements.setRequests(new LinkedHashMap<>(Map.of("cpu", new Quantity(config.merge().cpuRequest()),
                "memory", new Quantity(config.merge().memory()))));
        requirements.setLimits(new LinkedHashMap<>(Map.of("memory", new Quantity(config.merge().memory()))));
        return requirements;
    }

    private static Map<String, Quantity> quantities(ComputeSpec compute) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        if (compute != null && compute.cpu() != null) {
            out.put("cpu", new Quantity(compute.cpu()));
        }
        if (compute != null && compute.memory() != null) {
            out.put("memory", new Quantity(compute.memory()));
        }
        return out;
    }

    private static List<Toleration> tolerations(List<TolerationSpec> specs) {
        if (specs == null) {
            return null;
        }
        return specs.stream()
                .map(t -> new TolerationBuilder().withKey(t.key()).withOperator(t.operator()).withValue(t.value())
                        .withEffect(t.effect()).withTolerationSeconds(t.tolerationSeconds()).build())
                .toList();
    }

    private String image(TrainerSpec trainer) {
        return trainer.image() != null ? trainer.image() : config.trainer().image();
    }

    private String evaluatorImage(MdeqTrainingJob resource) {
        EvaluationSpec evaluation = resource.getSpec().evaluationOrDefault();
        if (evaluation.image() != null) {
            return evaluation.image();
        }
        TrainerSpec trainer = resource.getSpec().trainerOrDefault();
        return trainer.image() != null ? trainer.image() : config.evaluator().image().orElse(config.trainer().image());
    }

    private static int evaluatorGpus(MdeqTrainingJob resource) {
        EvaluationSpec evaluation = resource.getSpec().evaluationOrDefault();
        return evaluation.gpus() != null ? evaluation.gpus() : resource.getSpec().trainerOrDefault().gpuCount();
    }
}
