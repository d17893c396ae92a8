package dev.mdeq.data;

import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.run.Listing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Cityscapes list file as the reference reads it ({@code root + list_path}, e.g.
 * {@code data/list/cityscapes/train.lst}): one sample per line, whitespace-separated
 * {@code image_path label_path} relative to {@code root/cityscapes/}, or only {@code image_path}
 * (test lists). Blank lines are skipped.
 *
 * @param file the list file
 * @param folder {@code root/cityscapes}, where the paths point
 * @param entries the samples in file order
 */
public record CityscapesList(Path file, Path folder, List<Entry> entries) {

    /**
     * One line of the list.
     *
     * @param line 1-based line number in the list file
     * @param image path relative to {@link #folder}
     * @param label path relative to {@link #folder}, or null (image-only list)
     */
    public record Entry(int line, String image, String label) {
    }

    /** True when the list names images only (a test list): samples have no labels. */
    public boolean imageOnly() {
        return !entries.isEmpty() && entries.get(0).label() == null;
    }

    /**
     * Reads {@code root/listPath} and checks that every file it names exists; a bad line or a
     * missing file fails with the list file, the line number and the path.
     */
    public static CityscapesList read(Path root, String listPath) {
        CityscapesList list = parse(root, listPath);
        list.checkFilesExist();
        return list;
    }

    /** Reads {@code root/listPath} without looking at the files it names (staging reads it to know them). */
    public static CityscapesList parse(Path root, String listPath) {
        Path file = root.resolve(listPath);
        Path folder = root.resolve("cityscapes");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidInputException(file + ": Cityscapes list file not found (DATASET.ROOT + "
                    + "DATASET.TRAIN_SET / TEST_SET, e.g. list/cityscapes/train.lst)");
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read list file: " + e.getMessage(), e);
        }
        List<Entry> entries = new ArrayList<>();
        int fields = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length > 2) {
                throw new InvalidInputException(file + " line " + (i + 1) + ": expected 'image_path label_path' "
                        + "(or 'image_path' in a test list), got " + parts.length + " fields: " + line);
            }
            if (fields >= 0 && parts.length != fields) {
                throw new InvalidInputException(file + " line " + (i + 1) + ": " + parts.length
                        + " field(s) where the lines before have " + fields + "; a list either pairs every image"
                        + " with its label or names images only");
            }
            fields = parts.length;
            entries.add(new Entry(i + 1, parts[0], parts.length == 2 ? parts[1] : null));
        }
        if (entries.isEmpty()) {
            throw new InvalidInputException(file + ": list file names no samples");
        }
        return new CityscapesList(file, folder, List.copyOf(entries));
    }

    private void checkFilesExist() {
        List<String> missing = new ArrayList<>();
        for (Entry e : entries) {
            checkExists(e, "image", e.image(), missing);
            if (e.label() != null) {
                checkExists(e, "label", e.label(), missing);
            }
        }
        if (!missing.isEmpty()) {
            throw new InvalidInputException(file + ": " + missing.size() + " file(s) named by the list do not exist; "
                    + Listing.some(missing, "; "));
        }
    }

    private void checkExists(Entry e, String kind, String relative, List<String> missing) {
        Path path = folder.resolve(relative);
        if (!Files.isRegularFile(path)) {
            missing.add("line " + e.line() + ": " + kind + " " + relative + " not found (" + path + ")");
        }
    }
}
