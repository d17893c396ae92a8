package dev.mdeq.trainer.solver;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A base NDManager per test class, closed after it. */
abstract class ManagedTest {

    static NDManager manager;

    @BeforeAll
    static void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void closeManager() {
        manager.close();
    }
}
