package dev.mdeq.model.layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The state of one model forward pass, shared by every layer it calls: whether it trains, which
 * manager owns the arrays derived from parameters, the values derived once per forward (the
 * effective weight of a weight-normalised convolution, reshaped affine parameters) and the
 * variational dropout masks.
 *
 * <p>The reference recomputes weight-normalised weights and resamples dropout masks once per model
 * forward ({@code MDEQModule._reset}) and every application of f inside that forward (solver
 * iterations, unrolled layers, the backward solve) reuses them; a context gives exactly that: one
 * context per model forward, any number of f evaluations.
 *
 * <p>{@link #detached()} is the counterpart of the reference's {@code fullstage_copy}: the same
 * values (weights, affine parameters, masks) cut from the autograd graph, so vector-Jacobian
 * products computed through it reach only the state, never the parameters.
 *
 * <p>Arrays derived from parameters are owned by {@link #manager()}: whoever creates the context
 * closes that manager after the forward (and backward) is done.
 */
public final class ForwardContext {
    /** Key under which a context travels through DJL's {@code Block.forward(..., params)}. */
    public static final String PARAM_KEY = "mdeq.forwardContext";

    private final ParameterStore parameterStore;
    private final NDManager manager;
    private final boolean training;
    private final DropoutMasks masks;
    private final ForwardContext attached;
    private final Map<Object, NDArray> derived = new IdentityHashMap<>();
    private final Map<String, NDArray> constants = new HashMap<>();

    private ForwardContext(ParameterStore parameterStore, NDManager manager, boolean training, DropoutMasks masks,
            ForwardContext attached) {
        this.parameterStore = parameterStore;
        this.manager = manager;
        this.training = training;
        this.masks = masks;
        this.attached = attached;
    }

    /**
     * A context for one model forward.
     *
     * @param parameterStore where parameter values come from
     * @param manager owns every array the context derives; closed by the caller after the pass
     * @param training training mode (batch statistics, dropout masks applied)
     * @param masks the dropout masks of this forward ({@link DropoutMasks#none()} when not training)
     */
    public static ForwardContext create(ParameterStore parameterStore, NDManager manager, boolean training,
            DropoutMasks masks) {
        return new ForwardContext(parameterStore, manager, training, masks, null);
    }

    /** The context passed in DJL's forward params, if any. */
    public static Optional<ForwardContext> from(PairList<String, Object> params) {
        if (params == null) {
            return Optional.empty();
        }
        Object value = params.get(PARAM_KEY);
        return value instanceof ForwardContext ctx ? Optional.of(ctx) : Optional.empty();
    }

    /**
     * The context for a DJL {@code forwardInternal} call: the one carried in {@code params}, or else
     * a fresh one (no dropout masks) whose derived arrays belong to {@code owner}.
     */
    public static ForwardContext forCall(PairList<String, Object> params, ParameterStore parameterStore,
            NDManager owner, boolean training) {
        return from(params).orElseGet(() -> create(parameterStore, owner, training, DropoutMasks.none()));
    }

    /** DJL forward params carrying this context. */
    public PairList<String, Object> asParams() {
        PairList<String, Object> params = new PairList<>();
        params.add(PARAM_KEY, this);
        return params;
    }

    /**
     * The same forward cut from the graph: same weights, affine parameters and dropout masks, but
     * detached, so gradients computed through it never reach a parameter. Derived values are
     * detached views of this context's values (computed here first if needed), so both evaluate
     * the identical function.
     */
    public ForwardContext detached() {
        if (attached != null) {
            return this;
        }
        return new ForwardContext(parameterStore, manager, training, masks, this);
    }

    public boolean training() {
        return training;
    }

    public NDManager manager() {
        return manager;
    }

    public Device device() {
        return manager.getDevice();
    }

    public boolean isDetached() {
        return attached != null;
    }

    public DropoutMasks masks() {
        return masks;
    }

    /** The current value of a parameter (detached in a {@link #detached()} context). */
    public NDArray value(Parameter parameter) {
        if (attached == null) {
            return parameterStore.getValue(parameter, device(), training);
        }
        return derived.computeIfAbsent(parameter, key -> owned(attached.value(parameter), NDArray::stopGradient));
    }

    /**
     * A value computed from parameters once per forward and cached under {@code key} (for
     * instance a weight-normalised convolution's effective weight). {@code compute} runs at most
     * once per context; the intermediates it creates are closed, the result is owned by
     * {@link #manager()}. In a detached context this is the detached attached value.
     *
     * @param key identity of the value (usually the layer computing it)
     * @param inputs the parameter arrays (or other arrays not owned by this context) compute reads
     * @param compute the computation on {@code inputs}
     */
    public NDArray derive(Object key, NDArray[] inputs, Function<NDArray[], NDArray> compute) {
        NDArray known = derived.get(key);
        if (known != null) {
            return known;
        }
        NDArray result = attached == null
                ? owned(inputs, compute)
                : owned(attached.derive(key, inputs, compute), NDArray::stopGradient);
        derived.put(key, result);
        return result;
    }

    /** A constant array (ones or zeros) of the given length and type, shared within this context. */
    public NDArray constant(double value, long length, DataType type) {
        String key = value + "/" + length + "/" + type;
        return constants.computeIfAbsent(key, k -> keep(value == 0 ? manager.zeros(new Shape(length), type)
                : manager.full(new Shape(length), (float) value, type)));
    }

    /**
     * Runs {@code compute} on arrays owned elsewhere (parameters) so that the intermediates it creates
     * land in a scope that is closed right after, and the result is owned by {@link #manager()}.
     * Needed because PyTorch-engine operations put their result in the manager of their first
     * operand, which for a parameter is the model's long-lived manager.
     */
    private NDArray owned(NDArray[] inputs, Function<NDArray[], NDArray> compute) {
        // A training forward records how derived values depend on the parameters even when they are
        // first needed inside a solver step (which runs without autograd): the gradient must reach
        // weight_g / weight_v through the shared effective weight.
        try (NDManager scope = manager.newSubManager();
                TorchOps.GradMode mode = TorchOps.gradMode(training && attached == null)) {
            for (NDArray input : inputs) {
                input.tempAttach(scope);
            }
            NDArray result = compute.apply(inputs);
            result.attach(manager);
            return keep(result);
        }
    }

    /**
     * Exempts {@code array} from any open {@link NDScope}: values cached for the whole forward may
     * be created inside a solver step, whose scope closes everything else it saw.
     */
    static NDArray keep(NDArray array) {
        NDScope.unregister(array);
        return array;
    }

    private NDArray owned(NDArray input, Function<NDArray, NDArray> compute) {
        return owned(new NDArray[] {input}, in -> compute.apply(in[0]));
    }
}
