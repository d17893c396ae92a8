package dev.mdeq.operator.apidoc;

import dev.mdeq.operator.api.MdeqTrainingJob;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Puts the CRD's printer columns in the order they are declared on {@link MdeqTrainingJob} (the
 * generator sorts them by JSON path, which would show AGE first). Registered with
 * {@code quarkus.operator-sdk.crd.post-processor}.
 */
public final class PrinterColumnOrder implements CRDPostProcessor {

    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
        if (crd instanceof CustomResourceDefinition definition) {
            List<String> declared = Arrays.stream(MdeqTrainingJob.class.getAnnotationsByType(AdditionalPrinterColumn.class))
                    .map(AdditionalPrinterColumn::jsonPath)
                    .toList();
            for (CustomResourceDefinitionVersion version : definition.getSpec().getVersions()) {
                if (version.getAdditionalPrinterColumns() != null) {
                    version.getAdditionalPrinterColumns().sort(Comparator.comparingInt(
                            (CustomResourceColumnDefinition column) -> rank(declared, column.getJsonPath())));
                }
            }
        }
        return crd;
    }

    private static int rank(List<String> declared, String jsonPath) {
        int index = declared.indexOf(jsonPath);
        return index < 0 ? declared.size() : index;
    }
}
