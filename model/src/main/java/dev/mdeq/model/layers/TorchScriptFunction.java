package dev.mdeq.model.layers;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;

/**
 * A PyTorch operation DJL's engine does not expose, called as a TorchScript module shipped as a
 * class-path resource (written by a script next to it in {@code model/src/main/torchscript}). The
 * module is loaded once, on first use, into a manager that lives as long as the process.
 *
 * <p>It runs in the thread's current autograd mode, so its result has a graph exactly when the
 * operations around it do (DJL's training-mode module call; its inference-mode call would make
 * arrays autograd refuses later). That call takes tensors only: other arguments must be encoded in
 * tensors, for instance an integer as a length.
 */
final class TorchScriptFunction {
    /**
     * Names DJL's module call reads as plain tensors: it treats names with dots, brackets or a
     * {@code module_method:} prefix as lists, tuples, dicts or a method name.
     */
    private static final Pattern PLAIN_NAME = Pattern.compile("\\w*");

    private final String resource;
    private volatile PtSymbolBlock module;

    /** @param resource the archive's name, relative to this class's package */
    TorchScriptFunction(String resource) {
        this.resource = resource;
    }

    /** The function's result on {@code inputs}; owned by the first input's manager, as DJL's own operations do. */
    NDArray apply(NDArray... inputs) {
        for (NDArray input : inputs) {
            String name = input.getName();
            if (name != null && !PLAIN_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("array '" + name + "' passed to " + resource
                        + " would be read as a list, tuple or dict by DJL's module call: give it a plain name");
            }
        }
        return IValueUtils.forward(module(), new NDList(inputs), true).singletonOrThrow();
    }

    private PtSymbolBlock module() {
        PtSymbolBlock loaded = module;
        if (loaded == null) {
            synchronized (this) {
                loaded = module;
                if (loaded == null) {
                    loaded = load();
                    module = loaded;
                }
            }
        }
        return loaded;
    }

    private PtSymbolBlock load() {
        try (InputStream in = TorchScriptFunction.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the TorchScript resource " + resource
                        + " is missing from the class path next to " + TorchScriptFunction.class.getName());
            }
            // Never closed: the module is shared by every forward for the life of the process.
            PtNDManager owner = (PtNDManager) Engine.getEngine("PyTorch").newBaseManager();
            return JniUtils.loadModule(owner, in, false, false);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the TorchScript resource " + resource, e);
        }
    }
}
