package dev.mdeq.evaluator.shard;

import dev.mdeq.metrics.SegmentationMetrics;
import dev.mdeq.evaluator.report.EvalReport;
import dev.mdeq.evaluator.report.ReportWriter;
import dev.mdeq.evaluator.results.EvalContext;
import dev.mdeq.evaluator.results.EvalLayout;
import dev.mdeq.evaluator.results.EvalTally;
import dev.mdeq.evaluator.results.InvalidItemException;
import dev.mdeq.evaluator.results.SkippedItem;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.progress.ProgressReporter;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Runs an evaluation, or one shard of it, item by item, and writes the result: the report when
 * unsharded, the shard's partial otherwise (then {@link ShardMerger} makes the report). It owns
 * what every kind of evaluation shares: the deterministic slice, sample selection, skipping bad
 * items under an explicit option, progress (bar, log lines, heartbeat) and timing. The per-item
 * work (decode, inference, accumulate, write predictions) is an {@link ItemEvaluator}.
 */
public final class EvaluationDriver {
    private final ObjectStore runStore;
    private final EvalContext context;
    private final ShardSpec shard;
    private final boolean skipInvalid;
    private final int sampleCount;
    private final Consumer<ProgressReporter.Builder> progressOptions;
    private final String kernels;
    private final Clock clock;

    /** The work done for one item; it adds its results (and image stats, samples) to the tally. */
    @FunctionalInterface
    public interface ItemEvaluator {
        /**
         * Evaluates one item. Throw {@link InvalidInputException} (or {@link InvalidItemException}
         * with a kind) for a bad input: the run fails, or skips and counts it under the skip option.
         */
        void evaluate(Item item, EvalTally tally) throws Exception;
    }

    /**
     * One item of the slice.
     *
     * @param name the item's name
     * @param index its position in the whole sorted list
     * @param sample whether the report shows pictures of it (write them)
     */
    public record Item(String name, int index, boolean sample) {
    }

    /**
     * What the run produced.
     *
     * @param tally this shard's (or the whole) results
     * @param report the report, when unsharded (else null)
     * @param partialKey the partial's key, when sharded (else null)
     */
    public record Result(EvalTally tally, EvalReport report, String partialKey) {
    }

    private EvaluationDriver(Builder b) {
        this.runStore = b.runStore;
        this.context = b.context;
        this.shard = b.shard;
        this.skipInvalid = b.skipInvalid;
        this.sampleCount = b.sampleCount;
        this.progressOptions = b.progressOptions;
        this.clock = b.clock;
        this.kernels = b.kernels;
    }

    /**
     * A driver writing below {@code runStore} (the run folder).
     *
     * @param context the evaluation; its item count and list hash must match the items run
     */
    public static Builder builder(ObjectStore runStore, EvalContext context, ShardSpec shard) {
        return new Builder(runStore, context, shard);
    }

    /** The positions (in the sorted list of {@code total} items) whose pictures the report shows. */
    public static boolean isSample(int index, int total, int samples) {
        if (samples <= 0 || total == 0) {
            return false;
        }
        if (samples >= total) {
            return true;
        }
        // Evenly spread: positions floor(j * total / samples), j = 0..samples-1.
        long j = ((long) index * samples + total - 1) / total;
        return j < samples && j * total / samples == index;
    }

    /**
     * Evaluates this shard's slice of {@code sortedItems} into {@code tally} and writes the report
     * (unsharded) or the partial (sharded).
     *
     * @param sortedItems every item of the evaluation, sorted (the same list in every shard)
     * @param tally an empty tally of the evaluation's kind
     */
    public Result run(List<String> sortedItems, EvalTally tally, ItemEvaluator evaluator) {
        if (sortedItems.size() != context.itemCount()
                || !EvalContext.itemListSha256(sortedItems).equals(context.itemListSha256())) {
            throw new IllegalArgumentException("the items do not match the evaluation context (" + sortedItems.size()
                    + " items vs " + context.itemCount() + ")");
        }
        long start = System.nanoTime();
        List<Item> slice = new ArrayList<>();
        for (int i = shard.index(); i < sortedItems.size(); i += shard.count()) {
            slice.add(new Item(sortedItems.get(i), i, isSample(i, sortedItems.size(), sampleCount)));
        }
        String progressKey = shard.isWhole() ? RunLayout.evalProgress(context.evalId())
                : EvalLayout.shardProgress(context.evalId(), shard.index(), shard.count());
        ProgressReporter.Builder pb = ProgressReporter.builder(
                        shard.isWhole() ? "evaluate" : "evaluate shard " + shard, Progress.Phase.EVALUATING, slice.size())
                .unit("images").detailOrder("mIoU", "top1").heartbeatTo(runStore, progressKey, Duration.ofSeconds(15))
                .clocks(System::nanoTime, clock);
        progressOptions.accept(pb);
        ProgressReporter progress = pb.start();
        try {
            for (Item item : slice) {
                try {
                    evaluator.evaluate(item, tally);
                } catch (InvalidInputException e) {
                    if (!skipInvalid) {
                        throw e;
                    }
                    SkippedItem.Kind kind = e instanceof InvalidItemException iie ? iie.kind() : SkippedItem.Kind.INVALID;
                    tally.addSkipped(new SkippedItem(item.name(), kind, e.getMessage()));
                    progress.detail("skipped", Integer.toString(tally.skipped().size()));
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException("evaluating " + item.name() + " failed: " + e.getMessage(), e);
                }
                progress.advance(1);
                runningMetric(progress, tally);
            }
            tally.sortLists();
            long wall = System.nanoTime() - start;
            if (shard.isWhole()) {
                EvalReport report = new ReportWriter(runStore, clock).write(context, tally, List.of(wall), kernels);
                progress.finish(Progress.Phase.SUCCEEDED, "report written to "
                        + runStore.root().resolve(RunLayout.reportHtml(context.evalId())) + headline(report));
                return new Result(tally, report, null);
            }
            String key = RunLayout.shardPartial(context.evalId(), shard.index(), shard.count());
            ShardPartial partial = new ShardPartial(ShardPartial.FORMAT_VERSION, shard.index(), shard.count(),
                    context.fingerprint(), context, slice.stream().map(Item::name).toList(), wall, tally,
                    clock.instant(), kernels);
            runStore.putBytes(key, RunJson.write(partial));
            progress.finish(Progress.Phase.SUCCEEDED, "shard " + shard + " partial written to "
                    + runStore.root().resolve(key));
            return new Result(tally, null, key);
        } catch (RuntimeException e) {
            progress.finish(Progress.Phase.FAILED, e.getMessage());
            throw e;
        }
    }

    private static void runningMetric(ProgressReporter progress, EvalTally tally) {
        if (tally.isSegmentation()) {
            if (tally.segmentation().total() > 0) {
                progress.metric("mIoU", 100 * SegmentationMetrics.of(tally.segmentation(),
                        SegmentationMetrics.numberedNames(tally.segmentation().numClasses())).miou());
            }
        } else if (tally.classification().samples() > 0) {
            progress.metric("top1", 100.0 * tally.classification().correctAtK(1) / tally.classification().samples());
        }
    }

    private static String headline(EvalReport r) {
        if (r.miou() != null) {
            return String.format(Locale.ROOT, " (mIoU %.2f %%, reference formula %.2f %%)", r.miou(), r.miouReference());
        }
        if (r.top1() != null) {
            return String.format(Locale.ROOT, " (top-1 %.2f %%, top-5 %.2f %%)", r.top1(), r.top5());
        }
        return "";
    }

    /** Options of an {@link EvaluationDriver}. */
    public static final class Builder {
        private final ObjectStore runStore;
        private final EvalContext context;
        private final ShardSpec shard;
        private boolean skipInvalid;
        private int sampleCount = 6;
        private Consumer<ProgressReporter.Builder> progressOptions = p -> { };
        private Clock clock = Clock.systemUTC();
        private String kernels;

        private Builder(ObjectStore runStore, EvalContext context, ShardSpec shard) {
            this.runStore = runStore;
            this.context = context;
            this.shard = shard;
        }

        /** Skip and count items that throw {@link InvalidInputException} instead of failing (default false). */
        public Builder skipInvalid(boolean value) {
            this.skipInvalid = value;
            return this;
        }

        /** How many items (evenly spread over the whole list) the report shows pictures of (default 6). */
        public Builder samples(int value) {
            this.sampleCount = value;
            return this;
        }

        /** Settings of the progress reporter (bar or log lines, output, intervals); default: its defaults. */
        public Builder progress(Consumer<ProgressReporter.Builder> value) {
            this.progressOptions = value;
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** The native kernel set the items are computed with, recorded in the report (default none). */
        public Builder kernels(String value) {
            this.kernels = value;
            return this;
        }

        public EvaluationDriver build() {
            return new EvaluationDriver(this);
        }
    }
}
