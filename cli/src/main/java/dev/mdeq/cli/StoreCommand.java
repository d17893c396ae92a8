package dev.mdeq.cli;

import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.storage.ObjectInfo;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.ObjectStores;
import dev.mdeq.runstore.storage.StorageException;
import dev.mdeq.runstore.storage.StorageException.Kind;
import dev.mdeq.runstore.storage.StoreUri;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mdeq store}: list, copy and delete objects in a folder store or an S3 store. A URI names
 * an object or a "folder" (every object whose key starts with {@code URI/}).
 */
@Command(name = "store", mixinStandardHelpOptions = true,
        description = {
            "List, copy and delete objects in object storage.",
            "URIs: s3://bucket/prefix, file:/path, or a plain path (a local folder used as a store).",
            "S3 settings come from MDEQ_S3_ENDPOINT, MDEQ_S3_REGION (default us-east-1), MDEQ_S3_PATH_STYLE "
                    + "(default true) and the credentials in the folder MDEQ_S3_CREDENTIALS_DIR (files "
                    + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) or in the variables AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY."},
        subcommands = {StoreCommand.Ls.class, StoreCommand.Cp.class, StoreCommand.Rm.class})
final class StoreCommand {

    @Command(name = "ls", mixinStandardHelpOptions = true,
            description = {"List the object at URI and every object below URI/ (all pages), in key order.",
                "Prints one line per object: size in bytes, time modified, URI."})
    static final class Ls implements Runnable {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "URI", description = "e.g. s3://bucket/runs/ns/job or file:/tmp/run")
        String uri;

        @Override
        public void run() {
            StoreUri root = ObjectStores.parse(uri);
            PrintWriter out = spec.commandLine().getOut();
            statItself(root).ifPresent(info -> print(out, root, info));
            try (ObjectStore folder = ObjectStores.open(root)) {
                for (ObjectInfo info : folder.list("")) {
                    print(out, root.resolve(info.key()), info);
                }
            }
            out.flush();
        }

        private static void print(PrintWriter out, StoreUri uri, ObjectInfo info) {
            String time = info.lastModified() == null ? "-" : info.lastModified().truncatedTo(ChronoUnit.SECONDS)
                    .toString();
            out.printf("%12d  %-20s  %s%n", info.size(), time, uri);
        }
    }

    @Command(name = "cp", mixinStandardHelpOptions = true,
            description = {"Copy an object, or with -r every object below SRC/, to DST.",
                "Works between any two stores: local folder -> S3, S3 -> local folder, S3 -> S3, folder -> folder.",
                "Without -r, a DST ending in '/' or naming an existing folder receives SRC's name; otherwise DST "
                        + "is the new object. With -r, SRC/KEY is copied to DST/KEY."})
    static final class Cp implements Runnable {
        @Spec
        CommandSpec spec;

        @Option(names = {"-r", "--recursive"}, description = "copy every object below SRC/")
        boolean recursive;

        @Parameters(index = "0", paramLabel = "SRC", description = "an object, or with -r a folder")
        String source;

        @Parameters(index = "1", paramLabel = "DST", description = "the target object or folder")
        String target;

        @Override
        public void run() {
            StoreUri from = ObjectStores.parse(source);
            StoreUri to = ObjectStores.parse(target);
            PrintWriter out = spec.commandLine().getOut();
            if (recursive) {
                try (ObjectStore sourceFolder = ObjectStores.open(from);
                        ObjectStore targetFolder = ObjectStores.open(to)) {
                    List<ObjectInfo> objects = sourceFolder.list("");
                    for (ObjectInfo info : objects) {
                        copy(sourceFolder, info.key(), info.size(), targetFolder, info.key(), out);
                    }
                    if (!objects.isEmpty()) {
                        return;
                    }
                }
            }
            // One object; with -r too when SRC is an object rather than a folder (like cp -r FILE).
            ObjectInfo info = statItself(from).orElseThrow(() -> missing(from, "copy", recursive ? null : "-r"));
            StoreUri destination = target.endsWith("/") || isFolder(to) ? to.resolve(from.name()) : to;
            try (ObjectStore sourceFolder = ObjectStores.open(parentOf(from));
                    ObjectStore targetFolder = ObjectStores.open(parentOf(destination))) {
                copy(sourceFolder, from.name(), info.size(), targetFolder, destination.name(), out);
            }
        }

        private static void copy(ObjectStore source, String sourceKey, long size, ObjectStore destination,
                String destinationKey, PrintWriter out) {
            if (source instanceof LocalObjectStore local) {
                destination.put(destinationKey, local.file(sourceKey)); // a file uploads in parts, retried
            } else {
                try (InputStream in = source.get(sourceKey)) {
                    destination.put(destinationKey, in, size);
                } catch (IOException e) {
                    throw new StorageException(Kind.FAILED, "copy " + source.root().resolve(sourceKey) + " failed: "
                            + e, e);
                }
            }
            out.printf("copied %s -> %s (%d bytes)%n", source.root().resolve(sourceKey),
                    destination.root().resolve(destinationKey), size);
            out.flush();
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = {"Delete an object, or with -r every object below URI/ (and URI itself if it is one).",
                "Asks nothing; prints each URI it deleted."})
    static final class Rm implements Runnable {
        @Spec
        CommandSpec spec;

        @Option(names = {"-r", "--recursive"}, description = "delete every object below URI/")
        boolean recursive;

        @Parameters(paramLabel = "URI", description = "an object, or with -r a folder")
        String uri;

        @Override
        public void run() {
            StoreUri target = ObjectStores.parse(uri);
            PrintWriter out = spec.commandLine().getOut();
            boolean itself = statItself(target).isPresent();
            if (!recursive && !itself) {
                throw missing(target, "delete", "-r");
            }
            if (itself) {
                try (ObjectStore folder = ObjectStores.open(parentOf(target))) {
                    folder.delete(target.name());
                }
                out.println("deleted " + target);
            }
            if (recursive) {
                try (ObjectStore folder = ObjectStores.open(target)) {
                    List<String> deleted = folder.deleteAll("");
                    deleted.forEach(key -> out.println("deleted " + target.resolve(key)));
                    if (deleted.isEmpty() && !itself) {
                        spec.commandLine().getErr().println("mdeq: nothing to delete at " + target);
                    }
                }
            }
            out.flush();
        }
    }

    /** The object a URI names, if there is one (a bucket root or {@code /} names none). */
    private static Optional<ObjectInfo> statItself(StoreUri uri) {
        if (uri.parent().isEmpty() || uri.name().isEmpty()) {
            return Optional.empty();
        }
        try (ObjectStore folder = ObjectStores.open(uri.parent().orElseThrow())) {
            return folder.stat(uri.name());
        }
    }

    /** True when objects exist below {@code uri/} (or it is a local directory). */
    private static boolean isFolder(StoreUri uri) {
        if (!uri.isS3() && Files.isDirectory(Path.of(uri.path()))) {
            return true;
        }
        try (ObjectStore folder = ObjectStores.open(uri)) {
            return !folder.list("").isEmpty();
        }
    }

    private static StoreUri parentOf(StoreUri uri) {
        return uri.parent().filter(parent -> !uri.name().isEmpty()).orElseThrow(() -> new StorageException(
                Kind.INVALID_INPUT, uri + " names a bucket or a root folder, not an object"));
    }

    private static StorageException missing(StoreUri uri, String action, String recursiveFlag) {
        if (recursiveFlag != null && isFolder(uri)) {
            return new StorageException(Kind.INVALID_INPUT, uri + " is a folder of objects, not an object; use "
                    + recursiveFlag + " to " + action + " everything below it");
        }
        return new StorageException(Kind.NOT_FOUND, "no object at " + uri);
    }
}
