package dev.mdeq.model.checkpoint;

import dev.mdeq.runstore.storage.Sha256;
import dev.mdeq.runstore.run.CheckpointManifest;
import dev.mdeq.runstore.run.Listing;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.LocalFolders;
import dev.mdeq.runstore.storage.ObjectInfo;
import dev.mdeq.runstore.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoints of one run folder, through the {@link ObjectStore} interface (a local folder or
 * S3). Writing is atomic by order: the parts, then {@code state.json}, then the manifest with the
 * size and SHA-256 of each part; the parts are read back and re-hashed; only then is the
 * {@link RunLayout#LATEST} pointer published. Reading resumes from the newest checkpoint whose
 * parts match its manifest, falling back to older ones, and says which it skipped and why.
 */
public final class CheckpointStore {
    /** Parameters and buffers in the reference's state-dict names. */
    public static final String MODEL_PART = "model.npz";
    /** The optimizer's step count and moments, keyed {@code <parameter>.<buffer>}. */
    public static final String OPTIMIZER_PART = "optimizer.npz";

    private static final Pattern FOLDER = Pattern.compile("^" + Pattern.quote(RunLayout.CHECKPOINTS)
            + "step-(\\d+)/");

    private final ObjectStore run;
    private final Path workFolder;
    private final Consumer<String> log;
    private final Clock clock;

    /**
     * @param run the run folder
     * @param workFolder where loaded checkpoints are downloaded to (one sub-folder each)
     * @param log receives one line per notable event (fallbacks, replaced and deleted checkpoints)
     */
    public CheckpointStore(ObjectStore run, Path workFolder, Consumer<String> log) {
        this(run, workFolder, log, Clock.systemUTC());
    }

    CheckpointStore(ObjectStore run, Path workFolder, Consumer<String> log, Clock clock) {
        this.run = run;
        this.workFolder = workFolder;
        this.log = log;
        this.clock = clock;
    }

    /**
     * Writes a checkpoint of {@code state} with the given parts (name to local file), verifies it
     * and publishes it as {@link RunLayout#LATEST}. A folder left at the same step by an earlier,
     * interrupted or corrupt write is replaced.
     */
    public SavedCheckpoint save(TrainingState state, Map<String, Path> partFiles) {
        String folder = RunLayout.checkpointFolder(state.step());
        long start = System.nanoTime();
        clearFolder(folder);
        List<CheckpointManifest.Part> parts = new ArrayList<>();
        for (Map.Entry<String, Path> entry : partFiles.entrySet()) {
            String name = entry.getKey();
            if (name.equals(TrainingState.PART) || name.equals(CheckpointManifest.KEY)) {
                throw new IllegalArgumentException("part name " + name + " is reserved");
            }
            Sha256.Digest digest = digest(entry.getValue());
            run.put(folder + name, entry.getValue());
            parts.add(new CheckpointManifest.Part(name, digest.size(), digest.sha256()));
        }
        byte[] stateJson = state.toJson();
        run.putBytes(folder + TrainingState.PART, stateJson);
        parts.add(new CheckpointManifest.Part(TrainingState.PART, stateJson.length, Sha256.hex(stateJson)));
        CheckpointManifest manifest = new CheckpointManifest(CheckpointManifest.FORMAT, state.step(), state.epoch(),
                state.configSha256(), clock.instant(), parts);
        run.putBytes(folder + CheckpointManifest.KEY, manifest.toJson());
        long written = System.nanoTime();
        verify(folder, manifest);
        long verified = System.nanoTime();
        run.publishPointer(RunLayout.LATEST, folder);
        return new SavedCheckpoint(folder, manifest, (written - start) / 1e9, (verified - written) / 1e9);
    }

    /** Publishes {@code folder} (a saved checkpoint) as {@link RunLayout#BEST}. */
    public void publishBest(String folder) {
        run.publishPointer(RunLayout.BEST, folder);
    }

    /** The folder {@link RunLayout#BEST} points to, if any. */
    public Optional<String> best() {
        return run.readPointer(RunLayout.BEST);
    }

    /** The folder {@link RunLayout#LATEST} points to, if any. */
    public Optional<String> latest() {
        return run.readPointer(RunLayout.LATEST);
    }

    /**
     * Reads every part of a checkpoint back from the store and compares its size and SHA-256
     * with the manifest.
     *
     * @throws InvalidCheckpointException naming the first part that does not match
     */
    public void verify(String folder, CheckpointManifest manifest) {
        for (CheckpointManifest.Part part : manifest.parts()) {
            requirePresent(folder, part);
            Sha256.Digest digest;
            try (InputStream in = run.get(folder + part.name())) {
                digest = Sha256.copy(in, OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + run.root().resolve(folder + part.name()), e);
            }
            check(folder, part, digest);
        }
    }

    /**
     * The newest checkpoint that verifies, downloaded; older ones are tried when newer ones are
     * incomplete or corrupt (each skip is logged and listed in {@link LoadedCheckpoint#skipped}).
     * Empty when the run has no usable checkpoint.
     */
    public Optional<LoadedCheckpoint> loadNewestValid() {
        List<String> skipped = new ArrayList<>();
        for (String folder : folders().descendingMap().values()) {
            try {
                LoadedCheckpoint loaded = load(folder);
                if (!skipped.isEmpty()) {
                    log.accept("resuming from the older checkpoint " + folder + " because " + skipped.size()
                            + " newer one(s) cannot be used");
                }
                return Optional.of(loaded.withSkipped(skipped));
            } catch (InvalidCheckpointException e) {
                skipped.add(e.getMessage());
                log.accept("skipping checkpoint: " + e.getMessage());
            }
        }
        if (!skipped.isEmpty()) {
            log.accept("none of the run's " + skipped.size() + " checkpoint(s) can be used; starting from the beginning");
        }
        return Optional.empty();
    }

    /**
     * Downloads and verifies one checkpoint.
     *
     * @throws InvalidCheckpointException when it has no manifest or a part does not match it
     */
    public LoadedCheckpoint load(String folder) {
        CheckpointManifest manifest = readManifest(folder);
        Path local;
        try {
            Files.createDirectories(workFolder);
            local = Files.createTempDirectory(workFolder, "checkpoint-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a local folder for checkpoint " + folder + " in "
                    + workFolder, e);
        }
        try {
            Map<String, Path> files = new LinkedHashMap<>();
            for (CheckpointManifest.Part part : manifest.parts()) {
                requirePresent(folder, part);
                Path file = local.resolve(part.name());
                Sha256.Digest digest;
                try (InputStream in = run.get(folder + part.name()); OutputStream out = Files.newOutputStream(file)) {
                    digest = Sha256.copy(in, out);
                }
                check(folder, part, digest);
                files.put(part.name(), file);
            }
            Path statePath = files.get(TrainingState.PART);
            if (statePath == null) {
                throw new InvalidCheckpointException("checkpoint " + folder + " has no " + TrainingState.PART);
            }
            TrainingState state;
            try {
                state = TrainingState.fromJson(Files.readAllBytes(statePath), folder + TrainingState.PART);
            } catch (RuntimeException e) {
                throw new InvalidCheckpointException("checkpoint " + folder + ": " + e.getMessage(), e);
            }
            if (state.step() != manifest.step()) {
                throw new InvalidCheckpointException("checkpoint " + folder + ": " + TrainingState.PART + " says step "
                        + state.step() + " but the manifest says step " + manifest.step());
            }
            return new LoadedCheckpoint(folder, manifest, state, files, List.of(), local);
        } catch (IOException e) {
            LocalFolders.deleteRecursively(local, "the local checkpoint copy");
            throw new UncheckedIOException("cannot download checkpoint " + folder + " to " + local, e);
        } catch (RuntimeException e) {
            LocalFolders.deleteRecursively(local, "the local checkpoint copy");
            throw e;
        }
    }

    /**
     * Deletes checkpoints no longer needed: keeps the {@code keep} newest complete ones (with a
     * manifest) and the one {@link RunLayout#BEST} points to; deletes older complete ones and
     * incomplete folders older than the newest complete one. Call it only after a new checkpoint
     * has been saved (and so verified). Returns the deleted folders.
     */
    public List<String> prune(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("must keep at least one checkpoint, got " + keep);
        }
        TreeMap<Long, String> folders = folders();
        Map<String, Boolean> complete = new LinkedHashMap<>();
        for (String folder : folders.values()) {
            complete.put(folder, run.stat(folder + CheckpointManifest.KEY).isPresent());
        }
        TreeSet<String> kept = new TreeSet<>();
        Long newestComplete = null;
        for (Map.Entry<Long, String> entry : folders.descendingMap().entrySet()) {
            if (complete.get(entry.getValue())) {
                if (newestComplete == null) {
                    newestComplete = entry.getKey();
                }
                if (kept.size() < keep) {
                    kept.add(entry.getValue());
                }
            }
        }
        if (newestComplete == null) {
            return List.of();
        }
        best().ifPresent(kept::add);
        List<String> deleted = new ArrayList<>();
        for (Map.Entry<Long, String> entry : folders.entrySet()) {
            String folder = entry.getValue();
            boolean staleIncomplete = !complete.get(folder) && entry.getKey() < newestComplete;
            boolean surplus = complete.get(folder) && !kept.contains(folder);
            if (staleIncomplete || surplus) {
                deleteFolder(folder);
                deleted.add(folder);
            }
        }
        if (!deleted.isEmpty()) {
            // every epoch says this: one short line
            log.accept("deleted " + Listing.some(deleted) + "; " + kept.size() + " kept");
        }
        return deleted;
    }

    /** Every checkpoint folder of the run (complete or not) by step. */
    public TreeMap<Long, String> folders() {
        TreeMap<Long, String> out = new TreeMap<>();
        for (ObjectInfo info : run.list(RunLayout.CHECKPOINTS)) {
            Matcher m = FOLDER.matcher(info.key());
            if (m.find()) {
                out.put(Long.parseLong(m.group(1)), m.group());
            }
        }
        return out;
    }

    private CheckpointManifest readManifest(String folder) {
        String key = folder + CheckpointManifest.KEY;
        if (run.stat(key).isEmpty()) {
            throw new InvalidCheckpointException("checkpoint " + folder + " is incomplete: it has no "
                    + CheckpointManifest.KEY + " (the write was interrupted)");
        }
        try {
            return CheckpointManifest.fromJson(run.getBytes(key), run.root().resolve(key).toString());
        } catch (RuntimeException e) {
            if (e instanceof dev.mdeq.runstore.storage.StorageException) {
                throw e;
            }
            throw new InvalidCheckpointException("checkpoint " + folder + " has an unreadable manifest: "
                    + e.getMessage(), e);
        }
    }

    private void requirePresent(String folder, CheckpointManifest.Part part) {
        if (run.stat(folder + part.name()).isEmpty()) {
            throw new InvalidCheckpointException("checkpoint " + folder + " is corrupt: part " + part.name()
                    + " listed in its manifest is missing");
        }
    }

    private static void check(String folder, CheckpointManifest.Part part, Sha256.Digest digest) {
        if (digest.size() != part.size()) {
            throw new InvalidCheckpointException("checkpoint " + folder + " is corrupt: part " + part.name() + " has "
                    + digest.size() + " bytes, its manifest says " + part.size());
        }
        if (!digest.sha256().equals(part.sha256())) {
            throw new InvalidCheckpointException("checkpoint " + folder + " is corrupt: part " + part.name()
                    + " has SHA-256 " + digest.sha256() + ", its manifest says " + part.sha256());
        }
    }

    /** Removes what an earlier write left at this step; the manifest goes first. */
    private void clearFolder(String folder) {
        List<ObjectInfo> existing = run.list(folder);
        if (existing.isEmpty()) {
            return;
        }
        log.accept("replacing the earlier checkpoint files in " + folder);
        deleteFolder(folder);
    }

    /** Deletes a checkpoint folder, its manifest first so that no reader takes it for complete. */
    private void deleteFolder(String folder) {
        run.delete(folder + CheckpointManifest.KEY);
        run.deleteAll(folder);
    }

    private static Sha256.Digest digest(Path file) {
        try {
            return Sha256.of(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint part " + file, e);
        }
    }
}
