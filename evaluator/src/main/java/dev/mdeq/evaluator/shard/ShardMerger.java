package dev.mdeq.evaluator.shard;

import dev.mdeq.evaluator.report.EvalReport;
import dev.mdeq.evaluator.report.ReportWriter;
import dev.mdeq.evaluator.results.EvalContext;
import dev.mdeq.evaluator.results.EvalLayout;
import dev.mdeq.evaluator.results.EvalTally;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Listing;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectInfo;
import dev.mdeq.runstore.storage.ObjectStore;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Combines the partials of all shards of an evaluation into its report. Refuses an incomplete set
 * (naming the missing shard indexes), partials written for another shard count, and partials of
 * different evaluations (different fingerprint: checkpoint, config, data set, items), each with a
 * message that says what differs. Works for any partial (model-based or scored predictions).
 */
public final class ShardMerger {
    private static final Pattern PARTIAL_NAME = Pattern.compile("(\\d{4,})-of-(\\d{4,})\\.json");

    private final ObjectStore runStore;

    /** Merges partials found below {@code runStore}, the run folder. */
    public ShardMerger(ObjectStore runStore) {
        this.runStore = runStore;
    }

    /**
     * The merged evaluation.
     *
     * @param context the evaluation (from the partials)
     * @param tally the sum of the shards' tallies
     * @param shardWallNanos each shard's elapsed time, by index
     * @param kernels the shards' kernel sets, distinct, comma-separated (null when none recorded one)
     */
    public record Merged(EvalContext context, EvalTally tally, List<Long> shardWallNanos, String kernels) {
    }

    /** Reads, checks and merges the {@code shards} partials, then writes the report. */
    public EvalReport mergeAndWrite(String evalId, int shards) {
        Merged merged = merge(evalId, shards);
        return new ReportWriter(runStore).write(merged.context(), merged.tally(), merged.shardWallNanos(),
                merged.kernels());
    }

    /** Reads, checks and merges the {@code shards} partials of {@code evalId}. */
    public Merged merge(String evalId, int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("--shards must be at least 1, got " + shards);
        }
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            if (runStore.stat(RunLayout.shardPartial(evalId, i, shards)).isEmpty()) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            throw new InvalidInputException(missingMessage(evalId, shards, missing));
        }
        List<ShardPartial> partials = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            String key = RunLayout.shardPartial(evalId, i, shards);
            ShardPartial p;
            try {
                p = RunJson.read(runStore.getBytes(key), ShardPartial.class, runStore.root().resolve(key).toString());
            } catch (UncheckedIOException | IllegalArgumentException e) {
                throw new InvalidInputException("shard partial " + runStore.root().resolve(key) + " is unreadable: "
                        + e.getMessage(), e);
            }
            if (p.context() == null || p.tally() == null || p.items() == null) {
                throw new InvalidInputException("shard partial " + runStore.root().resolve(key)
                        + " is incomplete (no context, tally or item list)");
            }
            if (p.shardIndex() != i || p.shardCount() != shards || !evalId.equals(p.context().evalId())) {
                throw new InvalidInputException("shard partial " + runStore.root().resolve(key) + " says it is shard "
                        + p.shardIndex() + "/" + p.shardCount() + " of evaluation '" + p.context().evalId()
                        + "', not shard " + i + "/" + shards + " of '" + evalId + "'");
            }
            if (!p.context().fingerprint().equals(p.fingerprint())) {
                throw new InvalidInputException("shard partial " + runStore.root().resolve(key)
                        + " is inconsistent: its fingerprint does not match its own context");
            }
            partials.add(p);
        }
        checkSameEvaluation(evalId, partials);
        checkItems(evalId, partials);

        ShardPartial first = partials.get(0);
        EvalTally tally = first.tally();
        List<Long> wall = new ArrayList<>();
        wall.add(first.wallNanos());
        for (ShardPartial p : partials.subList(1, partials.size())) {
            tally.merge(p.tally());
            wall.add(p.wallNanos());
        }
        tally.sortLists();
        List<String> kernels = partials.stream().map(ShardPartial::kernels).filter(k -> k != null).distinct().toList();
        return new Merged(first.context(), tally, wall, kernels.isEmpty() ? null : String.join(", ", kernels));
    }

    private String missingMessage(String evalId, int shards, List<Integer> missing) {
        StringBuilder sb = new StringBuilder("cannot merge evaluation '" + evalId + "': " + missing.size() + " of "
                + shards + " shard partials are missing: shard " + Listing.some(missing) + " (expected "
                + runStore.root().resolve(RunLayout.shardPartial(evalId, missing.get(0), shards)) + "...)");
        Map<Integer, TreeSet<Integer>> otherCounts = new TreeMap<>();
        for (ObjectInfo info : runStore.list(EvalLayout.shards(evalId))) {
            Matcher m = PARTIAL_NAME.matcher(info.key().substring(info.key().lastIndexOf('/') + 1));
            if (m.matches() && Integer.parseInt(m.group(2)) != shards) {
                otherCounts.computeIfAbsent(Integer.parseInt(m.group(2)), k -> new TreeSet<>())
                        .add(Integer.parseInt(m.group(1)));
            }
        }
        otherCounts.forEach((n, idx) -> sb.append("; found partials of a ").append(n).append("-shard run (shard ")
                .append(Listing.some(idx)).append("): was it run with --shard I/").append(n).append('?'));
        sb.append(". Run the missing shards, then merge again.");
        return sb.toString();
    }

    private static void checkSameEvaluation(String evalId, List<ShardPartial> partials) {
        ShardPartial first = partials.get(0);
        for (ShardPartial p : partials.subList(1, partials.size())) {
            if (!p.fingerprint().equals(first.fingerprint())) {
                Map<String, String> a = first.context().fingerprintFields();
                Map<String, String> b = p.context().fingerprintFields();
                List<String> diffs = new ArrayList<>();
                for (String field : a.keySet()) {
                    if (!Objects.equals(a.get(field), b.get(field))) {
                        diffs.add(field + " (shard " + first.shardIndex() + ": " + shorten(a.get(field)) + ", shard "
                                + p.shardIndex() + ": " + shorten(b.get(field)) + ")");
                    }
                }
                throw new InvalidInputException("cannot merge evaluation '" + evalId + "': shard " + p.shardIndex()
                        + " evaluated something else than shard " + first.shardIndex() + " (fingerprint "
                        + shorten(p.fingerprint()) + " vs " + shorten(first.fingerprint()) + "); differing: "
                        + String.join("; ", diffs) + ". Re-run the shards with the same checkpoint, config and data.");
            }
        }
    }

    private static void checkItems(String evalId, List<ShardPartial> partials) {
        EvalContext ctx = partials.get(0).context();
        TreeSet<String> all = new TreeSet<>();
        int total = 0;
        for (ShardPartial p : partials) {
            all.addAll(p.items());
            total += p.items().size();
        }
        List<String> sorted = new ArrayList<>(all);
        if (total != sorted.size() || sorted.size() != ctx.itemCount()
                || !EvalContext.itemListSha256(sorted).equals(ctx.itemListSha256())) {
            throw new InvalidInputException("cannot merge evaluation '" + evalId + "': the shards cover "
                    + total + " items (" + sorted.size() + " distinct) but the evaluation has " + ctx.itemCount()
                    + "; the partials do not form one complete, non-overlapping set");
        }
        int count = partials.size();
        for (ShardPartial p : partials) {
            List<String> expected = new ShardSpec(p.shardIndex(), count).select(sorted);
            if (!expected.equals(p.items())) {
                throw new InvalidInputException("cannot merge evaluation '" + evalId + "': shard " + p.shardIndex()
                        + " covered other items than its slice (i % " + count + " == " + p.shardIndex() + ")");
            }
        }
    }


    private static String shorten(String s) {
        return s != null && s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
