package dev.mdeq.deploy.schema;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * Compiles and evaluates the CEL expressions of {@code x-kubernetes-validations} rules with CEL-Java:
 * {@code self} (and {@code oldSelf} for transition rules) as dynamic values built from the object
 * (maps, lists, Long, Double, String, Boolean), as the API server sees them.
 */
final class CelRules {
    private final CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .addVar("oldSelf", SimpleType.DYN)
            .build();
    private final CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().build();
    private final Map<String, CelRuntime.Program> programs = new HashMap<>();

    /** True when the rule compares with the old object: evaluated on updates only. */
    static boolean isTransitionRule(String rule) {
        return rule.matches("(?s).*\\boldSelf\\b.*");
    }

    /** Evaluates a rule; a rule that does not compile or does not yield a boolean is an error of the CRD. */
    boolean holds(String rule, Object self, Object oldSelf) {
        CelRuntime.Program program = programs.computeIfAbsent(rule, this::compile);
        Map<String, Object> variables = new HashMap<>();
        variables.put("self", self);
        if (oldSelf != null) {
            variables.put("oldSelf", oldSelf);
        }
        try {
            Object result = program.eval(variables);
            if (!(result instanceof Boolean)) {
                throw new IllegalStateException("CEL rule " + rule + " returned " + result + ", not a boolean");
            }
            return (Boolean) result;
        } catch (CelEvaluationException e) {
            throw new IllegalStateException("CEL rule " + rule + " failed to evaluate: " + e.getMessage(), e);
        }
    }

    private CelRuntime.Program compile(String rule) {
        try {
            CelAbstractSyntaxTree ast = compiler.compile(rule).getAst();
            return runtime.createProgram(ast);
        } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalStateException("CEL rule does not compile: " + rule + ": " + e.getMessage(), e);
        }
    }
}
