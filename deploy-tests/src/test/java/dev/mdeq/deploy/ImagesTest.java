package dev.mdeq.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mdeq.deploy.manifest.Manifest;
import dev.mdeq.deploy.manifest.Manifests;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of the two images without a container engine: every file they COPY from the
 * build context exists after the build, the entry points exist, are executable and run, the CLI jar's
 * class path is complete in the image, and the image names agree between the Dockerfiles' documented
 * build commands, the chart's defaults, the plain manifests, the docs and the operator's own default.
 */
class ImagesTest {
    private static final Dockerfile OPERATOR = Dockerfile.read(RepoPaths.resolve("docker/operator.Dockerfile"));
    private static final Dockerfile RUNTIME = Dockerfile.read(RepoPaths.resolve("docker/runtime.Dockerfile"));
    private static final Dockerfile RUNTIME_CPU = Dockerfile.read(RepoPaths.resolve("docker/runtime-cpu.Dockerfile"));

    @Test
    void everyPathTheRuntimeImageCopiesExistsAfterTheBuild() throws IOException {
        assertCopiedPathsExist(RUNTIME);
    }

    @Test
    void everyPathTheCpuRuntimeImageCopiesExistsAfterTheBuild() throws IOException {
        assertCopiedPathsExist(RUNTIME_CPU);
    }

    /**
     * The same files build on the public bases and on a base made here (docker/debian-base.sh): every
     * FROM names a build argument whose default is the public image. (container-tests/ builds the CPU
     * runtime and operator images for real, with podman.)
     */
    @Test
    void theBaseImagesAreBuildArgumentsDefaultingToThePublicImages() {
        assertEquals(List.of("ARG BASE_IMAGE=eclipse-temurin:17-jre"), args(OPERATOR));
        assertEquals(List.of("ARG BASE_IMAGE=eclipse-temurin:17-jre"), args(RUNTIME_CPU));
        assertEquals(List.of("ARG PYTORCH_IMAGE=pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime",
                "ARG JRE_IMAGE=eclipse-temurin:17-jre"), args(RUNTIME));
        for (Dockerfile dockerfile : List.of(OPERATOR, RUNTIME_CPU, RUNTIME)) {
            for (Dockerfile.Instruction from : dockerfile.all("FROM")) {
                assertTrue(from.arguments().startsWith("${"), dockerfile.path().getFileName() + ": FROM " + from.arguments());
            }
            for (Dockerfile.Instruction copy : dockerfile.all("COPY")) {
                String stage = copy.flag("from");
                assertTrue(stage == null || !stage.contains(":"),
                        dockerfile.path().getFileName() + ": COPY --from an image, not a stage: " + copy.arguments());
            }
        }
    }

    private static List<String> args(Dockerfile dockerfile) {
        return dockerfile.all("ARG").stream().map(a -> "ARG " + a.arguments()).toList();
    }

    /** The CPU image keeps the CPU libtorch jar (DJL unpacks it into the cache) and is the CUDA image's twin otherwise. */
    @Test
    void theCpuRuntimeImageMatchesTheCudaImagesContract() {
        assertEquals(RUNTIME.all("ENTRYPOINT").get(0).arguments(), RUNTIME_CPU.all("ENTRYPOINT").get(0).arguments());
        assertEquals(RUNTIME.all("USER").get(0).arguments(), RUNTIME_CPU.all("USER").get(0).arguments());
        assertEquals(RUNTIME.all("VOLUME").get(0).arguments(), RUNTIME_CPU.all("VOLUME").get(0).arguments());
        assertTrue(RUNTIME_CPU.all("RUN").stream().noneMatch(r -> r.arguments().contains("pytorch-native-cpu")));
        String env = String.join("\n", RUNTIME_CPU.all("ENV").stream().map(Dockerfile.Instruction::arguments).toList());
        for (String setting : List.of("MDEQ_HOME=/opt/mdeq", "MDEQ_CACHE_DIR=/var/cache/mdeq",
                "ENGINE_CACHE_DIR=/var/cache/mdeq/djl", "DJL_OFFLINE=true")) {
            assertTrue(env.contains(setting), setting + " in " + env);
        }
        assertFalse(env.contains("PYTORCH_LIBRARY_PATH"), "the CPU image uses the libtorch DJL unpacks");
    }

    @Test
    void everyPathTheOperatorImageCopiesExistsAfterTheBuild() throws IOException {
        RepoPaths.assumeOperatorModule();
        assertCopiedPathsExist(OPERATOR);
    }

    private static void assertCopiedPathsExist(Dockerfile dockerfile) throws IOException {
        List<Dockerfile.Instruction> copies = dockerfile.contextCopies();
        assertFalse(copies.isEmpty(), dockerfile.path().toString());
        for (Dockerfile.Instruction copy : copies) {
            List<String> words = copy.words();
            for (String source : words.subList(1, words.size() - 1)) {
                assertTrue(matches(source) > 0, dockerfile.path().getFileName() + ": COPY " + source
                        + " matches nothing (after 'mvn -B package -DskipTests')");
            }
        }
    }

    @Test
    void theOperatorEntryPointIsTheQuarkusRunJar() {
        RepoPaths.assumeOperatorModule();
        String entrypoint = OPERATOR.all("ENTRYPOINT").get(0).arguments();
        assertTrue(entrypoint.contains("-jar /opt/mdeq-operator/quarkus-run.jar"), entrypoint);
        assertTrue(Files.isRegularFile(RepoPaths.buildOutput("operator/target/quarkus-app/quarkus-run.jar")));
        assertTrue(OPERATOR.contextCopies().stream().anyMatch(c -> c.arguments().equals(
                "operator/target/quarkus-app/*.jar /opt/mdeq-operator/")));
        assertEquals("10001:10001", OPERATOR.all("USER").get(0).arguments());
    }

    @Test
    void theRuntimeEntryPointIsTheLauncherWhichRunsTheBuiltCli() throws Exception {
        assertEquals("[\"/usr/local/bin/mdeq\"]", RUNTIME.all("ENTRYPOINT").get(0).arguments());
        Path launcher = RepoPaths.resolve("docker/mdeq-launcher.sh");
        assertTrue(RUNTIME.contextCopies().stream().anyMatch(c -> c.arguments().equals("docker/mdeq-launcher.sh /usr/local/bin/mdeq")));
        assertTrue(Files.isExecutable(launcher), "docker/mdeq-launcher.sh must be executable (git mode 755)");
        assertTrue(RUNTIME.all("USER").get(0).arguments().startsWith("10001"), "non-root");

        // The image's layout: /opt/mdeq/mdeq.jar and /opt/mdeq/lib/ = cli/target/mdeq.jar and cli/target/lib/.
        Path home = RepoPaths.buildOutput("cli/target");
        Run help = run(launcher, Map.of("MDEQ_HOME", home.toString()), "--help");
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().contains("Usage: mdeq"), help.output());

        Run missing = run(launcher, Map.of("MDEQ_HOME", "/nonexistent/mdeq"), "--help");
        assertEquals(2, missing.exit());
        assertTrue(missing.output().contains("/nonexistent/mdeq/mdeq.jar not found"), missing.output());
    }

    @Test
    void theCliClassPathIsCompleteInTheImage() throws IOException {
        Path jar = RepoPaths.buildOutput("cli/target/mdeq.jar");
        String classPath;
        try (JarFile file = new JarFile(jar.toFile())) {
            classPath = file.getManifest().getMainAttributes().getValue("Class-Path");
        }
        String removed = RUNTIME.all("RUN").stream().map(Dockerfile.Instruction::arguments)
                .filter(a -> a.startsWith("rm -f /opt/mdeq/lib/")).findFirst().orElseThrow()
                .replace("rm -f /opt/mdeq/lib/", "");
        Pattern removedJars = Pattern.compile(removed.replace(".", "\\.").replace("*", ".*"));
        int removedCount = 0;
        for (String entry : classPath.trim().split("\\s+")) {
            assertTrue(entry.startsWith("lib/"), entry);
            String name = entry.substring(4);
            if (removedJars.matcher(name).matches()) {
                removedCount++;
                continue;
            }
            assertTrue(Files.isRegularFile(jar.resolveSibling(entry)), "Class-Path entry " + entry + " is not in cli/target/lib");
        }
        // Only the CPU libtorch goes: the engine and the JNI library (with its cu128 build) stay.
        assertEquals(1, removedCount, "the rm pattern " + removed + " should drop exactly the CPU libtorch jar");
        assertTrue(classPath.contains("pytorch-jni-") && classPath.contains("pytorch-engine-"), classPath);
    }

    @Test
    void djlIsPointedAtTheImagesLibtorch() {
        String env = String.join("\n", RUNTIME.all("ENV").stream().map(Dockerfile.Instruction::arguments).toList());
        for (String setting : List.of("PYTORCH_LIBRARY_PATH=/opt/libtorch", "PYTORCH_VERSION=2.7.1", "PYTORCH_FLAVOR=cu128",
                "DJL_OFFLINE=true", "MDEQ_CACHE_DIR=/var/cache/mdeq")) {
            assertTrue(env.contains(setting), setting + " in " + env);
        }
        assertTrue(RUNTIME.all("ARG").stream().anyMatch(f -> f.arguments().startsWith("PYTORCH_IMAGE=pytorch/pytorch:2.7.1-cuda12.8")));
        assertTrue(RUNTIME.all("VOLUME").get(0).arguments().contains("/var/cache/mdeq"));
    }

    @Test
    void imageNamesAgreeEverywhere() throws IOException {
        JsonNode values = Manifests.YAML.readTree(RepoPaths.chart().resolve("values.yaml").toFile());
        String version = Manifests.YAML.readTree(RepoPaths.chart().resolve("Chart.yaml").toFile()).path("appVersion").asText();
        String operatorImage = values.at("/image/repository").asText() + ":" + version;
        String runtimeImage = values.at("/workloadImage/repository").asText() + ":" + version;

        // The chart's appVersion is the project's version.
        String pom = Files.readString(RepoPaths.resolve("pom.xml"));
        Matcher projectVersion = Pattern.compile("<artifactId>mdeq-operator-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(projectVersion.find());
        assertEquals(projectVersion.group(1).replace("-SNAPSHOT", ""), version);

        // The documented build commands tag what the chart and the manifests pull.
        assertTrue(Files.readString(OPERATOR.path()).contains("-t " + operatorImage + " "), operatorImage);
        assertTrue(Files.readString(RUNTIME.path()).contains("-t " + runtimeImage + " "), runtimeImage);
        String docs = Files.readString(RepoPaths.resolve("docs/kubernetes.md"));
        assertTrue(docs.contains("-t " + operatorImage + " ") && docs.contains("-t " + runtimeImage + " "));
        // the CPU image: the same repository, tag suffix -cpu
        assertTrue(Files.readString(RUNTIME_CPU.path()).contains("-t " + runtimeImage + "-cpu "), runtimeImage + "-cpu");
        assertTrue(docs.contains("-t " + runtimeImage + "-cpu "), runtimeImage + "-cpu in docs/kubernetes.md");

        List<Manifest> plain = new ArrayList<>(Manifests.load(RepoPaths.resolve("k8s/operator/deployment.yaml")));
        plain.addAll(Manifests.load(RepoPaths.resolve("k8s/operator/config.yaml")));
        assertEquals(operatorImage, Manifests.single(plain, "Deployment").object().at("/spec/template/spec/containers/0/image").asText());
        assertEquals(runtimeImage, Manifests.single(plain, "ConfigMap").object().at("/data/MDEQ_TRAINER_IMAGE").asText());

        // The operator's built-in default (used when MDEQ_TRAINER_IMAGE is unset) is the same repository.
        RepoPaths.assumeOperatorModule();
        String operatorDefault = operatorDefaultTrainerImage();
        assertEquals(values.at("/workloadImage/repository").asText(), operatorDefault.replaceFirst(":[^:/]+$", ""),
                "mdeq.trainer.image default " + operatorDefault);
    }

    /** The @WithDefault of mdeq.trainer.image in the operator's OperatorConfig. */
    private static String operatorDefaultTrainerImage() throws IOException {
        String source = Files.readString(RepoPaths.resolve("operator/src/main/java/dev/mdeq/operator/config/OperatorConfig.java"));
        Matcher trainer = Pattern.compile("(?s)interface Trainer \\{.*?@WithDefault\\(\"([^\"]+)\"\\)\\s*String image\\(\\)")
                .matcher(source);
        assertTrue(trainer.find(), "OperatorConfig.Trainer.image() has a @WithDefault");
        return trainer.group(1);
    }

    private static int matches(String source) throws IOException {
        Path root = RepoPaths.root();
        if (!source.contains("*")) {
            return Files.exists(root.resolve(source)) ? 1 : 0;
        }
        Path dir = root.resolve(source.substring(0, source.lastIndexOf('/')));
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int count = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, source.substring(source.lastIndexOf('/') + 1))) {
            for (Path ignored : entries) {
                count++;
            }
        }
        return count;
    }

    private record Run(int exit, String output) {
    }

    private static Run run(Path script, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("sh", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher did not finish");
        return new Run(process.exitValue(), output);
    }
}
