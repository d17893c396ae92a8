/**
 * Model weights under the reference's state-dict names (docs/reference-model.md §6).
 * <ul>
 *   <li>{@link dev.mdeq.model.weights.RawTensor}: a tensor as a file holds it, the common currency.</li>
 *   <li>{@link dev.mdeq.model.weights.Npy} / {@link dev.mdeq.model.weights.Npz}: NumPy's formats
 *       (this project's weights files; {@code numpy.load} reads them and vice versa).</li>
 *   <li>{@link dev.mdeq.model.weights.StateDict}: a model's parameters and buffers to and from
 *       {@code Map<String, RawTensor>}: strict or matching loads, the segmentation {@code model.}
 *       prefix, the ignored aliases ({@code fullstage_copy.*}, {@code deq.*}), weight-norm
 *       conversions; a {@link dev.mdeq.model.weights.StateDict.LoadReport} says what was loaded,
 *       what was skipped and why.</li>
 *   <li>{@link dev.mdeq.model.weights.WeightFiles}: any weights file, told apart by content (an
 *       npz, or a PyTorch checkpoint read by {@code weights.torch}), at a local path or a store URI.</li>
 * </ul>
 *
 * <h2>Loading weights named by the config (the training loop's and evaluator's view)</h2>
 * One call handles every format ({@code .npz}, {@code .pth}, {@code .pth.tar}, {@code .pkl}, by
 * content) and every location (a path, {@code file:/path}, {@code s3://bucket/key} with the
 * {@code MDEQ_S3_*} settings), and throws {@code InvalidInputException} (exit code 3) for a
 * missing, corrupt, unsafe or unfitting file, with nothing written into the model:
 * <pre>{@code
 * try (MdeqModel model = MdeqModel.create(config, device, DataType.FLOAT32, config.run().seed())) {
 *     // MODEL.PRETRAINED: the entries both have (an ImageNet backbone into a segmentation model;
 *     // the classification head, absent from the segmentation model, is skipped). Shapes must agree.
 *     if (!config.model().pretrained().isBlank()) {
 *         StateDict.LoadReport report = WeightFiles.loadInto(model.net(), config.model().pretrained(),
 *                 StateDict.Mode.MATCHING);
 *         log.info(report.describe(config.model().pretrained()));
 *     }
 *     // TRAIN.MODEL_FILE (before training) / TEST.MODEL_FILE (the weights to evaluate): everything.
 *     if (!config.train().modelFile().isBlank()) {
 *         WeightFiles.loadInto(model.net(), config.train().modelFile(), StateDict.Mode.STRICT);
 *     }
 * }
 * }</pre>
 * A resume from this project's own checkpoint does not need this: it loads the checkpoint's
 * {@code Map<String, RawTensor>} with {@code model.load(weights, StateDict.Mode.STRICT, name)}.
 * {@code mdeq weights import} turns a reference checkpoint into an {@code .npz} once
 * ({@link dev.mdeq.model.weights.WeightFiles#writeNpz}), e.g. to keep it in the run's store.
 */
package dev.mdeq.model.weights;
