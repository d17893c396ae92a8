package dev.mdeq.operator.store;

import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.ReportSummary;
import dev.mdeq.runstore.run.RunJson;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.StoreUri;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/** The operator's view of one run folder: the config it writes, the heartbeat and reports it reads. */
public final class RunFolder {
    private static final Logger LOG = Logger.getLogger(RunFolder.class);

    private final StoreUri uri;
    private final ObjectStore store;

    RunFolder(StoreUri uri, ObjectStore store) {
        this.uri = uri;
        this.store = store;
    }

    /** The run folder's URI (what the pods get as {@code --run}). */
    public StoreUri uri() {
        return uri;
    }

    /** The config.yaml already in the run folder, if any. */
    public Optional<String> readConfig() {
        if (store.stat(RunLayout.CONFIG).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new String(store.getBytes(RunLayout.CONFIG), StandardCharsets.UTF_8));
    }

    /** Writes config.yaml (the caller checked there is none, or an equal one). */
    public void writeConfig(String yaml) {
        store.putBytes(RunLayout.CONFIG, yaml.getBytes(StandardCharsets.UTF_8));
    }

    /** The trainer's heartbeat, or empty when there is none yet or it cannot be read (the next poll retries). */
    public Optional<Progress> readProgress() {
        return readJson(RunLayout.PROGRESS, Progress.class);
    }

    /** The headline numbers of an evaluation's report, or empty when it is not written yet. */
    public Optional<ReportSummary> readReport(String evalId) {
        return readJson(RunLayout.report(evalId), ReportSummary.class);
    }

    /** The URI of an object of the run folder. */
    public StoreUri resolve(String key) {
        return uri.resolve(key);
    }

    /** Deletes every object of the run folder; returns how many there were. */
    public int deleteAll() {
        List<String> deleted = store.deleteAll("");
        return deleted.size();
    }

    private <T> Optional<T> readJson(String key, Class<T> type) {
        if (store.stat(key).isEmpty()) {
            return Optional.empty();
        }
        byte[] json = store.getBytes(key);
        try {
            return Optional.of(RunJson.read(json, type, uri.resolve(key).toString()));
        } catch (UncheckedIOException e) {
            LOG.warnf("ignoring %s for now: %s", uri.resolve(key), e.getMessage());
            return Optional.empty();
        }
    }
}
