package dev.mdeq.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.mdeq.config.DeqConfig;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.model.layers.DropoutMasks;
import dev.mdeq.model.layers.ForwardContext;
import dev.mdeq.model.layers.TorchOps;
import dev.mdeq.model.solver.SolveResult;
import dev.mdeq.model.solver.SolverStats;
import dev.mdeq.model.solver.StepObserver;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.model.weights.StateDict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * An MDEQ model ready to train and evaluate: the network ({@link MdeqNet}), its parameters on one
 * device, the equilibrium solvers of the config, and the three ways of running it (docs/reference-model.md §4):
 * unrolled weight-tied pretraining, equilibrium forward with implicit, phantom or Jacobian-free
 * gradients, and equilibrium evaluation. See the package documentation for the API in use.
 */
public final class MdeqModel implements AutoCloseable {
    private final ExperimentConfig config;
    private final MdeqNet net;
    private final NDManager manager;
    private final ParameterStore store;
    private final DataType type;
    private final long seed;
    private final RootFinders solves;
    private long maskDraws;

    /**
     * A model built from {@code config}, its parameters on {@code device} in {@code type} (float32 to
     * train; float64 for checks) initialised as the reference does from {@code seed}.
     */
    public static MdeqModel create(ExperimentConfig config, Device device, DataType type, long seed) {
        return new MdeqModel(config, device, type, seed, RootFinders.of(config));
    }

    MdeqModel(ExperimentConfig config, Device device, DataType type, long seed, RootFinders solves) {
        this.config = config;
        this.type = type;
        this.seed = seed;
        this.solves = solves;
        net = MdeqNet.build(Architecture.from(config));
        NativeKernels.ensureChecked(); // before the first convolution: it fixes oneDNN's kernel set
        manager = NDManager.newBaseManager(device);
        net.initialize(manager, type, seed);
        store = new ParameterStore(manager, false);
    }

    public ExperimentConfig config() {
        return config;
    }

    public MdeqNet net() {
        return net;
    }

    /** The device the parameters live on. */
    public Device device() {
        return manager.getDevice();
    }

    public DataType dataType() {
        return type;
    }

    /** The manager that owns the parameters (closed with the model). */
    public NDManager manager() {
        return manager;
    }

    /** Every parameter and buffer under its reference state-dict name. */
    public Map<String, Parameter> parameters() {
        return net.namedParameters();
    }

    /** The trainable parameters (the ones an optimiser updates), by reference name. */
    public Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new java.util.LinkedHashMap<>();
        net.namedParameters().forEach((key, parameter) -> {
            if (parameter.requiresGradient()) {
                out.put(key, parameter);
            }
        });
        return out;
    }

    /** The trainable parameters' arrays (which hold their gradients) by reference name. */
    public Map<String, NDArray> trainableArrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        trainableParameters().forEach((name, parameter) -> out.put(name, parameter.getArray()));
        return out;
    }

    /** Sets every accumulated parameter gradient to zero (PyTorch's {@code optimizer.zero_grad()}). */
    public void zeroGradients() {
        for (Parameter parameter : trainableParameters().values()) {
            TorchOps.zeroGrad(parameter.getArray());
        }
    }

    /** How many training forwards have drawn dropout masks: the position of the mask stream (checkpoint it). */
    public long maskDraws() {
        return maskDraws;
    }

    /** Restores the mask stream's position (from a checkpoint). */
    public void setMaskDraws(long draws) {
        this.maskDraws = draws;
    }

    /** Parameters and buffers as raw tensors in the reference's names. */
    public Map<String, RawTensor> stateDict() {
        return StateDict.save(net);
    }

    /** Loads weights in the reference's names (see {@link StateDict#load}). */
    public StateDict.LoadReport load(Map<String, RawTensor> weights, StateDict.Mode mode, String sourceName) {
        return StateDict.load(net, weights, mode, sourceName);
    }

    /** Whether the optimizer step {@code globalStep} trains the unrolled stack (the reference's pretraining). */
    public boolean pretraining(long globalStep) {
        return globalStep >= 0 && globalStep < config.train().pretrainSteps();
    }

    /**
     * One training forward and backward on a batch: unrolled for the first {@code
     * TRAIN.PRETRAIN_STEPS} optimizer steps, then equilibrium with the gradient of {@code DEQ.GRAD}.
     * Gradients accumulate into the parameters (zero them between steps, or let a DJL optimizer do
     * it); BatchNorm running statistics are updated.
     *
     * @param images {@code (B, 3, H, W)} input on any device; untouched, stays with its manager
     * @param loss maps the logits (with graph) to a scalar loss
     * @param globalStep the optimizer step this batch is for, from 0 ({@code lr_scheduler._step_count - 1})
     * @return the loss, the logits (without graph, owned by the images' manager) and solver statistics
     */
    public TrainStep trainStep(NDArray images, Function<NDArray, NDArray> loss, long globalStep) {
        NDManager caller = images.getManager();
        long started = System.nanoTime();
        try (NDManager step = manager.newSubManager(); TorchOps.GradMode on = TorchOps.gradMode(true)) {
            NDArray input = onDevice(images, step);
            ForwardContext ctx = ForwardContext.create(store, step, true, DropoutMasks.sampled(maskSeed(maskDraws++)));
            NDArray x0 = net.inject(ctx, input);
            StateLayout layout = net.layout(x0.getShape());
            Timings timings = new Timings();
            if (pretraining(globalStep)) {
                List<NDArray> z = unroll(ctx, layout.zeros(step, type), x0, config.model().numLayers());
                NDArray logits = net.head(ctx, z);
                NDArray value = loss.apply(logits);
                TorchOps.backward(value, value.onesLike(), false);
                return TrainStep.of(Mode.UNROLLED, null, value, logits, caller, null, null, timings.total(started));
            }
            DeqConfig.GradMode grad = config.deq().grad();
            long solveStart = System.nanoTime();
            SolveResult forward = solveForward(ctx, x0, layout);
            timings.forwardSolve = seconds(solveStart);
            List<NDArray> zStar = layout.unflatten(forward.state());
            if (grad == DeqConfig.GradMode.IMPLICIT) {
                return implicitStep(ctx, x0, layout, zStar, forward, loss, caller, timings, started);
            }
            int steps = grad == DeqConfig.GradMode.JFB ? 1 : config.deq().phantomSteps();
            double damping = grad == DeqConfig.GradMode.JFB ? 1.0 : config.deq().phantomDamping();
            long backStart = System.nanoTime();
            List<NDArray> z = phantom(ctx, zStar, x0, layout, steps, damping);
            NDArray logits = net.head(ctx, z);
            NDArray value = loss.apply(logits);
            TorchOps.backward(value, value.onesLike(), false);
            timings.backward = seconds(backStart);
            return TrainStep.of(Mode.EQUILIBRIUM, grad, value, logits, caller, forward.stats(), null,
                    timings.total(started));
        }
    }

    /**
     * The reference's training forward and exact implicit backward (docs/reference-model.md §4.1): the head sees
     * {@code zf = f(z*)} (one application with graph); the loss gradient at zf is pushed through
     * {@code (I - J_f(zf))^-1} by solving {@code w = w J_f(zf) + grad} with vector-Jacobian products
     * on one kept graph of f at zf (detached weights, same dropout masks, so the products reach zf
     * only), and w is then backpropagated through the zf = f(z*) graph into the parameters of f,
     * the injection and the stem.
     */
    private TrainStep implicitStep(ForwardContext ctx, NDArray x0, StateLayout layout, List<NDArray> zStar,
            SolveResult forward, Function<NDArray, NDArray> loss, NDManager caller, Timings timings, long started) {
        NDArray zf = layout.flatten(fReleasingIntermediates(ctx, zStar, x0));
        NDArray headInput = zf.stopGradient();
        headInput.setRequiresGradient(true);
        NDArray logits = net.head(ctx, layout.unflatten(headInput));
        NDArray value = loss.apply(logits);
        long backStart = System.nanoTime();
        TorchOps.backward(value, value.onesLike(), false);
        NDArray grad = headInput.getGradient();

        NDArray point = zf.stopGradient();
        point.setRequiresGradient(true);
        NDArray fAtPoint = layout.flatten(
                fReleasingIntermediates(ctx.detached(), layout.unflatten(point), x0.stopGradient()));
        Function<NDArray, NDArray> adjoint = w -> {
            TorchOps.backward(fAtPoint, w, true);
            NDArray vjp = point.getGradient();
            NDArray next = vjp.add(grad);
            TorchOps.zeroGrad(point);
            return next;
        };
        BestIterate best = config.deq().backwardFallback() == DeqConfig.BackwardFallback.BEST
                ? new BestIterate(ctx.manager()) : null;
        SolveResult backward = solves.backward(adjoint, grad.zerosLike(), best);
        timings.backwardSolve = seconds(backStart);
        NDArray w = backward.state();
        if (best != null && backward.stats().lowestStep() == 0 && best.value != null) {
            w = best.value;
        }
        // Free the adjoint graph before the parameter backward.
        fAtPoint.close();
        TorchOps.backward(zf, w, false);
        timings.backward = seconds(backStart);
        return TrainStep.of(Mode.EQUILIBRIUM, DeqConfig.GradMode.IMPLICIT, value, logits, caller, forward.stats(),
                backward.stats(), timings.total(started));
    }

    /**
     * The loss the implicit training step differentiates, {@code loss(head(f(z*)))} in training mode
     * (batch statistics) with the given dropout masks, computed without graph: for checking gradients.
     */
    double equilibriumLoss(NDArray images, Function<NDArray, NDArray> loss, DropoutMasks masks) {
        try (NDManager step = manager.newSubManager(); TorchOps.GradMode off = TorchOps.gradMode(false)) {
            NDArray input = onDevice(images, step);
            ForwardContext ctx = ForwardContext.create(store, step, true, masks);
            NDArray x0 = net.inject(ctx, input);
            StateLayout layout = net.layout(x0.getShape());
            List<NDArray> zStar = layout.unflatten(solveForward(ctx, x0, layout).state());
            return TrainStep.scalar(loss.apply(net.head(ctx, net.f(ctx, zStar, x0))));
        }
    }

    /**
     * Phantom gradient (Geng et al. 2021): {@code steps} damped applications {@code z <- (1 - damping)
     * z + damping f(z)} from the detached fixed point, with graph; JFB is one undamped step.
     */
    private List<NDArray> phantom(ForwardContext ctx, List<NDArray> zStar, NDArray x0, StateLayout layout, int steps,
            double damping) {
        List<NDArray> z = zStar;
        for (int k = 0; k < steps; k++) {
            List<NDArray> fz = fReleasingIntermediates(ctx, z, x0);
            if (damping == 1.0) {
                z = fz;
            } else {
                List<NDArray> mixed = new ArrayList<>(fz.size());
                for (int i = 0; i < fz.size(); i++) {
                    mixed.add(TorchOps.mul(fz.get(i), damping).add(TorchOps.mul(z.get(i), 1 - damping)));
                }
                z = mixed;
            }
        }
        return z;
    }

    /** NUM_LAYERS (or {@code layers}) applications of f from {@code z}, recorded if autograd is on. */
    private List<NDArray> unroll(ForwardContext ctx, List<NDArray> z, NDArray x0, int layers) {
        List<NDArray> out = z;
        for (int layer = 0; layer < layers; layer++) {
            out = fReleasingIntermediates(ctx, out, x0);
        }
        return out;
    }

    /**
     * One application of f whose intermediates are closed as soon as it returns, as Python frees
     * them when their last reference goes: with autograd on, the graph keeps its own references to
     * what the backward needs, so only arrays nothing needs are released. Without this, an unrolled
     * or phantom forward keeps every intermediate of every layer until the step ends.
     */
    private List<NDArray> fReleasingIntermediates(ForwardContext ctx, List<NDArray> z, NDArray x0) {
        try (NDScope scope = new NDScope()) {
            List<NDArray> out = net.f(ctx, z, x0);
            out.forEach(NDScope::unregister);
            return out;
        }
    }

    /** The forward solve z* = f(z*) from z = 0, without graph. */
    private SolveResult solveForward(ForwardContext ctx, NDArray x0, StateLayout layout) {
        Function<NDArray, NDArray> f = z -> layout.flatten(net.f(ctx, layout.unflatten(z), x0));
        NDArray start = ctx.manager().zeros(new Shape(layout.batch(), layout.perSample()), type);
        try (TorchOps.GradMode off = TorchOps.gradMode(false)) {
            return solves.forward(f, start);
        }
    }

    /**
     * Evaluation forward (no graph, BatchNorm running statistics, no dropout): in {@link
     * Mode#EQUILIBRIUM} the head sees the solver's z* (the reference's eval path); in {@link
     * Mode#UNROLLED} NUM_LAYERS applications of f from zero. {@code details} also returns each
     * branch's z* and f(z*).
     *
     * @return arrays owned by the images' manager
     */
    public Evaluation evaluate(NDArray images, Mode mode, boolean details) {
        NDManager caller = images.getManager();
        try (NDManager step = manager.newSubManager(); TorchOps.GradMode off = TorchOps.gradMode(false)) {
            NDArray input = onDevice(images, step);
            ForwardContext ctx = ForwardContext.create(store, step, false, DropoutMasks.none());
            NDArray x0 = net.inject(ctx, input);
            StateLayout layout = net.layout(x0.getShape());
            List<NDArray> z;
            SolverStats stats = null;
            if (mode == Mode.UNROLLED) {
                z = unroll(ctx, layout.zeros(step, type), x0, config.model().numLayers());
            } else {
                SolveResult solved = solveForward(ctx, x0, layout);
                z = layout.unflatten(solved.state());
                stats = solved.stats();
            }
            NDArray logits = keep(net.head(ctx, z), caller);
            List<NDArray> states = null;
            List<NDArray> fOfStates = null;
            if (details) {
                states = new ArrayList<>();
                fOfStates = new ArrayList<>();
                for (NDArray zi : z) {
                    states.add(keep(zi.duplicate(), caller));
                }
                for (NDArray fi : net.f(ctx, z, x0)) {
                    fOfStates.add(keep(fi, caller));
                }
            }
            return new Evaluation(mode, logits, states, fOfStates, stats);
        }
    }

    /**
     * The images as this step's input on the model's device: the caller's array itself, lent to
     * the step's manager until it closes (so the intermediates land there), or a copy.
     */
    private NDArray onDevice(NDArray images, NDManager step) {
        if (images.getDevice().equals(device())) {
            images.tempAttach(step);
            return images;
        }
        NDArray moved = images.toDevice(device(), true);
        moved.attach(step);
        return moved;
    }

    private static NDArray keep(NDArray array, NDManager owner) {
        NDScope.unregister(array);
        array.attach(owner);
        return array;
    }

    /** The seed of the dropout masks of training forward number {@code draw}. */
    long maskSeed(long draw) {
        // SplitMix64 of (seed, draw): an independent, reproducible mask stream per training forward.
        long z = seed + 0x9e3779b97f4a7c15L * (draw + 1);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** How the equilibrium state is computed. */
    public enum Mode {
        /** NUM_LAYERS weight-tied applications of f from zero, ordinary backprop (pretraining). */
        UNROLLED,
        /** The solver's fixed point. */
        EQUILIBRIUM
    }

    /**
     * An evaluation forward.
     *
     * @param mode how the state was computed
     * @param logits the head's output
     * @param zStar each branch's state fed to the head (null unless details were asked for)
     * @param fOfZStar each branch's f(z*) (null unless details were asked for)
     * @param solverStats the forward solve's statistics (null in unrolled mode)
     */
    public record Evaluation(Mode mode, NDArray logits, List<NDArray> zStar, List<NDArray> fOfZStar,
            SolverStats solverStats) implements AutoCloseable {

        /** Closes the arrays. */
        @Override
        public void close() {
            logits.close();
            for (List<NDArray> arrays : java.util.Arrays.asList(zStar, fOfZStar)) {
                if (arrays != null) {
                    arrays.forEach(NDArray::close);
                }
            }
        }
    }

    /** Wall-clock split of a training step. */
    private static final class Timings {
        double forwardSolve;
        double backwardSolve;
        double backward;

        TrainStep.Seconds total(long started) {
            return new TrainStep.Seconds(seconds(started), forwardSolve, backwardSolve, backward);
        }
    }

    /** Keeps the backward iterate with the lowest residual among steps 1.. (the BEST fallback). */
    static final class BestIterate implements StepObserver {
        private final NDManager owner;
        private double lowest = Double.POSITIVE_INFINITY;
        NDArray value;

        BestIterate(NDManager owner) {
            this.owner = owner;
        }

        @Override
        public void onStep(int step, NDArray x, NDArray residual) {
            if (step == 0) {
                return;
            }
            double norm = TrainStep.scalar(residual.norm());
            if (norm < lowest) {
                lowest = norm;
                if (value != null) {
                    value.close();
                }
                value = keep(x.duplicate(), owner);
            }
        }
    }
}
