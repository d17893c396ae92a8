package dev.mdeq.runstore.lease;

import dev.mdeq.runstore.storage.ObjectInfo;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.storage.StoreUri;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A store whose every write (put, delete, pointer) first checks that the run's lease is still held
 * ({@link RunLease#check}), so a trainer that lost its run writes nothing more: it fails with a
 * {@link RunLeaseException} instead. Reads pass through. Closing it does not close the store it
 * wraps (its opener does).
 */
public final class FencedObjectStore implements ObjectStore {
    private final ObjectStore store;
    private final RunLease lease;

    FencedObjectStore(ObjectStore store, RunLease lease) {
        this.store = store;
        this.lease = lease;
    }

    @Override
    public StoreUri root() {
        return store.root();
    }

    @Override
    public ObjectStore child(String prefix) {
        return new FencedObjectStore(store.child(prefix), lease);
    }

    @Override
    public void put(String key, InputStream data, long size) {
        lease.check();
        store.put(key, data, size);
    }

    @Override
    public void put(String key, Path file) {
        lease.check();
        store.put(key, file);
    }

    @Override
    public void putBytes(String key, byte[] bytes) {
        lease.check();
        store.putBytes(key, bytes);
    }

    @Override
    public boolean putBytesIfAbsent(String key, byte[] bytes) {
        lease.check();
        return store.putBytesIfAbsent(key, bytes);
    }

    @Override
    public InputStream get(String key) {
        return store.get(key);
    }

    @Override
    public void getToFile(String key, Path file) {
        store.getToFile(key, file);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        return store.stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return store.list(prefix);
    }

    @Override
    public void delete(String key) {
        lease.check();
        store.delete(key);
    }

    @Override
    public void close() {
        // the wrapped store belongs to whoever opened it
    }

    @Override
    public String toString() {
        return store.toString();
    }
}
