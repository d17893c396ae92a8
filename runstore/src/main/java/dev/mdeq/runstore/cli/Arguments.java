package dev.mdeq.runstore.cli;

import dev.mdeq.runstore.storage.StoreUri;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Checks of a command's arguments, made before any long work: a usage error (exit code 2) naming
 * the option, the value and what would be valid. Local paths are checked here; an S3 prefix can only
 * be checked by listing it, which the command does first anyway.
 */
public final class Arguments {
    private static final String URI_FORMS = "a folder, file:/path or s3://bucket/prefix";

    private Arguments() {
    }

    /** A store URI ({@value #URI_FORMS}) that parses. */
    public static StoreUri storeUri(CommandSpec spec, String option, String value) {
        try {
            return StoreUri.parse(value);
        } catch (IllegalArgumentException e) {
            throw usage(spec, option + ": " + e.getMessage());
        }
    }

    /**
     * A store URI to read from: it parses and, on this machine, is an existing folder.
     *
     * @param what what the folder holds, for the message (e.g. {@code the predictions folder})
     */
    public static StoreUri existingFolder(CommandSpec spec, String option, String value, String what) {
        StoreUri uri = storeUri(spec, option, value);
        if (!uri.isS3()) {
            Path folder = Path.of(uri.path());
            if (!Files.exists(folder)) {
                throw usage(spec, option + ": " + what + " " + folder + " does not exist");
            }
            if (!Files.isDirectory(folder)) {
                throw usage(spec, option + ": " + folder + " is a file, not a folder; give " + what + " ("
                        + URI_FORMS + ")");
            }
        }
        return uri;
    }

    /**
     * A file or store object to read ({@code path}, {@code file:/path} or {@code s3://bucket/key}): it
     * parses and, on this machine, is an existing file.
     */
    public static StoreUri existingObject(CommandSpec spec, String option, String value, String what) {
        StoreUri uri = storeUri(spec, option, value);
        if (!uri.isS3()) {
            existingFile(spec, option, Path.of(uri.path()), what);
        }
        return uri;
    }

    /** A local file to read: it exists and is not a folder. */
    public static Path existingFile(CommandSpec spec, String option, Path file, String what) {
        if (!Files.exists(file)) {
            throw usage(spec, option + ": " + what + " " + file + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw usage(spec, option + ": " + file + " is a folder, not a file; give " + what);
        }
        return file;
    }

    /** A store URI to write to: it parses and, on this machine, is a folder or can be made one. */
    public static StoreUri folderToWrite(CommandSpec spec, String option, String value) {
        StoreUri uri = storeUri(spec, option, value);
        if (!uri.isS3()) {
            creatable(spec, option, Path.of(uri.path()).toAbsolutePath());
        }
        return uri;
    }

    /** A local file to write (missing folders are created): not a folder, and not below a file. */
    public static Path fileToWrite(CommandSpec spec, String option, Path file) {
        if (Files.isDirectory(file)) {
            throw usage(spec, option + ": " + file + " is a folder; give the name of the file to write");
        }
        Path folder = file.toAbsolutePath().getParent();
        if (folder != null) {
            creatable(spec, option, folder);
        }
        return file;
    }

    /** Refuses a folder that is a file, or lies below one. */
    private static void creatable(CommandSpec spec, String option, Path folder) {
        Path existing = folder;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw usage(spec, option + ": " + existing + " is a file, "
                    + (existing.equals(folder) ? "not a folder" : "so the folder " + folder + " cannot be made"));
        }
    }

    private static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
