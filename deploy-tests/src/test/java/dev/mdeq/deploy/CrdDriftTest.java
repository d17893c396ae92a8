package dev.mdeq.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs (k8s/crd/ and the chart's crds/) are the one the operator build generates from
 * its Java types; after a change of dev.mdeq.operator.api, {@code k8s/regenerate-crd.sh} updates both.
 */
class CrdDriftTest {

    @Test
    void committedCrdsAreTheGeneratedOne() throws IOException {
        RepoPaths.assumeOperatorModule();
        Path generated = RepoPaths.buildOutput("operator/target/kubernetes/" + RepoPaths.CRD_FILE);
        for (String committed : List.of("k8s/crd/" + RepoPaths.CRD_FILE, "helm/mdeq-operator/crds/" + RepoPaths.CRD_FILE)) {
            Path file = RepoPaths.resolve(committed);
            if (!Files.exists(file)) {
                fail(committed + " is missing: run k8s/regenerate-crd.sh");
            }
            List<String> expected = Files.readAllLines(generated);
            List<String> actual = Files.readAllLines(file);
            if (!expected.equals(actual)) {
                fail(committed + " differs from the generated operator/target/kubernetes/" + RepoPaths.CRD_FILE
                        + " (" + firstDifference(expected, actual) + "): the operator's API changed; run "
                        + "k8s/regenerate-crd.sh and commit both copies");
            }
        }
    }

    private static String firstDifference(List<String> expected, List<String> actual) {
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            String want = i < expected.size() ? expected.get(i) : "<end of file>";
            String got = i < actual.size() ? actual.get(i) : "<end of file>";
            if (!want.equals(got)) {
                return "line " + (i + 1) + ": generated '" + want.strip() + "', committed '" + got.strip() + "'";
            }
        }
        return "line endings";
    }
}
