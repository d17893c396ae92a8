package dev.mdeq.evaluator.inference;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Decodes the items of an evaluation ahead of the inference thread, in a known order: at most
 * {@code ahead} items are decoded in advance on {@code workers} daemon threads, and each item's
 * result, or its failure, is handed out for that item alone (a corrupt image fails its own item
 * and the next ones still come). Unlike the trainer's {@code BatchLoader} it does not stop at the
 * first failure, which skipping bad inputs needs.
 *
 * @param <T> a decoded item
 */
final class OrderedPrefetch<T> implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final List<String> names;
    private final Function<String, T> decode;
    private final int ahead;
    private final ExecutorService pool;
    private final ArrayDeque<Future<T>> pending = new ArrayDeque<>();
    private int submitted;
    private int delivered;

    /**
     * @param names the items in the order they will be asked for
     * @param decode decodes one item (runs on a worker thread; must be thread-safe)
     * @param workers decoding threads (at least 1)
     * @param ahead items decoded in advance (at least 1)
     */
    OrderedPrefetch(List<String> names, Function<String, T> decode, int workers, int ahead) {
        this.names = List.copyOf(names);
        this.decode = decode;
        this.ahead = Math.max(1, ahead);
        int id = POOLS.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
            Thread t = new Thread(r, "mdeq-eval-decode-" + id + "-" + thread.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        fill();
    }

    /**
     * The decoded item {@code name}, which must be the next one in order; rethrows its decoding
     * failure (a RuntimeException as it was thrown).
     */
    T next(String name) {
        if (delivered >= names.size() || !names.get(delivered).equals(name)) {
            throw new IllegalStateException("items asked for out of order: expected "
                    + (delivered < names.size() ? names.get(delivered) : "no more items") + ", got " + name);
        }
        Future<T> future = pending.poll();
        delivered++;
        fill();
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while decoding " + name);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("decoding " + name + " failed: " + cause, cause);
        }
    }

    private void fill() {
        while (submitted < names.size() && submitted - delivered < ahead) {
            String name = names.get(submitted++);
            pending.add(pool.submit(() -> decode.apply(name)));
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
