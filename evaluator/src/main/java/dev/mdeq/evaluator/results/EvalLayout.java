package dev.mdeq.evaluator.results;

import dev.mdeq.runstore.run.RunLayout;

/**
 * Keys of an evaluation's outputs inside its folder {@link RunLayout#evalFolder} (relative to the
 * run folder), besides the report, progress and shard partials that {@link RunLayout} names.
 */
public final class EvalLayout {
    private EvalLayout() {
    }

    /**
     * Folder of the labelId prediction PNGs, laid out for the benchmark: point cityscapesScripts'
     * {@code CITYSCAPES_RESULTS} here, or zip it for a submission.
     */
    public static String labelIdPredictions(String evalId) {
        return RunLayout.evalFolder(evalId) + "predictions/labelIds/";
    }

    /** Folder of the colour prediction PNGs (Cityscapes palette). */
    public static String colourPredictions(String evalId) {
        return RunLayout.evalFolder(evalId) + "predictions/color/";
    }

    /** Folder of the report's sample pictures. */
    public static String samples(String evalId) {
        return RunLayout.evalFolder(evalId) + "samples/";
    }

    /** The per-class table as CSV. */
    public static String classesCsv(String evalId) {
        return RunLayout.evalFolder(evalId) + "classes.csv";
    }

    /** Folder of the shard partials. */
    public static String shards(String evalId) {
        return RunLayout.evalFolder(evalId) + "shards/";
    }

    /** The heartbeat of one shard (shards run at once; each has its own, next to its partial). */
    public static String shardProgress(String evalId, int index, int count) {
        return String.format("%sprogress-%04d-of-%04d.json", shards(evalId), index, count);
    }
}
