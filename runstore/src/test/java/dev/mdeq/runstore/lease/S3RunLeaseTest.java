package dev.mdeq.runstore.lease;

import dev.mdeq.runstore.storage.ObjectStore;
import dev.mdeq.runstore.testing.S3TestServer;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The lease on S3 (s3proxy over the real protocol): create-only writes with If-None-Match. */
class S3RunLeaseTest extends RunLeaseContractTest {
    static S3TestServer server;

    @BeforeAll
    static void startServer() {
        server = S3TestServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    ObjectStore openStore(String name) {
        return server.open("runs/" + name + "-" + UUID.randomUUID().toString().substring(0, 8));
    }
}
