package dev.mdeq.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mdeq.deploy.manifest.Manifests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deployment docs stay true to the repository: every file they name or link exists, and every chart
 * value they set with --set exists in values.yaml.
 */
class DocsTest {
    private static final List<String> DOCS = List.of("docs/kubernetes.md", "docs/architecture.md", "README.md",
            "k8s/README.md", "helm/mdeq-operator/templates/NOTES.txt", "helm/mdeq-operator/values.yaml");
    private static final Pattern REPO_PATH = Pattern.compile("(?<![\\w./-])((?:k8s|helm|docker|docs|experiments)/[\\w./-]*[\\w/])");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#:]+)(#[^)]*)?\\)");
    private static final Pattern SET = Pattern.compile("--set ([\\w.]+)=");

    @Test
    void everyNamedFileExists() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String doc : DOCS) {
            Path file = RepoPaths.resolve(doc);
            String text = Files.readString(file);
            Matcher paths = REPO_PATH.matcher(text);
            while (paths.find()) {
                String path = paths.group(1).replaceAll("[./]+$", "");
                if (!path.contains("<") && !Files.exists(RepoPaths.resolve(path))) {
                    missing.add(doc + ": " + path);
                }
            }
            Matcher links = LINK.matcher(text);
            while (links.find()) {
                if (!Files.exists(file.getParent().resolve(links.group(1)))) {
                    missing.add(doc + ": link " + links.group(1));
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void everySetValueExistsInValuesYaml() throws IOException {
        JsonNode values = Manifests.YAML.readTree(RepoPaths.chart().resolve("values.yaml").toFile());
        Set<String> used = new TreeSet<>();
        for (String doc : DOCS) {
            Matcher sets = SET.matcher(Files.readString(RepoPaths.resolve(doc)));
            while (sets.find()) {
                used.add(sets.group(1));
            }
        }
        assertTrue(used.size() >= 5, used.toString());
        for (String key : used) {
            JsonNode node = values;
            for (String part : key.split("\\.")) {
                node = node.path(part);
            }
            assertTrue(!node.isMissingNode(), "--set " + key + " is not a value of the chart");
        }
    }
}
