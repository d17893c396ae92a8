package dev.mdeq.data;

import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.progress.ProgressReporter;
import dev.mdeq.runstore.storage.ObjectInfo;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.storage.StorageException;
import dev.mdeq.runstore.storage.StoreUri;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Copies a data set from object storage to a local cache folder, once: every object below the
 * store's root (optionally filtered) goes to {@code <cache>/datasets/<scheme>/<bucket or path>/<key>}.
 *
 * <p>A manifest in the folder ({@value #MANIFEST}, one line {@code size etag key} appended per
 * completed file) records what was fetched. A file is reused when the store still lists the object
 * with the same size and ETag and the local file has that size; anything else (new, changed,
 * partial, missing) is fetched again. Downloads go to a {@code .part} file first and are renamed
 * only after their size (and, for an ETag that is a plain MD5, their MD5) is verified, so an
 * interrupted stage leaves no half file under a real name and the next run resumes where it
 * stopped. A lock file serialises stagers sharing one cache (pods sharing a volume). The downloads
 * show their progress ({@link ProgressReporter}: a bar on a terminal, log lines otherwise).
 */
public final class DataStager {
    /** The manifest file in each staged folder. */
    public static final String MANIFEST = ".mdeq-staged";
    private static final String LOCK = ".mdeq-staged.lock";
    private static final String PART = ".mdeq-part";
    private static final Pattern MD5_ETAG = Pattern.compile("[0-9a-fA-F]{32}");

    private final Path cacheDir;
    private final int threads;
    private final boolean verifyMd5;
    private final Consumer<ProgressReporter.Builder> progressOptions;

    /**
     * @param cacheDir the cache root ({@link #defaultCacheDir()})
     * @param threads parallel downloads (many small files: latency bound)
     * @param verifyMd5 check content against ETags that are plain MD5s (false for buckets whose
     *     encryption makes ETags something else)
     */
    public DataStager(Path cacheDir, int threads, boolean verifyMd5) {
        this(cacheDir, threads, verifyMd5, p -> { });
    }

    private DataStager(Path cacheDir, int threads, boolean verifyMd5, Consumer<ProgressReporter.Builder> progress) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.cacheDir = cacheDir;
        this.threads = threads;
        this.verifyMd5 = verifyMd5;
        this.progressOptions = progress;
    }

    /** This stager with its progress shown as {@code options} set (e.g. a bar or log lines, where to). */
    public DataStager withProgress(Consumer<ProgressReporter.Builder> options) {
        return new DataStager(cacheDir, threads, verifyMd5, options);
    }

    /**
     * A stager on the default cache with 4 download threads and MD5 checks (off with
     * MDEQ_STAGE_VERIFY_MD5=false). Variables are read where the stores read theirs
     * ({@link ObjectStores#environment()}: the process environment, or a test's override).
     */
    public static DataStager withDefaults() {
        String verify = ObjectStores.environment().get("MDEQ_STAGE_VERIFY_MD5");
        return new DataStager(defaultCacheDir(), 4, !"false".equalsIgnoreCase(verify));
    }

    /** {@code MDEQ_CACHE_DIR}, or {@code ~/.cache/mdeq}. */
    public static Path defaultCacheDir() {
        String env = ObjectStores.environment().get("MDEQ_CACHE_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "mdeq");
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** The local folder a store root is staged to. */
    public Path localFolder(StoreUri root) {
        Path base = cacheDir.resolve("datasets").resolve(root.scheme());
        if (root.isS3()) {
            base = base.resolve(root.bucket());
            return root.path().isEmpty() ? base : base.resolve(root.path());
        }
        String path = root.path().replaceAll("^/+", "");
        return path.isEmpty() ? base : base.resolve(path);
    }

    /**
     * What one stage did.
     *
     * @param folder the local copy of the store's root
     * @param files objects selected
     * @param fetched files downloaded now
     * @param reused files already in the cache
     * @param bytesFetched bytes downloaded now
     */
    public record Result(Path folder, int files, int fetched, int reused, long bytesFetched) {
    }

    /** Stages every object of the store. */
    public Result stage(ObjectStore store) {
        return stage(store, key -> true);
    }

    /** Stages the objects whose key (relative to the store's root) {@code select} accepts. */
    public Result stage(ObjectStore store, Predicate<String> select) {
        Path folder = localFolder(store.root());
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data cache folder " + folder, e);
        }
        try (FileChannel lockChannel = FileChannel.open(folder.resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock lock = lockChannel.lock()) {
            return stageLocked(store, select, folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the data cache folder " + folder, e);
        }
    }

    private Result stageLocked(ObjectStore store, Predicate<String> select, Path folder) throws IOException {
        List<ObjectInfo> objects = new ArrayList<>();
        for (ObjectInfo info : store.list("")) {
            if (select.test(info.key())) {
                objects.add(info);
            }
        }
        Map<String, ManifestEntry> manifest = readManifest(folder.resolve(MANIFEST));
        List<ObjectInfo> toFetch = new ArrayList<>();
        int reused = 0;
        for (ObjectInfo info : objects) {
            Path local = localPath(folder, info.key(), store);
            ManifestEntry entry = manifest.get(info.key());
            if (entry != null && entry.size() == info.size() && entry.etag().equals(etagOf(info))
                    && Files.isRegularFile(local) && Files.size(local) == info.size()) {
                reused++;
            } else {
                toFetch.add(info);
            }
        }
        long bytes = 0;
        if (!toFetch.isEmpty()) {
            ProgressReporter.Builder builder = ProgressReporter.builder("stage", Progress.Phase.STAGING_DATA,
                    toFetch.size()).unit("files").detailOrder("MB");
            progressOptions.accept(builder);
            try (ProgressReporter progress = builder.start()) {
                progress.message("stage: fetching " + toFetch.size() + " of " + objects.size() + " files from "
                        + store.root() + " to " + folder);
                bytes = fetchAll(store, folder, toFetch, progress);
                progress.finish(Progress.Phase.SUCCEEDED, String.format(Locale.ROOT, "fetched %d files (%.1f MB)",
                        toFetch.size(), bytes / 1e6));
            }
        }
        return new Result(folder, objects.size(), toFetch.size(), reused, bytes);
    }

    private long fetchAll(ObjectStore store, Path folder, List<ObjectInfo> toFetch, ProgressReporter progress)
            throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, toFetch.size()), r -> {
            Thread t = new Thread(r, "mdeq-stage");
            t.setDaemon(true);
            return t;
        });
        Path manifestFile = folder.resolve(MANIFEST);
        boolean tornTail = Files.exists(manifestFile) && Files.size(manifestFile) > 0 && lastByte(manifestFile) != '\n';
        try (BufferedWriter manifest = Files.newBufferedWriter(manifestFile, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            if (tornTail) {
                manifest.write("\n");
            }
            // Completion order, so that the progress (drawn in this thread) follows the downloads.
            CompletionService<Long> downloads = new ExecutorCompletionService<>(pool);
            for (ObjectInfo info : toFetch) {
                downloads.submit(() -> {
                    long size = fetch(store, folder, info);
                    synchronized (manifest) {
                        manifest.write(info.size() + " " + etagOf(info) + " " + info.key() + "\n");
                        manifest.flush();
                    }
                    return size;
                });
            }
            long total = 0;
            for (int i = 0; i < toFetch.size(); i++) {
                total += downloads.take().get();
                progress.detail("MB", String.format(Locale.ROOT, "%.1f", total / 1e6));
                progress.advance(1);
            }
            return total;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new StorageException(StorageException.Kind.FAILED, "staging from " + store.root() + " failed: "
                    + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(StorageException.Kind.FAILED, "staging from " + store.root() + " was interrupted");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Downloads one object to its .part file, verifies it, renames it into place; retries a bad copy once. */
    private long fetch(ObjectStore store, Path folder, ObjectInfo info) throws IOException {
        Path local = localPath(folder, info.key(), store);
        Files.createDirectories(local.getParent());
        Path part = local.resolveSibling(local.getFileName() + PART);
        String problem = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            MessageDigest md5 = md5();
            long size;
            try (InputStream in = new DigestInputStream(store.get(info.key()), md5);
                 OutputStream out = Files.newOutputStream(part)) {
                size = in.transferTo(out);
            }
            problem = verify(info, size, HexFormat.of().formatHex(md5.digest()));
            if (problem == null) {
                Files.move(part, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return size;
            }
        }
        Files.deleteIfExists(part);
        throw new StorageException(StorageException.Kind.FAILED, store.root().resolve(info.key())
                + ": staged copy is bad twice: " + problem);
    }

    /** Why a downloaded copy is bad, or null when it matches the listed size (and MD5 ETag). */
    String verify(ObjectInfo info, long size, String md5) {
        if (size != info.size()) {
            return "got " + size + " bytes, the store lists " + info.size();
        }
        String etag = etagOf(info);
        if (verifyMd5 && MD5_ETAG.matcher(etag).matches() && !etag.equalsIgnoreCase(md5)) {
            return "content MD5 " + md5 + " differs from the ETag " + etag + " (if the bucket encrypts objects "
                    + "with SSE-KMS or SSE-C its ETags are not MD5s: set MDEQ_STAGE_VERIFY_MD5=false)";
        }
        return null;
    }

    /** The local file of a key, refusing keys that would leave the folder. */
    private static Path localPath(Path folder, String key, ObjectStore store) {
        Path local = folder.resolve(key).normalize();
        if (!local.startsWith(folder) || local.equals(folder) || key.endsWith(PART) || key.startsWith(MANIFEST)) {
            throw new StorageException(StorageException.Kind.INVALID_INPUT, store.root() + ": object key '" + key
                    + "' cannot be staged to a local file");
        }
        return local;
    }

    private static String etagOf(ObjectInfo info) {
        String etag = info.etag() == null ? "-" : info.etag().replace("\"", "").strip();
        return etag.isEmpty() || etag.contains(" ") ? "-" : etag;
    }

    private record ManifestEntry(long size, String etag) {
    }

    /** Reads the manifest; the last line for a key wins, a torn last line is ignored. */
    private static Map<String, ManifestEntry> readManifest(Path file) throws IOException {
        Map<String, ManifestEntry> entries = new HashMap<>();
        if (!Files.exists(file)) {
            return entries;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] parts = line.split(" ", 3);
            if (parts.length == 3) {
                try {
                    entries.put(parts[2], new ManifestEntry(Long.parseLong(parts[0]), parts[1]));
                } catch (NumberFormatException e) {
                    // a torn line: that file is fetched again
                }
            }
        }
        return entries;
    }

    private static int lastByte(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            channel.read(one, channel.size() - 1);
            return one.get(0);
        }
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
