package dev.mdeq.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.mdeq.model.layers.TorchOps;
import dev.mdeq.model.weights.RawArrays;
import dev.mdeq.model.weights.RawTensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An optimizer with PyTorch's update rules whose whole state (every moment buffer and the step
 * count) it owns, so a checkpoint can save and restore it exactly. DJL's own optimizers keep their
 * state inside the engine, where {@code Model.save} does not reach.
 *
 * <p>Parameters are passed to every {@link #step} as an ordered map from the parameter's reference
 * name (the state-dict name, e.g. {@code fullstage.branches.0.blocks.0.conv1.weight_v}) to its
 * array, whose gradient the backward pass has filled. State buffers are created on the parameter's
 * device at its first update and keyed {@code <name>.<buffer>} in {@link #state()}.
 */
public abstract class Optimizer implements AutoCloseable {
    /** Key of the step count in {@link #state()}. */
    public static final String STEP_KEY = "step";

    private final Map<String, NDArray> buffers = new HashMap<>();
    private NDManager manager;
    private long stepCount;

    /**
     * Applies one update with learning rate {@code lr} to every parameter, from its gradient, and
     * counts the step. The gradients are read, not changed.
     */
    public final void step(Map<String, NDArray> parameters, double lr) {
        stepCount++;
        // In-place updates of leaves that require gradients are only allowed without autograd
        // recording, which is a per-thread mode in PyTorch.
        try (TorchOps.GradMode off = TorchOps.gradMode(false); NDScope ignored = new NDScope()) {
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                NDArray parameter = entry.getValue();
                NDArray gradient = parameter.getGradient();
                update(entry.getKey(), parameter, gradient, lr, stepCount);
            }
        }
    }

    /** Updates one parameter in place (called inside a scope that closes temporaries). */
    protected abstract void update(String name, NDArray parameter, NDArray gradient, double lr, long step);

    /** Optimizer steps taken so far (PyTorch's {@code state['step']}). */
    public long stepCount() {
        return stepCount;
    }

    /**
     * The state buffer {@code kind} of a parameter, created as zeros like the parameter at first
     * use; {@code created[0]} tells whether it was new.
     */
    protected NDArray buffer(String name, String kind, NDArray like, boolean[] created) {
        String key = name + "." + kind;
        NDArray buffer = buffers.get(key);
        created[0] = buffer == null;
        if (buffer == null) {
            buffer = manager(like).zeros(like.getShape(), like.getDataType());
            NDScope.unregister(buffer); // created inside step()'s scope, but lives with the optimizer
            buffers.put(key, buffer);
        }
        return buffer;
    }

    private NDManager manager(NDArray like) {
        if (manager == null) {
            manager = NDManager.newBaseManager(like.getDevice());
        }
        return manager;
    }

    /** Every state buffer (in the parameters' type) plus the step count, buffers sorted by key. */
    public Map<String, RawTensor> state() {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        out.put(STEP_KEY, RawTensor.ofLongs(new long[0], new long[] {stepCount}));
        new TreeMap<>(buffers).forEach((key, array) -> out.put(key, RawArrays.toRaw(array)));
        return out;
    }

    /**
     * Restores a state written by {@link #state()}; the buffers are placed on the device of the
     * named parameters. Fails naming the entry when a buffer does not belong to any parameter or
     * its shape differs from the parameter's.
     */
    public void loadState(Map<String, RawTensor> state, Map<String, NDArray> parameters) {
        RawTensor step = state.get(STEP_KEY);
        if (step == null) {
            throw new IllegalArgumentException("optimizer state has no '" + STEP_KEY + "' entry");
        }
        clearBuffers();
        stepCount = step.toLongArray()[0];
        for (Map.Entry<String, RawTensor> entry : state.entrySet()) {
            if (entry.getKey().equals(STEP_KEY)) {
                continue;
            }
            String key = entry.getKey();
            int dot = key.lastIndexOf('.');
            NDArray parameter = dot < 0 ? null : parameters.get(key.substring(0, dot));
            if (parameter == null) {
                throw new IllegalArgumentException("optimizer state entry '" + key + "' names no parameter of the model");
            }
            NDArray buffer = RawArrays.toArray(manager(parameter), entry.getValue(), parameter.getDataType());
            if (!buffer.getShape().equals(parameter.getShape())) {
                buffer.close();
                throw new IllegalArgumentException("optimizer state entry '" + key + "' has shape "
                        + entry.getValue().shapeText() + " but the parameter has shape " + parameter.getShape());
            }
            buffers.put(key, buffer);
        }
    }

    private void clearBuffers() {
        buffers.values().forEach(NDArray::close);
        buffers.clear();
    }

    @Override
    public void close() {
        clearBuffers();
        if (manager != null) {
            manager.close();
            manager = null;
        }
    }
}
