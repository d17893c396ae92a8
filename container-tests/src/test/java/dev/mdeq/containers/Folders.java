package dev.mdeq.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/** Host folders mounted into containers whose user is 10001 while the tests run as another user. */
final class Folders {
    private Folders() {
    }

    /** A new folder under {@code parent} that any user may write (as an emptyDir is). */
    static Path writable(Path parent, String name) {
        try {
            Path folder = Files.createDirectories(parent.resolve(name));
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A folder of files with mode 0444, as the kubelet mounts a Secret with defaultMode 0444. */
    static Path secretFiles(Path parent, String name, Map<String, String> files, String mode) {
        try {
            Path folder = Files.createDirectories(parent.resolve(name));
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
            for (Map.Entry<String, String> file : files.entrySet()) {
                Path path = folder.resolve(file.getKey());
                Files.writeString(path, file.getValue());
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
