package dev.mdeq.model.layers;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DJL block whose children and parameters carry the reference's (PyTorch) state-dict names, so
 * that {@link #namedParameters()} yields exactly the reference's keys ({@code
 * fullstage.branches.0.blocks.0.conv1.weight_g}), and whose parameters know how the reference
 * initialises them.
 *
 * <p>Parameter shapes follow from the channel counts given to the constructors (the config fixes
 * them all), so they are set when the parameter is created, as DJL's {@code Embedding} does; the
 * arrays are allocated by DJL's {@code initialize} and then filled by {@link
 * #initializeValues(ParameterSeeds)} with the reference's distributions. A child named {@code ""}
 * adds no name segment (the heads sit at the top level of the reference's state dict).
 */
public abstract class NamedBlock extends AbstractBlock {
    private static final byte VERSION = 1;

    private final Map<Parameter, ParameterInit> inits = new IdentityHashMap<>();
    private final List<Pair<String, NamedBlock>> named = new ArrayList<>();

    protected NamedBlock() {
        super(VERSION);
    }

    /** Adds a trainable parameter with its shape and the reference's initialisation. */
    protected final Parameter parameter(String name, Shape shape, ParameterInit init) {
        return register(name, shape, init, true, null);
    }

    /**
     * Adds a buffer: state that is saved and loaded with the parameters but gets no gradient
     * (BatchNorm running statistics). {@code fixedType} keeps a buffer's type whatever the model's
     * type ({@code num_batches_tracked} is int64); null follows the model.
     */
    protected final Parameter buffer(String name, Shape shape, ParameterInit init, DataType fixedType) {
        return register(name, shape, init, false, fixedType);
    }

    private Parameter register(String name, Shape shape, ParameterInit init, boolean trainable, DataType fixedType) {
        Parameter parameter = Parameter.builder()
                .setName(name)
                .setType(trainable ? Parameter.Type.WEIGHT : Parameter.Type.OTHER)
                .optShape(shape)
                .optRequiresGrad(trainable)
                // Placeholder: DJL allocates, initializeValues writes the reference's values.
                .optInitializer((manager, s, type) -> manager.zeros(s, fixedType != null ? fixedType : type))
                .build();
        addParameter(parameter);
        inits.put(parameter, init);
        return parameter;
    }

    /** Adds a child under its reference name ({@code ""}: no name segment). */
    protected final <B extends NamedBlock> B child(String name, B block) {
        addChildBlock(name, block);
        named.add(new Pair<>(name, block));
        return block;
    }

    /** The children with their reference names, in creation order. */
    public final List<Pair<String, NamedBlock>> namedChildren() {
        return Collections.unmodifiableList(named);
    }

    /** The child named {@code name}. */
    public final NamedBlock namedChild(String name) {
        for (Pair<String, NamedBlock> pair : named) {
            if (pair.getKey().equals(name)) {
                return pair.getValue();
            }
        }
        throw new IllegalArgumentException(getClass().getSimpleName() + " has no child named '" + name + "'");
    }

    /** Every parameter and buffer of this block and its children under the reference's state-dict key. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> pair : getDirectParameters()) {
            out.put(prefix + pair.getKey(), pair.getValue());
        }
        for (Pair<String, NamedBlock> pair : named) {
            pair.getValue().collect(join(prefix, pair.getKey()), out);
        }
    }

    private static String join(String prefix, String name) {
        return name.isEmpty() ? prefix : prefix + name + ".";
    }

    /** Fills every allocated parameter with the reference's initial values, drawn per key from {@code seeds}. */
    public final void initializeValues(ParameterSeeds seeds) {
        initializeValues(seeds, "");
    }

    /**
     * Fills this block's parameters (key = {@code prefix + name}) and then its children's. Blocks
     * whose initial values depend on each other (weight normalisation: g = ||v||) override this.
     */
    protected void initializeValues(ParameterSeeds seeds, String prefix) {
        for (Pair<String, Parameter> pair : getDirectParameters()) {
            Parameter parameter = pair.getValue();
            String key = prefix + pair.getKey();
            ArrayValues.set(parameter.getArray(), inits.get(parameter).sample(parameter.getShape(), seeds.forKey(key)));
        }
        for (Pair<String, NamedBlock> pair : named) {
            pair.getValue().initializeValues(seeds, join(prefix, pair.getKey()));
        }
    }

    /**
     * Initialises the children; the default gives every child this block's input shapes (right for
     * blocks whose children all see the block's input). Blocks that transform the input between
     * children override this.
     */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Pair<String, NamedBlock> pair : named) {
            pair.getValue().initialize(manager, dataType, inputShapes);
        }
    }

    /** Fails with a clear message when an input does not have the channels this block was built for. */
    protected final void requireChannels(Shape input, long channels) {
        if (input.dimension() < 2 || input.get(1) != channels) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " expects " + channels
                    + " input channels, got an input of shape " + input);
        }
    }
}
