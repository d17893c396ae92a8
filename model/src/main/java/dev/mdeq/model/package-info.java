/**
 * The MDEQ model (Bai, Koltun, Kolter 2020) on DJL's PyTorch engine, faithful to the reference
 * implementation locuslab/mdeq (docs/reference-model.md): the network, its equilibrium forward, and the
 * gradients through the equilibrium.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link dev.mdeq.model.MdeqNet}: the network as DJL blocks whose parameters carry the
 *       reference's state-dict names ({@code downsample.0.weight},
 *       {@code fullstage.branches.0.blocks.0.conv1.weight_g}, ...): stem, {@code stage0}, f
 *       ({@link dev.mdeq.model.MultiscaleLayer}), and the classification or segmentation
 *       head. Built from an {@link dev.mdeq.model.Architecture} read from the config;
 *       parameter counts equal the reference's for every shipped yaml.</li>
 *   <li>{@link dev.mdeq.model.MdeqModel}: the network on a device with the config's
 *       solvers: training steps, evaluation, weights.</li>
 *   <li>{@link dev.mdeq.model.StateLayout}: the per-branch state and the solver's
 *       {@code (B, D)} vector, in the reference's order.</li>
 *   <li>{@link dev.mdeq.model.ModelSummary}: parameters per part, D, FLOPs per f.</li>
 * </ul>
 *
 * <h2>Using a model (the training loop's view)</h2>
 * <pre>{@code
 * try (MdeqModel model = MdeqModel.create(config, device, DataType.FLOAT32, config.run().seed())) {
 *     // optional: MODEL.PRETRAINED / TRAIN.MODEL_FILE (npz or the reference's .pth/.pkl, a path or
 *     // a store URI; the format is detected from the content)
 *     WeightFiles.loadInto(model.net(), location, StateDict.Mode.MATCHING);
 *
 *     // one optimizer step k = 0, 1, 2, ... (the reference's lr_scheduler._step_count - 1)
 *     model.zeroGradients();
 *     TrainStep step = model.trainStep(images, logits -> lossOf(logits, labels), k);
 *     // gradients now sit in the parameters: for (Parameter p : model.trainableParameters().values())
 *     //     try (NDArray g = p.getArray().getGradient()) { ... update p ... }
 *     step.loss(); step.logits().close(); step.forwardStats(); step.backwardStats(); step.seconds();
 *
 *     // validation / test: the solver's z* into the head, BatchNorm running statistics, no dropout
 *     try (MdeqModel.Evaluation eval = model.evaluate(images, MdeqModel.Mode.EQUILIBRIUM, false)) {
 *         eval.logits(); eval.solverStats();
 *     }
 *
 *     // checkpoint: weights in the reference's names + the dropout stream's position
 *     Map<String, RawTensor> weights = model.stateDict(); long draws = model.maskDraws();
 *     // resume: model.load(weights, StateDict.Mode.STRICT, name); model.setMaskDraws(draws);
 * }
 * }</pre>
 * {@code trainStep} runs the unrolled weight-tied stack (NUM_LAYERS applications of f from zero,
 * ordinary backprop) while {@code 0 <= k < TRAIN.PRETRAIN_STEPS}, else the equilibrium with the
 * gradient of {@code DEQ.GRAD}. It manages autograd itself: do not wrap it in a DJL {@code
 * GradientCollector}. Gradients accumulate (PyTorch semantics): zero them before each step (DJL's
 * optimizers zero a parameter's gradient after updating it). The images stay with the caller; every
 * array the step creates is freed when it returns, except the returned logits (owned by the images'
 * manager). {@code getGradient()} creates a new array each call: close it. Segmentation logits are
 * at 1/4 of the input resolution; the loss upsamples them to the labels' size with
 * {@link dev.mdeq.model.layers.Interpolation#bilinearAlignCorners} as the reference does.
 *
 * <h2>Gradients through the equilibrium ({@code DEQ.GRAD})</h2>
 * <ul>
 *   <li>{@code implicit} (default, the reference's, docs/reference-model.md §4.1): z* is solved without graph;
 *       the head sees zf = f(z*) computed with graph; the loss gradient g at zf is pushed through
 *       (I - J_f(zf))^-1 by solving w = w J_f(zf) + g with {@code DEQ.B_SOLVER} (threshold
 *       {@code MODEL.F_THRES}, or {@code MODEL.B_THRES} with {@code DEQ.USE_B_THRES}), each
 *       evaluation one vector-Jacobian product on one kept graph of f at zf built with detached
 *       weights and the forward's dropout masks (the reference's {@code fullstage_copy}); then w is
 *       backpropagated through zf = f(z*) into f's parameters, the injection and the stem.</li>
 *   <li>{@code phantom}: {@code DEQ.PHANTOM_STEPS} damped steps z &lt;- (1 - d) z + d f(z) from the
 *       detached z* ({@code DEQ.PHANTOM_DAMPING} = d) with graph; the head sees the last one.</li>
 *   <li>{@code jfb}: one undamped step, Jacobian-free backprop.</li>
 * </ul>
 * {@code DEQ.BACKWARD_FALLBACK}: when no adjoint iterate beats the zero start (typical at random
 * initialisation), {@code reference} (default) returns zero, as the reference does, so f, the
 * injection and the stem get no gradient for that batch; {@code best} returns the lowest-residual
 * iterate after the start instead (at worst w_1 = g, the Jacobian-free gradient). The default
 * reproduces the reference's training dynamics, which the released checkpoints and published
 * numbers come from; {@code best} is an opt-in improvement.
 *
 * <h2>Per forward, shared by every f evaluation</h2>
 * One {@link dev.mdeq.model.layers.ForwardContext} per model forward holds the effective
 * weights of the weight-normalised convolutions (computed once, with graph when training) and the
 * variational dropout masks (drawn once from a generator seeded by the run seed and the forward's
 * number), shared by the solver's iterations, the unrolled layers and the adjoint graph.
 */
package dev.mdeq.model;
