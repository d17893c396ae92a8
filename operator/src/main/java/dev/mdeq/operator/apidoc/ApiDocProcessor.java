package dev.mdeq.operator.apidoc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.tools.StandardLocation;

/**
 * Compile-time step that copies the Javadoc of the resource's classes (package
 * {@value #API_PACKAGE}) into {@value #RESOURCE}, so that the CRD generator can use it as the schema's
 * descriptions ({@link CrdDescriptions}): the Javadoc is the single source of every field's text.
 *
 * <p>Keys: {@code <class>} for a type's description, {@code <class>#<name>} for a record component
 * (from its {@code @param} tag), a field or an enum constant.
 */
@SupportedAnnotationTypes("*")
public final class ApiDocProcessor extends AbstractProcessor {
    static final String API_PACKAGE = "dev.mdeq.operator.api";
    static final String RESOURCE = "META-INF/mdeq/api-docs.properties";

    private final Map<String, String> docs = new TreeMap<>();

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        for (Element element : round.getRootElements()) {
            if (element instanceof TypeElement type
                    && processingEnv.getElementUtils().getPackageOf(type).getQualifiedName().contentEquals(API_PACKAGE)) {
                collect(type);
            }
        }
        if (round.processingOver() && !docs.isEmpty()) {
            write();
        }
        return false;
    }

    private void collect(TypeElement type) {
        String name = type.getQualifiedName().toString();
        String comment = processingEnv.getElementUtils().getDocComment(type);
        if (comment != null) {
            docs.put(name, JavadocText.description(comment));
            JavadocText.params(comment).forEach((param, text) -> docs.put(name + "#" + param, text));
        }
        for (Element member : type.getEnclosedElements()) {
            if (member.getKind() == ElementKind.FIELD || member.getKind() == ElementKind.ENUM_CONSTANT) {
                String memberComment = processingEnv.getElementUtils().getDocComment(member);
                if (memberComment != null) {
                    docs.put(name + "#" + member.getSimpleName(), JavadocText.description(memberComment));
                }
            }
        }
    }

    private void write() {
        Properties properties = new Properties();
        properties.putAll(docs);
        try (Writer out = processingEnv.getFiler().createResource(StandardLocation.CLASS_OUTPUT, "", RESOURCE).openWriter()) {
            properties.store(out, "Javadoc of " + API_PACKAGE + ", written by " + getClass().getSimpleName());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + RESOURCE, e);
        }
    }
}
