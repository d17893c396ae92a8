package dev.mdeq.model.testing;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A base NDManager per test class, closed after it. */
public abstract class ManagedTest {

    protected static NDManager manager;

    @BeforeAll
    public static void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    public static void closeManager() {
        manager.close();
    }
}
