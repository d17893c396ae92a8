package dev.mdeq.data;

import dev.mdeq.config.Task;

/**
 * One split of a data set with its transforms: {@link #get} decodes sample {@code index} and applies
 * the split's augmentation with the given random numbers. Implementations are thread-safe (worker
 * threads call {@code get} concurrently); all randomness comes from the argument.
 */
public interface ImageDataset {
    /** A short description for messages and logs, e.g. "cifar10 train (/data/cifar10, 50000 images)". */
    String description();

    /** Number of samples. */
    int size();

    /** Classification (one label per image) or segmentation (one label per pixel). */
    Task task();

    /** Number of classes (labels are 0..numClasses-1, plus 255 = ignore for segmentation). */
    int numClasses();

    /** A name of sample {@code index} (file stem, or split and index), for reports and prediction files. */
    String sampleName(int index);

    /** Decodes and transforms sample {@code index}; bad data fails with InvalidInputException naming the file. */
    Sample get(int index, DataRandom random);
}
