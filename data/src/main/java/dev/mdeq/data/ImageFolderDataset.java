package dev.mdeq.data;

import dev.mdeq.config.Task;
import dev.mdeq.runstore.run.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * An image classification split in the ImageNet folder layout, read as torchvision's
 * {@code ImageFolder}: one sub-folder per class, classes sorted by name and numbered from 0, every
 * image file below a class folder (recursively, following links) is a sample of that class,
 * ordered by folder path then file name. Files are decoded on demand (JPEG/PNG through ImageIO;
 * grey images are replicated to RGB).
 */
public final class ImageFolderDataset implements ImageDataset {
    /** torchvision's IMG_EXTENSIONS (lower case; the check ignores case). */
    private static final List<String> EXTENSIONS = List.of(
            ".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp");

    private final Path folder;
    private final List<String> classes;
    private final List<Path> files;
    private final int[] targets;
    private final boolean train;
    private final int size;

    private ImageFolderDataset(Path folder, List<String> classes, List<Path> files, int[] targets, boolean train,
            int size) {
        this.folder = folder;
        this.classes = classes;
        this.files = files;
        this.targets = targets;
        this.train = train;
        this.size = size;
    }

    /**
     * Scans {@code folder} (e.g. {@code ROOT/train}). {@code train} selects the training transforms
     * (random resized crop + flip) over the validation ones (resize + centre crop); {@code size} is
     * the side of the output (MODEL.IMAGE_SIZE[0], 224).
     */
    public static ImageFolderDataset open(Path folder, boolean train, int size) {
        if (!Files.isDirectory(folder)) {
            throw new InvalidInputException(folder + ": image folder not found (expected <class>/<image> "
                    + "sub-folders, the ImageNet train/ and val/ layout)");
        }
        List<String> classes;
        try (Stream<Path> entries = Files.list(folder)) {
            classes = entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new InvalidInputException(folder + ": cannot list: " + e.getMessage(), e);
        }
        if (classes.isEmpty()) {
            throw new InvalidInputException(folder + ": no class folders (expected <class>/<image> sub-folders)");
        }
        List<Path> files = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            Path classFolder = folder.resolve(classes.get(c));
            List<Path> images;
            try (Stream<Path> walk = Files.walk(classFolder, FileVisitOption.FOLLOW_LINKS)) {
                images = walk.filter(Files::isRegularFile).filter(ImageFolderDataset::isImage)
                        // os.walk order, sorted: by folder path, then by file name.
                        .sorted(Comparator.comparing((Path p) -> p.getParent().toString())
                                .thenComparing(p -> p.getFileName().toString()))
                        .toList();
            } catch (IOException | UncheckedIOException e) {
                throw new InvalidInputException(classFolder + ": cannot list: " + e.getMessage(), e);
            }
            if (images.isEmpty()) {
                throw new InvalidInputException(classFolder + ": class folder holds no image files (extensions "
                        + EXTENSIONS + ")");
            }
            for (Path image : images) {
                files.add(image);
                targets.add(c);
            }
        }
        return new ImageFolderDataset(folder, classes, List.copyOf(files),
                targets.stream().mapToInt(Integer::intValue).toArray(), train, size);
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    /** Class folder names, index = label. */
    public List<String> classes() {
        return classes;
    }

    /** The file of sample {@code index}. */
    public Path file(int index) {
        return files.get(index);
    }

    /** The label of sample {@code index}. */
    public int target(int index) {
        return targets[index];
    }

    @Override
    public String description() {
        return "image folder " + folder + " (" + classes.size() + " classes, " + files.size() + " images)";
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public Task task() {
        return Task.CLASSIFICATION;
    }

    @Override
    public int numClasses() {
        return classes.size();
    }

    @Override
    public String sampleName(int index) {
        String name = files.get(index).getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    @Override
    public Sample get(int index, DataRandom random) {
        ImageU8 image = ImageFiles.readRgb(files.get(index));
        ImageU8 out = train ? ImageNetTransforms.train(image, size, random) : ImageNetTransforms.validation(image, size);
        float[] chw = Chw.normalize(out, Normalization.IMAGENET);
        return new Sample(index, chw, 3, out.height(), out.width(), new int[] {targets[index]});
    }
}
