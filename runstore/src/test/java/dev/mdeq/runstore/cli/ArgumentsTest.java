package dev.mdeq.runstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mdeq.runstore.storage.StoreUri;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

class ArgumentsTest {
    @TempDir
    Path dir;

    @Command(name = "probe")
    static final class Probe {
    }

    private final CommandSpec spec = new CommandLine(new Probe()).getCommandSpec();

    private static String usageError(Executable check) {
        return assertThrows(CommandLine.ParameterException.class, check).getMessage();
    }

    @Test
    void foldersToReadMustExistAndBeFolders() throws IOException {
        Path file = Files.writeString(dir.resolve("f.txt"), "x");
        assertEquals(StoreUri.ofPath(dir), Arguments.existingFolder(spec, "--pred", dir.toString(), "the predictions"));
        assertEquals("--pred: the predictions folder " + dir.resolve("none") + " does not exist", usageError(() ->
                Arguments.existingFolder(spec, "--pred", "file:" + dir.resolve("none"), "the predictions folder")));
        assertEquals("--gt: " + file + " is a file, not a folder; give the ground truth (a folder, file:/path or "
                + "s3://bucket/prefix)", usageError(() -> Arguments.existingFolder(spec, "--gt", file.toString(),
                        "the ground truth")));
        assertEquals("s3", Arguments.existingFolder(spec, "--gt", "s3://bucket/gt", "x").scheme(),
                "an S3 prefix is checked when it is listed");
        assertEquals("--gt: store URI gs://b/x: unsupported scheme; expected s3://bucket/prefix or file:/path",
                usageError(() -> Arguments.existingFolder(spec, "--gt", "gs://b/x", "x")));
    }

    @Test
    void filesToReadMustExistAndNotBeFolders() throws IOException {
        Path file = Files.writeString(dir.resolve("x.npy"), "x");
        assertEquals(file, Arguments.existingFile(spec, "--input", file, "the input"));
        assertEquals("--input: the input " + dir.resolve("y.npy") + " does not exist",
                usageError(() -> Arguments.existingFile(spec, "--input", dir.resolve("y.npy"), "the input")));
        assertEquals("--weights: " + dir + " is a folder, not a file; give the weights file",
                usageError(() -> Arguments.existingObject(spec, "--weights", dir.toString(), "the weights file")));
        assertEquals("s3", Arguments.existingObject(spec, "--weights", "s3://bucket/w.pth", "x").scheme());
    }

    @Test
    void placesToWriteMustNotBeFilesOrBelowOne() throws IOException {
        Path file = Files.writeString(dir.resolve("f.txt"), "x");
        assertEquals(StoreUri.ofPath(dir.resolve("new/run")),
                Arguments.folderToWrite(spec, "--run", dir.resolve("new/run").toString()), "made when needed");
        assertEquals("--run: " + file + " is a file, not a folder",
                usageError(() -> Arguments.folderToWrite(spec, "--run", file.toString())));
        assertEquals("--run: " + file + " is a file, so the folder " + file.resolve("run") + " cannot be made",
                usageError(() -> Arguments.folderToWrite(spec, "--run", file.resolve("run").toString())));
        assertEquals(dir.resolve("a/b.npz"), Arguments.fileToWrite(spec, "--out", dir.resolve("a/b.npz")));
        assertEquals("--out: " + dir + " is a folder; give the name of the file to write",
                usageError(() -> Arguments.fileToWrite(spec, "--out", dir)));
        assertEquals("--out: " + file + " is a file, so the folder " + file.resolve("a") + " cannot be made",
                usageError(() -> Arguments.fileToWrite(spec, "--out", file.resolve("a/b.npz"))));
    }
}
