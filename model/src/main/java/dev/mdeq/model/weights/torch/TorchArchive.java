package dev.mdeq.model.weights.torch;

/** One opened checkpoint file: the object its data pickle built, and its storages. */
interface TorchArchive extends StorageReader, AutoCloseable {

    /** The object {@code torch.save} was given, as plain data with {@link TorchTensor} leaves. */
    Object root();

    TorchFileFormat format();

    /** Format details for people: archive name, version, byte order. */
    String details();

    @Override
    void close();
}
