package fabric.node;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Writes verified blobs to L2 on one background thread, so neither the loader nor a prefetch waits for the disk: a
 * cold start writes thousands of small files. Until a blob is on disk it is served from here, so it is never missing
 * from L2 as far as readers are concerned; {@link #drain} at exit leaves the cache complete for the next start.
 */
final class CacheWriter {
    private final DiskCache l2;
    private final ConcurrentHashMap<String, byte[]> pending = new ConcurrentHashMap<>();
    /** One ID: a blob file; several: a pack. */
    private final LinkedBlockingQueue<List<String>> queue = new LinkedBlockingQueue<>();
    private final Object drained = new Object();
    /** Bytes queued and not yet on disk: past {@link #MAX_PENDING_BYTES} whoever queues more waits (a cold start of
     * a large release must not hold it all in memory because the disk is slower than the network). */
    private final java.util.concurrent.atomic.AtomicLong pendingBytes = new java.util.concurrent.atomic.AtomicLong();
    private static final long MAX_PENDING_BYTES = Math.min(32L << 20, Runtime.getRuntime().maxMemory() / 8);
    private final Thread thread;

    CacheWriter(DiskCache l2) {
        this.l2 = l2;
        thread = new Thread(this::run, "fabric-node-cache-writer");
        thread.setDaemon(true);
        thread.start();
    }

    DiskCache disk() {
        return l2;
    }

    /** Queues verified bytes for L2 as a blob file; a blob already queued is not queued again. */
    void submit(String id, byte[] bytes) {
        if (pending.putIfAbsent(id, bytes) == null) {
            pendingBytes.addAndGet(bytes.length);
            queue.add(List.of(id));
            awaitRoom();
        }
    }

    /** Waits while too much is queued; at most a few seconds, so a stuck disk slows a node down, never stops it. */
    private void awaitRoom() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        synchronized (drained) {
            while (pendingBytes.get() > MAX_PENDING_BYTES && thread.isAlive() && System.nanoTime() - deadline < 0) {
                try {
                    drained.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Queues verified blobs brought together (a prefetch batch) for L2 as one pack. */
    void submitPack(Map<String, byte[]> blobs) {
        List<String> ids = new ArrayList<>(blobs.size());
        for (Map.Entry<String, byte[]> e : blobs.entrySet()) {
            if (pending.putIfAbsent(e.getKey(), e.getValue()) == null) {
                ids.add(e.getKey());
                pendingBytes.addAndGet(e.getValue().length);
            }
        }
        if (!ids.isEmpty()) {
            queue.add(ids);
            awaitRoom();
        }
    }

    boolean contains(String id) {
        return pending.containsKey(id) || l2.contains(id);
    }

    /** The bytes queued or stored under {@code id}, or null; the caller verifies what comes from disk. */
    byte[] read(String id) throws IOException {
        byte[] queued = pending.get(id);
        return queued != null ? queued : l2.read(id);
    }

    /** Waits until everything queued is on disk, or the time is up; true when it is. */
    boolean drain(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (drained) {
            while (!pending.isEmpty()) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                try {
                    drained.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    private void run() {
        l2.sweepTemporaryFiles();
        while (true) {
            List<String> ids;
            try {
                ids = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (ids.size() == 1) {
                    l2.write(ids.get(0), pending.get(ids.get(0)));
                } else {
                    Map<String, byte[]> pack = new LinkedHashMap<>();
                    for (String id : ids) {
                        pack.put(id, pending.get(id));
                    }
                    l2.writePack(pack);
                }
            } catch (IOException | RuntimeException | OutOfMemoryError e) {
                Launcher.log("could not write " + (ids.size() == 1 ? ids.get(0) : "a pack of " + ids.size() + " blobs")
                        + " to " + l2.root() + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
            }
            for (String id : ids) {
                byte[] written = pending.remove(id);
                if (written != null) {
                    pendingBytes.addAndGet(-written.length);
                }
            }
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }
}
