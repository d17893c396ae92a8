package dev.mdeq.data;

import dev.mdeq.config.Task;
import dev.mdeq.runstore.run.InvalidInputException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decodes and augments batches off the training thread: {@code workers} daemon threads each build
 * whole batches, at most {@code prefetch} batches are decoded ahead of the consumer (a bounded
 * queue), and batches are delivered in order. Every sample's augmentation draws from
 * {@link DataRandom#forSample}(seed, epoch, index), so the batches are the same whatever the
 * number of workers and wherever a run resumes ({@link #open}).
 *
 * <p>A failure while decoding (a corrupt image, a missing file) is thrown by {@link BatchStream#next}
 * on the consumer's thread, as the original {@link InvalidInputException} naming the file.
 * {@link #close} stops the workers.
 */
public final class BatchLoader implements AutoCloseable {
    private static final AtomicInteger LOADERS = new AtomicInteger();

    private final ImageDataset dataset;
    private final DataOrder order;
    private final int prefetch;
    private final ExecutorService workers;
    private final Set<BatchStream> openStreams = ConcurrentHashMap.newKeySet();

    /**
     * @param dataset the split to read
     * @param order its order (training: shuffled, drop_last; evaluation: sequential)
     * @param workers decoding threads (at least 1; the config's WORKERS)
     * @param prefetch batches decoded ahead (at least 1; 2 per worker keeps every worker busy)
     */
    public BatchLoader(ImageDataset dataset, DataOrder order, int workers, int prefetch) {
        if (order.datasetSize() != dataset.size()) {
            throw new IllegalArgumentException("order is for " + order.datasetSize() + " samples but "
                    + dataset.description() + " has " + dataset.size());
        }
        if (workers < 1 || prefetch < 1) {
            throw new IllegalArgumentException("workers and prefetch must be at least 1, got " + workers + " and "
                    + prefetch);
        }
        this.dataset = dataset;
        this.order = order;
        this.prefetch = prefetch;
        int id = LOADERS.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "mdeq-data-" + id + "-" + thread.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.workers = Executors.newFixedThreadPool(workers, factory);
    }

    public DataOrder order() {
        return order;
    }

    public ImageDataset dataset() {
        return dataset;
    }

    /**
     * The batches from {@code start} to the end of its epoch. A position at the end of an epoch
     * gives an empty stream. Close the stream when done with it (abandoning an epoch mid-way
     * cancels the batches decoded ahead).
     */
    public BatchStream open(DataPosition start) {
        order.check(start);
        return new BatchStream(start);
    }

    /** Stops the workers; streams still open are closed (a consumer waiting in next() gets a CancellationException). */
    @Override
    public void close() {
        for (BatchStream stream : openStreams) {
            stream.close();
        }
        workers.shutdownNow();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("data loader workers did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Builds batch {@code batchIndex} of {@code epoch}: decoding, augmentation, stacking. */
    DataBatch build(int epoch, int[] epochOrder, int batchIndex) {
        int start = batchIndex * order.batchSize();
        int end = Math.min(start + order.batchSize(), order.samplesPerEpoch());
        int b = end - start;
        int[] ids = Arrays.copyOfRange(epochOrder, start, end);
        float[] images = null;
        int[] labels = null;
        int[] shape = null;
        int[] labelShape = null;
        for (int i = 0; i < b; i++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("data loader stopped");
            }
            Sample s = dataset.get(ids[i], DataRandom.forSample(order.seed(), epoch, ids[i]));
            int size = s.channels() * s.height() * s.width();
            if (i == 0) {
                shape = new int[] {b, s.channels(), s.height(), s.width()};
                images = new float[b * size];
                if (s.labels() != null) {
                    labels = new int[b * s.labels().length];
                    labelShape = dataset.task() == Task.CLASSIFICATION
                            ? new int[] {b} : new int[] {b, s.height(), s.width()};
                }
            } else if (s.channels() != shape[1] || s.height() != shape[2] || s.width() != shape[3]) {
                throw new InvalidInputException(dataset.description() + ": sample '" + dataset.sampleName(ids[i])
                        + "' is " + s.channels() + "x" + s.height() + "x" + s.width() + " but '"
                        + dataset.sampleName(ids[0]) + "' in the same batch is " + shape[1] + "x" + shape[2] + "x"
                        + shape[3] + "; a batch needs samples of one size (use batch size 1 for images of "
                        + "different sizes)");
            }
            System.arraycopy(s.image(), 0, images, i * size, size);
            if (labels != null) {
                System.arraycopy(s.labels(), 0, labels, i * s.labels().length, s.labels().length);
            }
        }
        return new DataBatch(images, shape, labels, labelShape, ids, epoch,
                new DataPosition(epoch, end));
    }

    /** The batches of one epoch from a start position, in order; closing it cancels the read-ahead. */
    public final class BatchStream implements Iterator<DataBatch>, AutoCloseable {
        private final int epoch;
        private final int[] epochOrder;
        private final int lastBatch;
        private final ArrayDeque<Future<DataBatch>> ahead = new ArrayDeque<>();
        private int nextToSubmit;
        private int delivered;
        private volatile boolean closed;
        /** The batch the consumer waits for (no longer in {@code ahead}); close() cancels it too. */
        private volatile Future<DataBatch> waitingFor;

        private BatchStream(DataPosition start) {
            this.epoch = start.epoch();
            this.epochOrder = order.epochOrder(epoch);
            this.lastBatch = order.batchesPerEpoch();
            int first = (start.position() + order.batchSize() - 1) / order.batchSize();
            this.nextToSubmit = first;
            this.delivered = first;
            openStreams.add(this);
            fill();
        }

        private synchronized void fill() {
            while (!closed && ahead.size() < prefetch && nextToSubmit < lastBatch) {
                int batchIndex = nextToSubmit++;
                ahead.add(workers.submit(() -> build(epoch, epochOrder, batchIndex)));
            }
        }

        /** Batches left in this epoch (including those decoded ahead). */
        public int remaining() {
            return lastBatch - delivered;
        }

        @Override
        public boolean hasNext() {
            return !closed && delivered < lastBatch;
        }

        /** The next batch, waiting for it if necessary; a decoding failure is rethrown here. */
        @Override
        public DataBatch next() {
            if (!hasNext()) {
                throw new NoSuchElementException(closed ? "batch stream is closed" : "end of epoch " + epoch);
            }
            Future<DataBatch> future;
            synchronized (this) {
                future = ahead.poll();
            }
            if (future == null) {
                throw new CancellationException("batch stream is closed");
            }
            waitingFor = future;
            try {
                DataBatch batch = future.get();
                delivered++;
                if (delivered == lastBatch) {
                    openStreams.remove(this);
                }
                fill();
                return batch;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new CancellationException("interrupted while waiting for a batch");
            } catch (ExecutionException e) {
                close();
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException("data loading failed: " + cause, cause);
            } finally {
                waitingFor = null;
            }
        }

        /** Cancels the batches decoded ahead; the loader's workers stay available for other streams. */
        @Override
        public void close() {
            closed = true;
            openStreams.remove(this);
            Future<DataBatch> current = waitingFor;
            if (current != null) {
                current.cancel(true);
            }
            synchronized (this) {
                for (Future<DataBatch> f : ahead) {
                    f.cancel(true);
                }
                ahead.clear();
            }
        }
    }
}
