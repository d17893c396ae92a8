package dev.mdeq.deploy.helm;

import com.marcnuri.helm.Helm;
import dev.mdeq.deploy.RepoPaths;
import dev.mdeq.deploy.manifest.Manifest;
import dev.mdeq.deploy.manifest.Manifests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Renders helm/mdeq-operator with helm-java (Helm as a native library), as `helm template` would. */
public final class ChartRender {
    public static final String RELEASE = "mdeq-operator";
    public static final String NAMESPACE = "mdeq-system";
    /** The cluster version rendered for (Helm's own default, 1.20, is below the chart's kubeVersion). */
    public static final String KUBE_VERSION = "1.31.0";

    private ChartRender() {
    }

    /** The rendered manifests of the chart with these values (yaml, on top of values.yaml). */
    public static List<Manifest> render(String valuesYaml) {
        return Manifests.parse(renderText(valuesYaml), "helm template");
    }

    /** NOTES.txt as `helm install` prints it (a client-only dry run: nothing is sent to a cluster). */
    public static String notes(String valuesYaml) {
        try {
            Path values = Files.createTempFile("mdeq-values", ".yaml");
            try {
                Files.writeString(values, valuesYaml);
                String output = new Helm(RepoPaths.chart()).install()
                        .withName(RELEASE)
                        .withNamespace(NAMESPACE)
                        .withKubeVersion(KUBE_VERSION)
                        .withValuesFile(values)
                        .clientOnly()
                        .dryRun()
                        .call()
                        .getOutput();
                int start = output.indexOf("NOTES:");
                if (start < 0) {
                    throw new IllegalStateException("helm install --dry-run printed no NOTES:\n" + output);
                }
                return output.substring(start + "NOTES:".length());
            } finally {
                Files.deleteIfExists(values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rendered text; Helm's error (e.g. a schema violation) becomes the exception's message. */
    public static String renderText(String valuesYaml) {
        return renderText(valuesYaml, KUBE_VERSION);
    }

    /** The rendered text for a given cluster version. */
    public static String renderText(String valuesYaml, String kubeVersion) {
        try {
            Path values = Files.createTempFile("mdeq-values", ".yaml");
            try {
                Files.writeString(values, valuesYaml);
                return new Helm(RepoPaths.chart()).template()
                        .withName(RELEASE)
                        .withNamespace(NAMESPACE)
                        .withKubeVersion(kubeVersion)
                        .withValuesFile(values)
                        .call();
            } finally {
                Files.deleteIfExists(values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
