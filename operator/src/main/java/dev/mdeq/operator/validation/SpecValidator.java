package dev.mdeq.operator.validation;

import dev.mdeq.operator.refusal.InvalidSpecException;
import dev.mdeq.config.ConfigException;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.operator.api.ConfigOverride;
import dev.mdeq.operator.api.EvaluationSpec;
import dev.mdeq.operator.api.MdeqTrainingJob;
import dev.mdeq.operator.api.MdeqTrainingJobSpec;
import dev.mdeq.operator.api.TrainerSpec;
import dev.mdeq.operator.api.WeightsSpec;
import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.operator.store.StoreCaBundle;
import dev.mdeq.operator.queue.Kueue;
import dev.mdeq.operator.store.StoreCredentials;
import dev.mdeq.operator.store.StoreTarget;
import dev.mdeq.runstore.storage.StoreUri;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Checks a resource before anything runs, with the same config code the trainer uses: the
 * experiment loads, every override names a known key with a value of the key's type, the task
 * matches the experiment's data set, the URIs parse, the store's Secret exists with both keys.
 * The CRD schema already rejected what it can (types, ranges, patterns, one experiment source);
 * these checks cover what needs the config module or the cluster.
 */
@ApplicationScoped
public class SpecValidator {
    /** Child Jobs are {@code <name>-train|-eval|-merge}, and a Job name is at most 63 characters. */
    public static final int MAX_NAME_LENGTH = 52;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SpecValidator.class);

    private final KubernetesClient client;
    private final OperatorConfig config;
    private final ExperimentSource experiments;

    public SpecValidator(KubernetesClient client, OperatorConfig config, ExperimentSource experiments) {
        this.client = client;
        this.config = config;
        this.experiments = experiments;
    }

    /** Validates the resource and resolves its experiment, or throws {@link InvalidSpecException}. */
    public ResolvedRun validate(MdeqTrainingJob job) {
        MdeqTrainingJobSpec spec = job.getSpec();
        String namespace = job.getMetadata().getNamespace();
        if (spec == null) {
            throw InvalidSpecException.spec("spec is missing");
        }
        String name = job.getMetadata().getName();
        if (name.length() > MAX_NAME_LENGTH) {
            throw InvalidSpecException.spec("metadata.name " + name + " has " + name.length() + " characters; at most "
                    + MAX_NAME_LENGTH + " are allowed (the child Job names add up to 6 and are limited to 63)");
        }
        require(spec.task() != null, "spec.task is required: classification or segmentation");
        require(spec.experiment() != null, "spec.experiment is required: a preset, uri or configMap");
        require(spec.dataset() != null && spec.dataset().uri() != null, "spec.dataset.uri is required");
        int sources = (spec.experiment().preset() != null ? 1 : 0) + (spec.experiment().uri() != null ? 1 : 0)
                + (spec.experiment().configMap() != null ? 1 : 0);
        require(sources == 1, "spec.experiment needs exactly one of preset, uri or configMap, got " + sources);

        StoreTarget store = StoreTarget.resolve(spec.storeOrEmpty(), config);
        checkReadable("spec.dataset.uri", spec.dataset().uri(), store);
        WeightsSpec weights = spec.weights();
        if (weights != null) {
            require(weights.pretrained() == null || weights.modelFile() == null,
                    "spec.weights takes pretrained or modelFile, not both");
            if (weights.pretrained() != null) {
                checkReadable("spec.weights.pretrained", weights.pretrained(), store);
            }
            if (weights.modelFile() != null) {
                checkReadable("spec.weights.modelFile", weights.modelFile(), store);
            }
        }
        checkEvaluation(spec.evaluationOrDefault());
        positive("spec.trainer.pendingTimeoutSeconds", spec.trainerOrDefault().pendingTimeoutSeconds());
        Kueue.validate(job);
        Kueue.suspendConflict(job).ifPresent(refusal -> {
            throw InvalidSpecException.spec(refusal);
        });
        if (store.isS3() && !store.webIdentity()) {
            StoreCredentials.read(client, namespace, store.credentialsSecret());
        }
        if (store.caBundle() != null) {
            StoreCaBundle.read(client, namespace, store.caBundle());
        }

        ExperimentSource.Yaml yaml = experiments.read(spec.experiment(), namespace, store);
        List<String> overrides = overrides(spec);
        ExperimentConfig resolved;
        try {
            resolved = ConfigLoader.parse(yaml.text(), yaml.source(), overrides);
        } catch (ConfigException e) {
            if (yaml.source().startsWith(StoreUri.FILE + ":")) {
                // A file of the operator's own container (allowed by the admin): its content stays out of
                // status and events, which every user of the namespace can read.
                LOG.warnf("%s/%s: the experiment %s does not parse: %s", namespace, name, yaml.source(), e.getMessage());
                throw InvalidSpecException.spec("spec.experiment.uri: " + yaml.source()
                        + " is not a valid experiment yaml (the details stay in the operator's log)");
            }
            throw InvalidSpecException.spec("spec.experiment: " + e.getMessage());
        }
        if (resolved.task() != spec.task().task()) {
            throw InvalidSpecException.spec("spec.task is " + spec.task().wireName() + " but the experiment's data set "
                    + resolved.dataset().kind().configName() + " (DATASET.DATASET) is for "
                    + resolved.task().name().toLowerCase(Locale.ROOT)
                    + "; fix spec.task or spec.dataset.format");
        }
        return new ResolvedRun(store, resolved, yaml.source());
    }

    /** The user's overrides, then the keys this resource sets from its own fields. */
    static List<String> overrides(MdeqTrainingJobSpec spec) {
        Map<String, String> owned = ownedKeys(spec);
        List<String> pairs = new ArrayList<>();
        List<ConfigOverride> given = spec.experiment().overridesOrEmpty();
        for (int i = 0; i < given.size(); i++) {
            ConfigOverride override = given.get(i);
            require(override.key() != null && override.value() != null,
                    "spec.experiment.overrides[" + i + "] needs both key and value");
            String field = owned.get(override.key().toUpperCase(Locale.ROOT));
            require(field == null, "spec.experiment.overrides[" + i + "] sets " + override.key() + ", which "
                    + field + " sets; remove the override (or the field)");
            pairs.add(override.key());
            pairs.add(override.value());
        }
        derived(spec).forEach((key, value) -> {
            pairs.add(key);
            pairs.add(value);
        });
        return pairs;
    }

    /** Config keys set from resource fields, with the field that sets them. */
    private static Map<String, String> ownedKeys(MdeqTrainingJobSpec spec) {
        Map<String, String> owned = new LinkedHashMap<>();
        owned.put("DATASET.ROOT", "spec.dataset.uri");
        Map<String, String> derived = derived(spec);
        Map<String, String> fields = Map.of(
                "DATASET.DATASET", "spec.dataset.format",
                "MODEL.PRETRAINED", "spec.weights.pretrained",
                "TRAIN.MODEL_FILE", "spec.weights.modelFile",
                "RUN.CHECKPOINT_EVERY_MINUTES", "spec.trainer.checkpointEveryMinutes",
                "GPUS", "spec.trainer.gpus",
                "TEST.MULTI_SCALE", "spec.evaluation.multiScale",
                "TEST.SCALE_LIST", "spec.evaluation.scales",
                "TEST.FLIP_TEST", "spec.evaluation.flip");
        derived.keySet().forEach(key -> owned.putIfAbsent(key, fields.get(key)));
        return owned;
    }

    /** The config values the resource's own fields set. */
    private static Map<String, String> derived(MdeqTrainingJobSpec spec) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("DATASET.ROOT", spec.dataset().uri());
        if (spec.dataset().format() != null) {
            out.put("DATASET.DATASET", spec.dataset().format().kind().configName());
        }
        if (spec.weights() != null && spec.weights().pretrained() != null) {
            out.put("MODEL.PRETRAINED", spec.weights().pretrained());
        }
        if (spec.weights() != null && spec.weights().modelFile() != null) {
            out.put("TRAIN.MODEL_FILE", spec.weights().modelFile());
        }
        TrainerSpec trainer = spec.trainerOrDefault();
        if (trainer.checkpointEveryMinutes() != null) {
            out.put("RUN.CHECKPOINT_EVERY_MINUTES", Double.toString(trainer.checkpointEveryMinutes()));
        }
        if (trainer.gpuCount() > 0) {
            out.put("GPUS", IntStream.range(0, trainer.gpuCount()).mapToObj(Integer::toString)
                    .collect(Collectors.joining(", ", "[", "]")));
        }
        EvaluationSpec evaluation = spec.evaluationOrDefault();
        if (evaluation.multiScale() != null) {
            out.put("TEST.MULTI_SCALE", python(evaluation.multiScale()));
        }
        if (evaluation.scales() != null) {
            out.put("TEST.SCALE_LIST", evaluation.scales().stream().map(d -> Double.toString(d))
                    .collect(Collectors.joining(", ", "[", "]")));
        }
        if (evaluation.flip() != null) {
            out.put("TEST.FLIP_TEST", python(evaluation.flip()));
        }
        return out;
    }

    private static void checkEvaluation(EvaluationSpec evaluation) {
        require(evaluation.shardCount() >= 1 && evaluation.shardCount() <= 64,
                "spec.evaluation.shards must be between 1 and 64, got " + evaluation.shardCount());
        if (evaluation.scales() != null) {
            require(Boolean.TRUE.equals(evaluation.multiScale()), "spec.evaluation.scales needs multiScale: true");
            require(!evaluation.scales().isEmpty() && evaluation.scales().stream().allMatch(s -> s != null && s > 0),
                    "spec.evaluation.scales must be positive numbers, got " + evaluation.scales());
        }
        positive("spec.evaluation.pendingTimeoutSeconds", evaluation.pendingTimeoutSeconds());
        positive("spec.evaluation.activeDeadlineSeconds", evaluation.activeDeadlineSeconds());
        evaluation.chosenCheckpoint().ifPresent(checkpoint -> require(
                checkpoint.matches(EvaluationSpec.CHECKPOINT_PATTERN),
                "spec.evaluation.checkpoint must be best, latest or a checkpoint folder such as step-000000001200 "
                        + "(or left out: best when the run has one, else latest), got '" + checkpoint + "'"));
    }

    /** The URI parses, and an s3:// URI can be read with the store's endpoint and credentials. */
    private static void checkReadable(String field, String uri, StoreTarget store) {
        StoreUri parsed = StoreTarget.parse(field, uri);
        require(!parsed.isS3() || store.isS3(), field + " " + uri + " is in S3 but the run's store " + store.uri()
                + " is a file: store, which gives the pods no S3 endpoint or credentials");
    }

    /** A number of seconds, when set, is at least 1. */
    private static void positive(String field, Long seconds) {
        require(seconds == null || seconds >= 1, field + " must be a whole number of seconds of at least 1 (or left "
                + "out for the operator's default), got " + seconds);
    }

    private static String python(boolean value) {
        return value ? "True" : "False";
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw InvalidSpecException.spec(message);
        }
    }
}
