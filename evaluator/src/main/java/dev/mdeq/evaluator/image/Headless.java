package dev.mdeq.evaluator.image;

/** Makes AWT headless (pods and CI have no display); must run before AWT's graphics start. */
public final class Headless {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Headless() {
    }

    /** Sets {@code java.awt.headless=true} (once; later calls do nothing). */
    public static void ensure() {
        // The static initialiser did the work.
    }
}
