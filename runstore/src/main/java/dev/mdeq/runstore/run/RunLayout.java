package dev.mdeq.runstore.run;

/**
 * The keys of a run folder, relative to the run's root ({@code <store>/runs/<namespace>/<job>/}
 * when the operator runs it, or whatever {@code --run URI} names locally). One place for every
 * name, so trainer, evaluator and operator agree.
 */
public final class RunLayout {
    /** The resolved experiment config the run trains with. */
    public static final String CONFIG = "config.yaml";
    /** The trainer's (and evaluator's) heartbeat: {@link Progress} as JSON. */
    public static final String PROGRESS = "progress.json";
    /** One JSON object per logged step or epoch. */
    public static final String METRICS = "metrics.jsonl";
    /** Folder of checkpoints, one sub-folder per checkpoint. */
    public static final String CHECKPOINTS = "checkpoints/";
    /** Pointer to the newest complete checkpoint (published after its manifest). */
    public static final String LATEST = "checkpoints/LATEST";
    /** Pointer to the checkpoint with the best validation metric. */
    public static final String BEST = "checkpoints/BEST";
    /**
     * Folder of the trainer's lease: one object per fencing token ({@link #lease}); the highest
     * token is the current lease (see dev.mdeq.runstore.lease.RunLease).
     */
    public static final String LEASE = "lease/";
    /** Folder of evaluations, one sub-folder per evaluation id. */
    public static final String EVAL = "eval/";
    /** Trainer-side relative path of the run root below a store: {@code runs/<namespace>/<job>}. */
    public static final String RUNS = "runs/";

    private RunLayout() {
    }

    /** The run folder of a Kubernetes job below a store's root. */
    public static String runPrefix(String namespace, String job) {
        return RUNS + namespace + "/" + job;
    }

    /** The folder of one checkpoint, named by its global step (zero-padded so keys sort by step). */
    public static String checkpointFolder(long step) {
        return String.format("%sstep-%012d/", CHECKPOINTS, step);
    }

    /** The lease object of one fencing token (zero-padded so keys sort by token). */
    public static String lease(long token) {
        return String.format("%s%012d.json", LEASE, token);
    }

    /** The folder of one evaluation. */
    public static String evalFolder(String evalId) {
        return EVAL + evalId + "/";
    }

    /** The evaluation report (JSON) of one evaluation: {@link ReportSummary} reads a part of it. */
    public static String report(String evalId) {
        return evalFolder(evalId) + "report.json";
    }

    /** The evaluation report for people. */
    public static String reportHtml(String evalId) {
        return evalFolder(evalId) + "report.html";
    }

    /** The evaluator's heartbeat of one evaluation. */
    public static String evalProgress(String evalId) {
        return evalFolder(evalId) + "progress.json";
    }

    /** The partial result of shard {@code index} of {@code count}. */
    public static String shardPartial(String evalId, int index, int count) {
        return String.format("%sshards/%04d-of-%04d.json", evalFolder(evalId), index, count);
    }
}
