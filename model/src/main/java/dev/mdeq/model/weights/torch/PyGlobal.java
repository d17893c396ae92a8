package dev.mdeq.model.weights.torch;

/**
 * A Python global ({@code module.name}) a pickle referred to, after {@link TorchGlobals} allowed
 * it. It is only a name: nothing is looked up or run.
 *
 * @param module module path, e.g. {@code torch._utils}
 * @param name attribute name, e.g. {@code _rebuild_tensor_v2}
 */
record PyGlobal(String module, String name) {
    String qualifiedName() {
        return module + "." + name;
    }
}
