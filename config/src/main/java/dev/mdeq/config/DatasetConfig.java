package dev.mdeq.config;

/**
 * {@code DATASET.*}: which data set and where.
 *
 * @param kind the data set ({@code DATASET.DATASET})
 * @param root its location: a folder, or a {@code file:}/{@code s3://} URI staged to local disk
 * @param trainSet the training split (a list file for Cityscapes)
 * @param testSet the validation/test split
 * @param numClasses classes of the data set ({@code DATASET.NUM_CLASSES})
 * @param augment training augmentation on/off (classification)
 */
public record DatasetConfig(
        DatasetKind kind,
        String root,
        String trainSet,
        String testSet,
        int numClasses,
        boolean augment) {

    static DatasetConfig from(Section dataset) {
        return new DatasetConfig(
                DatasetKind.fromConfigName(dataset.string("DATASET")),
                dataset.string("ROOT"),
                dataset.string("TRAIN_SET"),
                dataset.string("TEST_SET"),
                dataset.integer("NUM_CLASSES"),
                dataset.bool("AUGMENT"));
    }
}
