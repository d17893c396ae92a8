/**
 * Label maps as images: 8-bit grey and palette PNGs through javax.imageio
 * ({@link dev.mdeq.evaluator.image.LabelPngs}), Cityscapes train-id/label-id conversion, palette and
 * overlays ({@link dev.mdeq.evaluator.image.CityscapesImages}), Cityscapes file names and reduced
 * previews for reports.
 */
package dev.mdeq.evaluator.image;
