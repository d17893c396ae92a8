package dev.mdeq.evaluator.results;

/**
 * A picture written for the report (overlay, colour prediction, colour ground truth) of one item.
 *
 * @param item the item's name
 * @param caption what the picture shows (e.g. {@code prediction}, {@code ground truth}, {@code overlay})
 * @param key its key relative to the run folder
 */
public record SampleImage(String item, String caption, String key) {
}
