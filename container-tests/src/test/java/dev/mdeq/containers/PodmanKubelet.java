package dev.mdeq.containers;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays the Job controller and the kubelet of one node against the mock API server, with real
 * containers: each Job of the namespace gets a pod, and the pod's template becomes a {@code podman run}
 * (image, command and args, env, Secret and projected Secret volumes as files with their modes, emptyDirs, user and group,
 * read-only root, capabilities, no privilege escalation, resource limits). The pod's phase and exit code
 * go back to the API, and the Job's counters and conditions follow the Job's rules: restartPolicy Never
 * (a new pod after a failure), the pod failure policy (Ignore, FailJob, Count on exit codes),
 * backoffLimit, completions 1, suspend.
 *
 * <p>Pods use the host's network (everything they talk to listens on 127.0.0.1). Not played: the
 * scheduler (node selectors, tolerations, GPUs), Indexed Jobs, image pulls (images must be local),
 * activeDeadlineSeconds, ServiceAccount tokens (the operator's pods mount none), restartPolicy other than
 * Never (a failed pod is always replaced by a new one, which is what Never means).
 */
final class PodmanKubelet implements AutoCloseable {
    private final KubernetesClient client;
    private final String namespace;
    private final Path work;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "podman-kubelet");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, RunningPod> running = new LinkedHashMap<>();
    private final Set<String> finished = new HashSet<>();
    private final List<PodRecord> history = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private int counter;

    /** A pod this kubelet ran: its Job, name, podman command, log file and (once ended) exit code. */
    record PodRecord(String job, String pod, List<String> command, Path log, Integer exitCode) {
        String output() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private record RunningPod(String job, String pod, List<String> command, Path log, Process process, long graceSeconds) {
    }

    PodmanKubelet(KubernetesClient client, String namespace, Path work) {
        this.client = client;
        this.namespace = namespace;
        this.work = work;
    }

    void start() {
        loop.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                errors.add(e.toString());
                System.err.println("[podman-kubelet] " + e);
            }
        }, 0, 500, TimeUnit.MILLISECONDS);
    }

    /** Every pod started so far (running ones with a null exit code), oldest first. */
    synchronized List<PodRecord> pods() {
        List<PodRecord> out = new ArrayList<>(history);
        for (RunningPod pod : running.values()) {
            out.add(new PodRecord(pod.job(), pod.pod(), pod.command(), pod.log(), null));
        }
        return out;
    }

    /** The container (= pod) name of the Job's running pod, or null. */
    synchronized String runningPod(String job) {
        RunningPod pod = running.get(job);
        return pod == null ? null : pod.pod();
    }

    List<String> errors() {
        return errors;
    }

    private synchronized void tick() {
        List<Job> jobs = client.batch().v1().jobs().inNamespace(namespace).list().getItems();
        Set<String> names = new HashSet<>();
        for (Job job : jobs) {
            String name = job.getMetadata().getName();
            names.add(name);
            if (finished.contains(name)) {
                continue;
            }
            RunningPod pod = running.get(name);
            if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
                if (pod != null) {
                    stop(pod);
                }
                continue;
            }
            if (pod == null) {
                startPod(job);
            } else if (!pod.process().isAlive()) {
                ended(job, pod, pod.process().exitValue());
            }
        }
        // Jobs deleted (e.g. with their MdeqTrainingJob): their containers go too.
        for (RunningPod pod : List.copyOf(running.values())) {
            if (!names.contains(pod.job())) {
                stop(pod);
                running.remove(pod.job());
            }
        }
    }

    private void startPod(Job job) {
        String jobName = job.getMetadata().getName();
        String podName = jobName + "-" + (counter++) + "x" + Long.toString(System.nanoTime() % 46656, 36);
        PodSpec spec = job.getSpec().getTemplate().getSpec();
        Map<String, String> labels = new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("batch.kubernetes.io/job-name", jobName);
        labels.put("job-name", jobName);
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(podName).withNamespace(namespace).withLabels(labels)
                .withCreationTimestamp(now())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                        .withName(jobName).withUid(job.getMetadata().getUid()).withController(true).build())
                .endMetadata()
                .withSpec(spec)
                .withStatus(new PodStatusBuilder().withPhase("Pending").build())
                .build();
        client.pods().resource(pod).create();
        setJobStatus(job, status(job, 1, null));

        List<String> command;
        try {
            command = podmanRun(podName, spec);
        } catch (RuntimeException e) {
            // what the kubelet reports as CreateContainerConfigError: the pod stays Pending
            errors.add(podName + ": " + e.getMessage());
            setPodStatus(podName, new PodStatusBuilder().withPhase("Pending")
                    .withContainerStatuses(new ContainerStatusBuilder().withName(spec.getContainers().get(0).getName())
                            .withReady(false).withNewState().withNewWaiting().withReason("CreateContainerConfigError")
                            .withMessage(e.getMessage()).endWaiting().endState().build())
                    .build());
            finished.add(jobName);
            return;
        }
        Path log = work.resolve(podName + ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long grace = spec.getTerminationGracePeriodSeconds() == null ? 30 : spec.getTerminationGracePeriodSeconds();
            running.put(jobName, new RunningPod(jobName, podName, command, log, process, grace));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        setPodStatus(podName, new PodStatusBuilder().withPhase("Running").withStartTime(now())
                .withContainerStatuses(new ContainerStatusBuilder().withName(spec.getContainers().get(0).getName())
                        .withReady(true).withImage(spec.getContainers().get(0).getImage())
                        .withNewState().withNewRunning().withStartedAt(now()).endRunning().endState().build())
                .build());
    }

    private void ended(Job job, RunningPod pod, int exitCode) {
        running.remove(pod.job());
        history.add(new PodRecord(pod.job(), pod.pod(), pod.command(), pod.log(), exitCode));
        Podman.run(Duration.ofMinutes(1), "rm", "--force", pod.pod());
        String containerName = job.getSpec().getTemplate().getSpec().getContainers().get(0).getName();
        setPodStatus(pod.pod(), new PodStatusBuilder().withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                .withContainerStatuses(new ContainerStatusBuilder().withName(containerName).withReady(false)
                        .withNewState().withNewTerminated().withExitCode(exitCode)
                        .withReason(exitCode == 0 ? "Completed" : exitCode == 137 ? "Error" : "Error")
                        .withFinishedAt(now()).endTerminated().endState().build())
                .build());
        JobStatus current = job.getStatus() == null ? new JobStatus() : job.getStatus();
        int succeeded = current.getSucceeded() == null ? 0 : current.getSucceeded();
        int failed = current.getFailed() == null ? 0 : current.getFailed();
        int completions = job.getSpec().getCompletions() == null ? 1 : job.getSpec().getCompletions();
        if (exitCode == 0) {
            succeeded++;
            if (succeeded >= completions) {
                finish(job, succeeded, failed, new JobConditionBuilder().withType("Complete").withStatus("True")
                        .withLastTransitionTime(now()).build());
                return;
            }
        } else {
            String action = failurePolicyAction(job, containerName, exitCode);
            if ("FailJob".equals(action)) {
                finish(job, succeeded, failed + 1, failedCondition("PodFailurePolicy", "Container " + containerName
                        + " for pod " + namespace + "/" + pod.pod() + " failed with exit code " + exitCode
                        + " matching FailJob rule"));
                return;
            }
            if (!"Ignore".equals(action)) {
                failed++;
            }
            int backoffLimit = job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
            if (failed > backoffLimit) {
                finish(job, succeeded, failed, failedCondition("BackoffLimitExceeded", "Job has reached the specified backoff limit"));
                return;
            }
        }
        JobStatus next = status(job, 0, null);
        next.setSucceeded(succeeded);
        next.setFailed(failed);
        setJobStatus(job, next);
    }

    /** The first matching rule's action on an exit code (onPodConditions never match: no disruptions here). */
    private static String failurePolicyAction(Job job, String containerName, int exitCode) {
        if (job.getSpec().getPodFailurePolicy() == null) {
            return "Count";
        }
        for (PodFailurePolicyRule rule : job.getSpec().getPodFailurePolicy().getRules()) {
            PodFailurePolicyOnExitCodesRequirement codes = rule.getOnExitCodes();
            if (codes == null || (codes.getContainerName() != null && !codes.getContainerName().equals(containerName))) {
                continue;
            }
            boolean in = codes.getValues().contains(exitCode);
            if ("In".equals(codes.getOperator()) == in) {
                return rule.getAction();
            }
        }
        return "Count";
    }

    private void finish(Job job, int succeeded, int failed, JobCondition condition) {
        finished.add(job.getMetadata().getName());
        JobStatus status = status(job, 0, condition);
        status.setSucceeded(succeeded);
        status.setFailed(failed);
        if ("Complete".equals(condition.getType())) {
            status.setCompletionTime(now());
        }
        setJobStatus(job, status);
    }

    private static JobCondition failedCondition(String reason, String message) {
        return new JobConditionBuilder().withType("Failed").withStatus("True").withReason(reason).withMessage(message)
                .withLastTransitionTime(now()).build();
    }

    private static JobStatus status(Job job, int active, JobCondition condition) {
        JobStatus current = job.getStatus() == null ? new JobStatus() : job.getStatus();
        JobStatus status = new JobStatus();
        status.setActive(active);
        status.setSucceeded(current.getSucceeded());
        status.setFailed(current.getFailed());
        status.setStartTime(current.getStartTime() != null ? current.getStartTime() : now());
        if (condition != null) {
            status.setConditions(List.of(condition));
        }
        return status;
    }

    private void setJobStatus(Job job, JobStatus status) {
        Job current = client.batch().v1().jobs().inNamespace(namespace).withName(job.getMetadata().getName()).get();
        if (current == null) {
            return;
        }
        current.setStatus(status);
        Job updated = client.batch().v1().jobs().resource(current).updateStatus();
        job.setStatus(updated.getStatus());
    }

    private void setPodStatus(String pod, PodStatus status) {
        Pod current = client.pods().inNamespace(namespace).withName(pod).get();
        if (current == null) {
            return;
        }
        current.setStatus(status);
        client.pods().resource(current).updateStatus();
    }

    /** Stops a pod's container as the kubelet does: SIGTERM, then SIGKILL after the grace period. */
    private void stop(RunningPod pod) {
        Podman.run(Duration.ofSeconds(pod.graceSeconds() + 60), "stop", "--time", Long.toString(pod.graceSeconds()), pod.pod());
        try {
            pod.process().waitFor(pod.graceSeconds() + 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The {@code podman run} of a pod spec's single container. */
    private List<String> podmanRun(String podName, PodSpec spec) {
        if (spec.getContainers().size() != 1 || (spec.getInitContainers() != null && !spec.getInitContainers().isEmpty())) {
            throw new IllegalStateException("one container and no init containers supported");
        }
        Container container = spec.getContainers().get(0);
        List<String> args = new ArrayList<>(List.of("run", "--name", podName, "--replace", "--pull", "never",
                "--network", "host", "--init=false"));
        // user and group: the container's securityContext over the pod's
        PodSecurityContext pod = spec.getSecurityContext() == null ? new PodSecurityContext() : spec.getSecurityContext();
        SecurityContext own = container.getSecurityContext() == null ? new SecurityContext() : container.getSecurityContext();
        Long uid = own.getRunAsUser() != null ? own.getRunAsUser() : pod.getRunAsUser();
        Long gid = own.getRunAsGroup() != null ? own.getRunAsGroup() : pod.getRunAsGroup();
        Boolean nonRoot = own.getRunAsNonRoot() != null ? own.getRunAsNonRoot() : pod.getRunAsNonRoot();
        if (uid != null) {
            args.addAll(List.of("--user", uid + (gid != null ? ":" + gid : "")));
        } else if (Boolean.TRUE.equals(nonRoot)) {
            throw new IllegalStateException("runAsNonRoot without runAsUser: the image's user cannot be verified");
        }
        if (Boolean.TRUE.equals(nonRoot) && uid != null && uid == 0) {
            throw new IllegalStateException("runAsNonRoot with runAsUser 0");
        }
        if (pod.getSupplementalGroups() != null) {
            pod.getSupplementalGroups().forEach(g -> args.addAll(List.of("--group-add", g.toString())));
        }
        if (Boolean.TRUE.equals(own.getReadOnlyRootFilesystem())) {
            // as Kubernetes: nothing writable but the volumes (podman would add tmpfs on /tmp, /run, /var/tmp)
            args.addAll(List.of("--read-only", "--read-only-tmpfs=false"));
        }
        if (Boolean.FALSE.equals(own.getAllowPrivilegeEscalation())) {
            args.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        if (own.getCapabilities() != null) {
            if (own.getCapabilities().getDrop() != null) {
                own.getCapabilities().getDrop().forEach(c -> args.addAll(List.of("--cap-drop", c.toLowerCase())));
            }
            if (own.getCapabilities().getAdd() != null) {
                own.getCapabilities().getAdd().forEach(c -> args.addAll(List.of("--cap-add", c.toLowerCase())));
            }
        }
        // resources: limits as the container's limits (requests only matter to the scheduler)
        if (container.getResources() != null && container.getResources().getLimits() != null) {
            Map<String, Quantity> limits = container.getResources().getLimits();
            for (Map.Entry<String, Quantity> limit : limits.entrySet()) {
                switch (limit.getKey()) {
                    case "cpu" -> args.addAll(List.of("--cpus", Quantity.getAmountInBytes(limit.getValue()).toPlainString()));
                    case "memory" -> args.addAll(List.of("--memory",
                            Quantity.getAmountInBytes(limit.getValue()).toBigInteger().toString()));
                    default -> throw new IllegalStateException("resource " + limit.getKey() + " is not on this node");
                }
            }
        }
        if (container.getEnv() != null) {
            for (EnvVar env : container.getEnv()) {
                if (env.getValueFrom() != null) {
                    throw new IllegalStateException("env " + env.getName() + ": valueFrom not supported by the test kubelet");
                }
                args.addAll(List.of("--env", env.getName() + "=" + (env.getValue() == null ? "" : env.getValue())));
            }
        }
        if (container.getEnvFrom() != null && !container.getEnvFrom().isEmpty()) {
            throw new IllegalStateException("envFrom not supported by the test kubelet");
        }
        Map<String, Volume> volumes = new LinkedHashMap<>();
        if (spec.getVolumes() != null) {
            spec.getVolumes().forEach(v -> volumes.put(v.getName(), v));
        }
        Path podDir = work.resolve(podName);
        if (container.getVolumeMounts() != null) {
            for (VolumeMount mount : container.getVolumeMounts()) {
                Volume volume = volumes.get(mount.getName());
                if (volume == null) {
                    throw new IllegalStateException("volumeMount " + mount.getName() + " names no volume");
                }
                args.addAll(List.of("--volume", hostPath(podDir, volume) + ":" + mount.getMountPath()
                        + (Boolean.TRUE.equals(mount.getReadOnly()) ? ":ro" : "")));
            }
        }
        if (container.getWorkingDir() != null) {
            args.addAll(List.of("--workdir", container.getWorkingDir()));
        }
        if (container.getCommand() != null && !container.getCommand().isEmpty()) {
            args.addAll(List.of("--entrypoint", toJsonArray(container.getCommand())));
        }
        args.add(container.getImage());
        if (container.getArgs() != null) {
            args.addAll(container.getArgs());
        }
        return Podman.command(args.toArray(String[]::new));
    }

    /** The folder a volume is on the host: an emptyDir (world-writable, as the kubelet makes it) or a Secret's files. */
    private Path hostPath(Path podDir, Volume volume) {
        try {
            Files.createDirectories(podDir);
            Files.setPosixFilePermissions(podDir, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE));
            if (volume.getEmptyDir() != null) {
                return Folders.writable(podDir, volume.getName());
            }
            if (volume.getSecret() != null) {
                int defaultMode = volume.getSecret().getDefaultMode() == null ? 0644 : volume.getSecret().getDefaultMode();
                Path dir = Files.createDirectories(podDir.resolve(volume.getName()));
                writeSecret(dir, volume.getSecret().getSecretName(), volume.getSecret().getItems(), defaultMode,
                        Boolean.TRUE.equals(volume.getSecret().getOptional()));
                Files.setPosixFilePermissions(dir, permissions(0755));
                return dir;
            }
            if (volume.getProjected() != null) {
                int defaultMode = volume.getProjected().getDefaultMode() == null ? 0644
                        : volume.getProjected().getDefaultMode();
                Path dir = Files.createDirectories(podDir.resolve(volume.getName()));
                for (VolumeProjection source : volume.getProjected().getSources()) {
                    if (source.getSecret() == null) {
                        throw new IllegalStateException("volume " + volume.getName()
                                + ": only secret sources of projected volumes are supported by the test kubelet");
                    }
                    writeSecret(dir, source.getSecret().getName(), source.getSecret().getItems(), defaultMode,
                            Boolean.TRUE.equals(source.getSecret().getOptional()));
                }
                Files.setPosixFilePermissions(dir, permissions(0755));
                return dir;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("volume " + volume.getName() + ": only emptyDir, secret and projected secrets are supported by the test kubelet");
    }

    /** A Secret's keys (all, or the given items) as files in {@code dir}; an optional Secret or key may be missing. */
    private void writeSecret(Path dir, String name, List<KeyToPath> items, int defaultMode, boolean optional)
            throws IOException {
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        if (secret == null) {
            if (optional) {
                return;
            }
            throw new IllegalStateException("secret \"" + name + "\" not found");
        }
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        if (items == null || items.isEmpty()) {
            items = data.keySet().stream().map(k -> new KeyToPath(k, null, k)).toList();
        }
        for (KeyToPath item : items) {
            String value = data.get(item.getKey());
            if (value == null) {
                if (optional) {
                    continue;
                }
                throw new IllegalStateException("secret " + name + " has no key " + item.getKey());
            }
            Path file = dir.resolve(item.getPath());
            Files.write(file, Base64.getDecoder().decode(value));
            Files.setPosixFilePermissions(file, permissions(item.getMode() != null ? item.getMode() : defaultMode));
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = new HashSet<>();
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                out.add(bits[i]);
            }
        }
        return out;
    }

    private static String toJsonArray(List<String> words) {
        StringBuilder out = new StringBuilder("[");
        for (String word : words) {
            out.append(out.length() > 1 ? "," : "").append('"').append(word.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return out.append(']').toString();
    }

    @Override
    public synchronized void close() {
        loop.shutdownNow();
        for (RunningPod pod : running.values()) {
            Podman.run(Duration.ofMinutes(1), "rm", "--force", "--time", "0", pod.pod());
            pod.process().destroyForcibly();
        }
        running.clear();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
