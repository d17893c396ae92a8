package dev.mdeq.operator;

import static org.awaitility.Awaitility.await;

import dev.mdeq.operator.api.ConfigOverride;
import dev.mdeq.operator.api.DataPolicy;
import dev.mdeq.operator.api.DatasetFormat;
import dev.mdeq.operator.api.DatasetSpec;
import dev.mdeq.operator.api.EvaluationSpec;
import dev.mdeq.operator.api.ExperimentSpec;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobSpec;
import dev.mdeq.operator.api.MdeqTrainingJobStatus;
import dev.mdeq.operator.api.StoreSpec;
import dev.mdeq.operator.api.TaskName;
import dev.mdeq.operator.api.TrainerSpec;
import dev.mdeq.operator.api.WeightsSpec;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Shared helpers of the operator tests: a valid resource to start from, a file: store in a temporary
 * folder, waiting for status and Jobs, writing the run folder's files as a trainer would.
 */
public abstract class OperatorTestBase {
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    @Inject
    protected KubernetesClient client;

    protected Kubelet kubelet;
    protected Path storeDir;

    @BeforeEach
    void setUpStore() {
        kubelet = new Kubelet(client);
        try {
            storeDir = Files.createTempDirectory("mdeq-operator-store");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A namespace of its own for each test (the mock needs no Namespace object). */
    protected static String newNamespace() {
        return "t" + NAMESPACES.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 1_000_000, 36);
    }

    /** A valid resource: the tiny classification preset, a CIFAR-10 data set, the test's file: store. */
    protected MdeqTrainingJobSpec validSpec() {
        return new MdeqTrainingJobSpec(TaskName.CLASSIFICATION,
                new ExperimentSpec("demo/cls_mdeq_tiny", null, null, List.of(new ConfigOverride("TRAIN.LR", "0.01"))),
                new DatasetSpec("file:/data/cifar10", DatasetFormat.CIFAR10),
                new StoreSpec("file:" + storeDir, null, null, null, null),
                null,
                new TrainerSpec(null, 2, null, null, null, null, null, 3, 5.0, 3600L, null, null, null),
                null, null, null, null, null, null);
    }

    protected MdeqTrainingJob create(String namespace, String name, MdeqTrainingJobSpec spec) {
        MdeqTrainingJob job = new MdeqTrainingJob();
        job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        job.setSpec(spec);
        return client.resource(job).create();
    }

    protected MdeqTrainingJob get(String namespace, String name) {
        return client.resources(MdeqTrainingJob.class).inNamespace(namespace).withName(name).get();
    }

    /** Replaces the spec (as kubectl apply would). */
    protected MdeqTrainingJob editSpec(String namespace, String name, UnaryOperator<MdeqTrainingJobSpec> change) {
        for (int attempt = 0; ; attempt++) {
            MdeqTrainingJob latest = get(namespace, name);
            latest.setSpec(change.apply(latest.getSpec()));
            Long generation = latest.getMetadata().getGeneration();
            latest.getMetadata().setGeneration(generation == null ? 2 : generation + 1);
            try {
                return client.resource(latest).update();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 20) {
                    throw e;
                }
            }
        }
    }

    protected MdeqTrainingJobStatus awaitStatus(String namespace, String name, Predicate<MdeqTrainingJobStatus> until) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    MdeqTrainingJob job = get(namespace, name);
                    return job == null ? null : job.getStatus();
                }, status -> status != null && until.test(status));
    }

    protected Job awaitJob(String namespace, String jobName) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get(), j -> j != null);
    }

    protected Optional<Job> job(String namespace, String jobName) {
        return Optional.ofNullable(client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get());
    }

    protected List<Job> jobs(String namespace) {
        return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    }

    protected List<Event> events(String namespace) {
        return client.v1().events().inNamespace(namespace).list().getItems();
    }

    /**
     * Everything of a namespace a user or a log collector sees, as JSON: the resources' statuses, the events,
     * the Jobs and the pods (for checks that no secret shows).
     */
    protected String visibleText(String namespace) {
        StringBuilder text = new StringBuilder();
        for (MdeqTrainingJob job : client.resources(MdeqTrainingJob.class).inNamespace(namespace).list().getItems()) {
            text.append(Serialization.asJson(job.getStatus()));
        }
        events(namespace).forEach(e -> text.append(Serialization.asJson(e)));
        jobs(namespace).forEach(j -> text.append(Serialization.asJson(j)));
        client.pods().inNamespace(namespace).list().getItems().forEach(p -> text.append(Serialization.asJson(p)));
        return text.toString();
    }

    /** The test's store, rooted at the run folder of a resource. */
    protected ObjectStore runFolder(String namespace, String name) {
        return ObjectStores.open("file:" + storeDir).child(RunLayout.runPrefix(namespace, name));
    }

    /** A trainer heartbeat in mid-training (epoch 1 of 2), written now. */
    protected static Progress progress(String lastCheckpoint, String resumedFrom) {
        return new Progress(Progress.Phase.TRAINING, 1, 2, 120L, 300L, 0.5, null, null, 0.001, 6.0, 1e-4, 100.0, 90L,
                lastCheckpoint, resumedFrom, null, java.time.Instant.now());
    }

    /** Writes a file of the run folder as JSON, as the trainer or evaluator does. */
    protected void writeJson(String namespace, String name, String key, Object value) {
        runFolder(namespace, name).putBytes(key, RunJson.write(value));
    }

    protected static MdeqTrainingJobSpec withEvaluation(MdeqTrainingJobSpec s, EvaluationSpec evaluation) {
        return new MdeqTrainingJobSpec(s.task(), s.experiment(), s.dataset(), s.store(), s.weights(), s.trainer(), evaluation,
                s.suspend(), s.ttlSecondsAfterFinished(), s.dataPolicyOnDelete(), s.queueName(), s.restartNonce());
    }

    protected static MdeqTrainingJobSpec withSuspend(MdeqTrainingJobSpec s, boolean suspend) {
        return new MdeqTrainingJobSpec(s.task(), s.experiment(), s.dataset(), s.store(), s.weights(), s.trainer(),
                s.evaluation(), suspend, s.ttlSecondsAfterFinished(), s.dataPolicyOnDelete(), s.queueName(), s.restartNonce());
    }

    protected static MdeqTrainingJobSpec withTtl(MdeqTrainingJobSpec s, Long ttl) {
        return new MdeqTrainingJobSpec(s.task(), s.experiment(), s.dataset(), s.store(), s.weights(), s.trainer(),
                s.evaluation(), s.suspend(), ttl, s.dataPolicyOnDelete(), s.queueName(), s.restartNonce());
    }

    protected static MdeqTrainingJobSpec withDataPolicy(MdeqTrainingJobSpec s, DataPolicy policy) {
        return new MdeqTrainingJobSpec(s.task(), s.experiment(), s.dataset(), s.store(), s.weights(), s.trainer(),
                s.evaluation(), s.suspend(), s.ttlSecondsAfterFinished(), policy, s.queueName(), s.restartNonce());
    }

    protected static MdeqTrainingJobSpec withQueue(MdeqTrainingJobSpec s, String queueName) {
        return new MdeqTrainingJobSpec(s.task(), s.experiment(), s.dataset(), s.store(), s.weights(), s.trainer(),
                s.evaluation(), s.suspend(), s.ttlSecondsAfterFinished(), s.dataPolicyOnDelete(), queueName, s.restartNonce());
    }

    protected static MdeqTrainingJobSpec withRestartNonce(MdeqTrainingJobSpec s, Long nonce) {
        return new MdeqTrainingJobSpec(s.task(), s.experiment(), s.dataset(), s.store(), s.weights(), s.trainer(),
                s.evaluation(), s.suspend(), s.ttlSecondsAfterFinished(), s.dataPolicyOnDelete(), s.queueName(), nonce);
    }

    protected static MdeqTrainingJobSpec withTrainer(MdeqTrainingJobSpec s, TrainerSpec trainer) {
        return new MdeqTrainingJobSpec(s.task(), s.experiment(), s.dataset(), s.store(), s.weights(), trainer,
                s.evaluation(), s.suspend(), s.ttlSecondsAfterFinished(), s.dataPolicyOnDelete(), s.queueName(),
                s.restartNonce());
    }

    /** The trainer settings with another pending timeout. */
    protected static TrainerSpec withPendingTimeout(TrainerSpec t, Long seconds) {
        return new TrainerSpec(t.image(), t.gpus(), t.resources(), t.nodeSelector(), t.tolerations(), t.priorityClassName(),
                t.serviceAccountName(), t.backoffLimit(), t.checkpointEveryMinutes(), t.activeDeadlineSeconds(),
                t.cacheSizeLimit(), seconds, t.podTemplate());
    }

    protected static MdeqTrainingJobSpec withExperiment(MdeqTrainingJobSpec s, ExperimentSpec experiment) {
        return new MdeqTrainingJobSpec(s.task(), experiment, s.dataset(), s.store(), s.weights(), s.trainer(),
                s.evaluation(), s.suspend(), s.ttlSecondsAfterFinished(), s.dataPolicyOnDelete(), s.queueName(), s.restartNonce());
    }

    protected static MdeqTrainingJobSpec withWeights(MdeqTrainingJobSpec s, WeightsSpec weights) {
        return new MdeqTrainingJobSpec(s.task(), s.experiment(), s.dataset(), s.store(), weights, s.trainer(),
                s.evaluation(), s.suspend(), s.ttlSecondsAfterFinished(), s.dataPolicyOnDelete(), s.queueName(), s.restartNonce());
    }

    /** {@code base} reading a CIFAR-10 data set from S3 and writing to {@code store}. */
    static MdeqTrainingJobSpec cifarFromS3(MdeqTrainingJobSpec base, StoreSpec store) {
        return new MdeqTrainingJobSpec(base.task(), base.experiment(), new DatasetSpec("s3://datasets/cifar10",
                DatasetFormat.CIFAR10), store, null, base.trainer(), null, null, null, null, null, null);
    }

}
