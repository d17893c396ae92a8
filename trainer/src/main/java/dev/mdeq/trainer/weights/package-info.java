/**
 * Model weights under the reference's state-dict names (MDEQ-SPEC §6).
 * <ul>
 *   <li>{@link dev.mdeq.trainer.weights.RawTensor}: a tensor as a file holds it, the common currency.</li>
 *   <li>{@link dev.mdeq.trainer.weights.Npy} / {@link dev.mdeq.trainer.weights.Npz}: NumPy's formats
 *       (this project's weights files; {@code numpy.load} reads them and vice versa).</li>
 *   <li>{@link dev.mdeq.trainer.weights.StateDict}: a model's parameters and buffers to and from
 *       {@code Map<String, RawTensor>}: strict or matching loads, the segmentation {@code model.}
 *       prefix, the ignored aliases ({@code fullstage_copy.*}, {@code deq.*}), weight-norm
 *       conversions.</li>
 *   <li>{@link dev.mdeq.trainer.weights.WeightFiles}: any weights file by content (npz or a PyTorch
 *       checkpoint, the latter read by {@code weights.torch}).</li>
 * </ul>
 */
package dev.mdeq.trainer.weights;
