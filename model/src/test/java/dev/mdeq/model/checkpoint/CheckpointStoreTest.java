package dev.mdeq.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.run.CheckpointManifest;
import dev.mdeq.runstore.run.RunLayout;
import dev.mdeq.runstore.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checkpoint writing, verification, fallback and retention against real stores: a local folder and
 * S3 (s3proxy in-process, through the real protocol).
 */
class CheckpointStoreTest {
    @TempDir
    Path temp;

    private final List<String> log = new ArrayList<>();

    static List<StoreKind> stores() {
        return List.of(StoreKind.LOCAL, StoreKind.S3);
    }

    @ParameterizedTest
    @MethodSource("stores")
    void savedCheckpointLoadsBackWithTheSameBytesAndState(StoreKind kind) throws Exception {
        try (ObjectStore run = kind.open(temp)) {
            CheckpointStore checkpoints = new CheckpointStore(run, temp.resolve("work"), log::add);
            Map<String, Path> parts = parts(7, 3000);
            TrainingState state = state(7);
            SavedCheckpoint saved = checkpoints.save(state, parts);

            assertEquals(RunLayout.checkpointFolder(7), saved.folder());
            assertEquals(Optional.of(saved.folder()), run.readPointer(RunLayout.LATEST));
            CheckpointManifest manifest = CheckpointManifest.fromJson(
                    run.getBytes(saved.folder() + CheckpointManifest.KEY), "manifest");
            assertEquals(List.of(CheckpointStore.MODEL_PART, CheckpointStore.OPTIMIZER_PART, TrainingState.PART),
                    manifest.parts().stream().map(CheckpointManifest.Part::name).toList());
            for (String name : List.of(CheckpointStore.MODEL_PART, CheckpointStore.OPTIMIZER_PART)) {
                byte[] bytes = Files.readAllBytes(parts.get(name));
                CheckpointManifest.Part part = manifest.part(name).orElseThrow();
                assertEquals(bytes.length, part.size());
                assertEquals(sha256(bytes), part.sha256());
            }

            try (LoadedCheckpoint loaded = checkpoints.loadNewestValid().orElseThrow()) {
                assertEquals(saved.folder(), loaded.folder());
                assertEquals(state, loaded.state());
                assertTrue(loaded.skipped().isEmpty());
                for (String name : parts.keySet()) {
                    assertArrayEquals(Files.readAllBytes(parts.get(name)), Files.readAllBytes(loaded.file(name)), name);
                }
                Path local = loaded.localFolder();
                assertTrue(Files.isDirectory(local));
                loaded.close();
                assertFalse(Files.exists(local), "closing a loaded checkpoint deletes its local copy");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void corruptOrIncompleteNewerCheckpointsAreSkippedWithTheReason(StoreKind kind) throws Exception {
        try (ObjectStore run = kind.open(temp)) {
            CheckpointStore checkpoints = new CheckpointStore(run, temp.resolve("work"), log::add);
            checkpoints.save(state(10), parts(10, 500));
            checkpoints.save(state(20), parts(20, 500));
            checkpoints.save(state(30), parts(30, 500));
            checkpoints.save(state(40), parts(40, 500));
            // 40: one flipped byte in the model; 30: a part deleted; 20: the manifest never written
            String f40 = RunLayout.checkpointFolder(40);
            byte[] model = run.getBytes(f40 + CheckpointStore.MODEL_PART);
            model[model.length / 2] ^= 1;
            run.putBytes(f40 + CheckpointStore.MODEL_PART, model);
            run.delete(RunLayout.checkpointFolder(30) + CheckpointStore.OPTIMIZER_PART);
            run.delete(RunLayout.checkpointFolder(20) + CheckpointManifest.KEY);

            try (LoadedCheckpoint loaded = checkpoints.loadNewestValid().orElseThrow()) {
                assertEquals(RunLayout.checkpointFolder(10), loaded.folder());
                assertEquals(10, loaded.state().step());
                assertEquals(3, loaded.skipped().size());
                assertTrue(loaded.skipped().get(0).contains(f40) && loaded.skipped().get(0).contains("SHA-256")
                        && loaded.skipped().get(0).contains(CheckpointStore.MODEL_PART), loaded.skipped().get(0));
                assertTrue(loaded.skipped().get(1).contains("missing")
                        && loaded.skipped().get(1).contains(CheckpointStore.OPTIMIZER_PART), loaded.skipped().get(1));
                assertTrue(loaded.skipped().get(2).contains("incomplete"), loaded.skipped().get(2));
            }
            assertTrue(log.stream().anyMatch(line -> line.contains("older checkpoint " + RunLayout.checkpointFolder(10))),
                    String.valueOf(log));
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void truncatedPartAndStateDisagreeingWithTheManifestAreRejected(StoreKind kind) throws Exception {
        try (ObjectStore run = kind.open(temp)) {
            CheckpointStore checkpoints = new CheckpointStore(run, temp.resolve("work"), log::add);
            SavedCheckpoint saved = checkpoints.save(state(5), parts(5, 800));
            byte[] optimizer = run.getBytes(saved.folder() + CheckpointStore.OPTIMIZER_PART);
            run.putBytes(saved.folder() + CheckpointStore.OPTIMIZER_PART, java.util.Arrays.copyOf(optimizer, 100));
            InvalidCheckpointException e = assertThrows(InvalidCheckpointException.class,
                    () -> checkpoints.load(saved.folder()));
            assertTrue(e.getMessage().contains("100 bytes"), e.getMessage());
            assertEquals(Optional.empty(), checkpoints.loadNewestValid());
            assertTrue(log.stream().anyMatch(line -> line.contains("starting from the beginning")), String.valueOf(log));
            assertEquals(List.of(), listFiles(temp.resolve("work")), "rejected downloads leave no local files");
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void pruneKeepsTheNewestAndTheBestAndDropsStaleIncompleteFolders(StoreKind kind) throws Exception {
        try (ObjectStore run = kind.open(temp)) {
            CheckpointStore checkpoints = new CheckpointStore(run, temp.resolve("work"), log::add);
            for (long step = 1; step <= 5; step++) {
                SavedCheckpoint saved = checkpoints.save(state(step), parts(step, 100));
                if (step == 2) {
                    checkpoints.publishBest(saved.folder());
                }
            }
            // an interrupted write older than the newest, and one newer than it (left for the next try)
            run.putBytes(RunLayout.checkpointFolder(3) + "junk.bin", new byte[] {1});
            run.delete(RunLayout.checkpointFolder(3) + CheckpointManifest.KEY);
            run.putBytes(RunLayout.checkpointFolder(9) + CheckpointStore.MODEL_PART, new byte[] {1, 2});

            List<String> deleted = checkpoints.prune(2);

            assertEquals(List.of(RunLayout.checkpointFolder(1), RunLayout.checkpointFolder(3)), deleted);
            assertEquals(List.of(RunLayout.checkpointFolder(2), RunLayout.checkpointFolder(4),
                    RunLayout.checkpointFolder(5), RunLayout.checkpointFolder(9)),
                    List.copyOf(checkpoints.folders().values()));
            assertTrue(run.list(RunLayout.checkpointFolder(1)).isEmpty());
            try (LoadedCheckpoint best = checkpoints.load(checkpoints.best().orElseThrow())) {
                assertEquals(2, best.state().step());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void savingAgainAtAStepReplacesWhatAnInterruptedWriteLeft(StoreKind kind) throws Exception {
        try (ObjectStore run = kind.open(temp)) {
            CheckpointStore checkpoints = new CheckpointStore(run, temp.resolve("work"), log::add);
            String folder = RunLayout.checkpointFolder(12);
            run.putBytes(folder + CheckpointStore.MODEL_PART, new byte[] {9, 9, 9});
            run.putBytes(folder + "leftover.tmp", new byte[] {1});
            checkpoints.save(state(12), parts(12, 300));
            assertTrue(run.stat(folder + "leftover.tmp").isEmpty());
            try (LoadedCheckpoint loaded = checkpoints.loadNewestValid().orElseThrow()) {
                assertEquals(folder, loaded.folder());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void aRunWithoutCheckpointsHasNothingToResume(StoreKind kind) throws Exception {
        try (ObjectStore run = kind.open(temp)) {
            CheckpointStore checkpoints = new CheckpointStore(run, temp.resolve("work"), log::add);
            assertEquals(Optional.empty(), checkpoints.loadNewestValid());
            assertEquals(List.of(), checkpoints.prune(3));
            assertTrue(log.isEmpty(), String.valueOf(log));
        }
    }

    private Map<String, Path> parts(long step, int size) throws IOException {
        Random random = new Random(step);
        Map<String, Path> out = new LinkedHashMap<>();
        for (String name : List.of(CheckpointStore.MODEL_PART, CheckpointStore.OPTIMIZER_PART)) {
            byte[] bytes = new byte[size + name.length()];
            random.nextBytes(bytes);
            Path file = temp.resolve("parts-" + step + "-" + name);
            Files.write(file, bytes);
            out.put(name, file);
        }
        return out;
    }

    private static TrainingState state(long step) {
        return new TrainingState(step, (int) (step / 4), (int) (step % 4) * 32, 42L, "c0ffee", Map.of("dropout", step * 7),
                "top1", 61.5, step - 1, 12.5 * step, 0.75 * step, (int) (step % 4),
                List.of(new TrainingState.EpochRecord(0, 4, 1.25, 55.0, 30.0)));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static List<Path> listFiles(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (var paths = Files.walk(folder)) {
            return paths.filter(Files::isRegularFile).toList();
        }
    }
}
