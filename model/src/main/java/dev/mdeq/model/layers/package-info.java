/**
 * The building blocks of the MDEQ network as DJL blocks with PyTorch's semantics and names:
 * {@link dev.mdeq.model.layers.Conv2d}, {@link dev.mdeq.model.layers.WeightNormConv2d},
 * {@link dev.mdeq.model.layers.GroupNorm} (DJL has none),
 * {@link dev.mdeq.model.layers.BatchNorm2d} (PyTorch's momentum convention, affine or not),
 * {@link dev.mdeq.model.layers.Linear}, {@link dev.mdeq.model.layers.VariationalDropout},
 * nearest and bilinear ({@code align_corners=True}) resizing, and the containers
 * {@link dev.mdeq.model.layers.Sequential} and {@link dev.mdeq.model.layers.ModuleList}
 * that keep the reference's child indices.
 *
 * <p>Every block is a {@link dev.mdeq.model.layers.NamedBlock}: parameters created in the
 * constructor with their shapes (fixed by the config) and the reference's initialisation, arrays
 * allocated by DJL's {@code initialize}, values drawn per parameter name from a seed. Work happens
 * in {@code forward(ForwardContext, ...)}; DJL's {@code forwardInternal} delegates to it.
 * {@link dev.mdeq.model.layers.TorchOps} holds the few PyTorch calls DJL's API lacks.
 */
package dev.mdeq.model.layers;
