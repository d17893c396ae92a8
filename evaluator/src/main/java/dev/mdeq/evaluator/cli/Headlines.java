package dev.mdeq.evaluator.cli;

import dev.mdeq.evaluator.report.EvalReport;
import dev.mdeq.evaluator.shard.EvaluationDriver;
import dev.mdeq.evaluator.shard.ShardSpec;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import java.io.PrintWriter;
import java.util.Locale;

/** The few lines an evaluation command prints on standard output when it has written a report. */
final class Headlines {
    private Headlines() {
    }

    /** The headline of a report, or for a shard where its partial went and how to merge. */
    static void printResult(PrintWriter out, EvaluationDriver.Result result, ObjectStore runStore, String evalId,
            ShardSpec shard) {
        if (result.report() != null) {
            print(out, result.report(), runStore.root().resolve(RunLayout.reportHtml(evalId)).toString());
        } else {
            out.println("shard " + shard + " written to " + runStore.root().resolve(result.partialKey()));
            out.println("when all " + shard.count() + " shards are done, merge them:");
            out.println("  mdeq evaluate merge --run " + runStore.root() + " --eval-id " + evalId + " --shards "
                    + shard.count());
            out.flush();
        }
    }

    static void print(PrintWriter out, EvalReport r, String reportLocation) {
        if (r.miou() != null || "segmentation".equals(r.task())) {
            out.printf(Locale.ROOT, "mIoU %s (Cityscapes benchmark), %s (MDEQ reference formula)%n", pct(r.miou()),
                    pct(r.miouReference()));
            out.printf(Locale.ROOT, "pixel accuracy %s, mean class accuracy %s, %d images%n", pct(r.pixelAccuracy()),
                    pct(r.meanClassAccuracy()), r.samples());
            if (!r.absentClasses().isEmpty()) {
                out.println("classes absent from ground truth and prediction (no IoU): "
                        + String.join(", ", r.absentClasses()));
            }
        } else {
            out.printf(Locale.ROOT, "top-1 %s, top-5 %s, mean class accuracy %s, %d samples%n", pct(r.top1()),
                    pct(r.top5()), pct(r.meanClassAccuracy()), r.samples());
        }
        if (!r.skipped().items().isEmpty()) {
            out.println("skipped inputs: " + r.skipped().counts());
        }
        out.println("report: " + reportLocation);
        out.flush();
    }

    private static String pct(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.2f %%", v);
    }
}
