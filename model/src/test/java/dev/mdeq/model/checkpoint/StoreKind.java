package dev.mdeq.model.checkpoint;

import dev.mdeq.runstore.storage.LocalObjectStore;
import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.testing.S3TestServer;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The real stores a checkpoint test runs against: a local folder, and S3 through s3proxy (one
 * server for the whole test run, a fresh run folder per call).
 */
enum StoreKind {
    LOCAL,
    S3;

    private static S3TestServer server;

    /** A fresh, empty run folder in this kind of store. */
    ObjectStore open(Path temp) {
        String run = "runs/ns/" + UUID.randomUUID();
        if (this == LOCAL) {
            return new LocalObjectStore(temp.resolve("store").resolve(run));
        }
        return server().open(run);
    }

    static synchronized S3TestServer server() {
        if (server == null) {
            server = S3TestServer.start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        }
        return server;
    }
}
