package dev.mdeq.data;

import dev.mdeq.config.Task;
import dev.mdeq.runstore.run.InvalidInputException;
import java.nio.file.Path;

/**
 * Cityscapes as the reference reads it: a {@link CityscapesList} of {@code leftImg8bit} PNG images
 * and {@code gtFine *_labelIds.png} label maps, label ids mapped to the 19 train ids (others to the
 * ignore label, {@link CityscapesLabels}), transformed by {@link CityscapesTransforms}.
 */
public final class CityscapesDataset implements ImageDataset {
    private final CityscapesList list;
    private final CityscapesTransforms.Settings settings;
    private final int limit;

    /**
     * @param list the split's list file
     * @param settings the transforms (training or validation settings)
     * @param numSamples use only the first N entries (TEST.NUM_SAMPLES; 0 = all)
     */
    public CityscapesDataset(CityscapesList list, CityscapesTransforms.Settings settings, int numSamples) {
        this.list = list;
        this.settings = settings;
        this.limit = numSamples > 0 ? Math.min(numSamples, list.entries().size()) : list.entries().size();
    }

    public CityscapesList list() {
        return list;
    }

    @Override
    public String description() {
        return "cityscapes " + list.file() + " (" + limit + " images" + (list.imageOnly() ? ", no labels" : "") + ")";
    }

    @Override
    public int size() {
        return limit;
    }

    @Override
    public Task task() {
        return Task.SEGMENTATION;
    }

    @Override
    public int numClasses() {
        return CityscapesLabels.NUM_CLASSES;
    }

    /** The image's file stem, e.g. {@code frankfurt_000000_000294_leftImg8bit}. */
    @Override
    public String sampleName(int index) {
        String image = list.entries().get(index).image();
        String name = image.substring(image.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    @Override
    public Sample get(int index, DataRandom random) {
        CityscapesList.Entry entry = list.entries().get(index);
        Path imagePath = list.folder().resolve(entry.image());
        ImageU8 image = ImageFiles.readRgb(imagePath);
        ImageU8 trainIds = null;
        if (entry.label() != null) {
            Path labelPath = list.folder().resolve(entry.label());
            ImageU8 labelIds = ImageFiles.readLabels(labelPath);
            if (labelIds.width() != image.width() || labelIds.height() != image.height()) {
                throw new InvalidInputException(labelPath + ": label map is " + labelIds.sizeString()
                        + " but its image " + imagePath + " is " + image.sizeString() + " (" + list.file()
                        + " line " + entry.line() + ")");
            }
            trainIds = toTrainIds(labelIds);
        }
        return CityscapesTransforms.apply(index, image, trainIds, settings, random);
    }

    /** labelIds to train ids, 255 for every class the benchmark ignores. */
    static ImageU8 toTrainIds(ImageU8 labelIds) {
        byte[] in = labelIds.data();
        byte[] out = new byte[in.length];
        byte[] map = new byte[256];
        for (int id = 0; id < 256; id++) {
            map[id] = (byte) CityscapesLabels.trainId(id);
        }
        for (int i = 0; i < in.length; i++) {
            out[i] = map[in[i] & 0xFF];
        }
        return new ImageU8(labelIds.height(), labelIds.width(), 1, out);
    }
}
