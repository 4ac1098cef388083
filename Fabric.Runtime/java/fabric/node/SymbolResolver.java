package fabric.node;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds a symbol's bytes: L1 memory, L2 disk, the registry, then peer nodes, in that order. Every copy is re-hashed
 * before it is handed out; a copy that does not hash to its ID is quarantined and the next source is tried.
 */
final class SymbolResolver {
    /** No source gave good bytes. {@link #badCopies} tells a tampered copy from an absent one. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;
        final int badCopies;

        Unavailable(String message, int badCopies) {
            super(message);
            this.badCopies = badCopies;
        }
    }

    /** Fetches prefetch batches: a few requests in flight, daemon threads so they never keep a node alive. */
    private static final java.util.concurrent.ExecutorService FETCHERS = java.util.concurrent.Executors.newFixedThreadPool(3, r -> {
        Thread t = new Thread(r, "fabric-node-prefetch");
        t.setDaemon(true);
        return t;
    });

    private final MemoryCache l1;
    private final long l1Budget;
    private final DiskCache l2;
    private final HttpSource registry;
    private final List<HttpSource> peers;
    private final Metrics metrics;
    private final int batchSize;
    private volatile ManifestChain chain;

    SymbolResolver(MemoryCache l1, long l1Budget, DiskCache l2, HttpSource registry, List<HttpSource> peers,
                   Metrics metrics, int batchSize) {
        this.l1 = l1;
        this.l1Budget = l1Budget;
        this.l2 = l2;
        this.registry = registry;
        this.peers = peers;
        this.metrics = metrics;
        this.batchSize = batchSize;
    }

    void setChain(ManifestChain chain) {
        this.chain = chain;
    }

    /** The verified bytes of {@code entry}; for a class missed locally, its closure is prefetched first. */
    byte[] resolve(Manifest.Entry entry) throws Unavailable {
        String id = entry.id();
        byte[] bytes = l1.get(id);
        if (bytes != null) {
            metrics.hit(Metrics.L1);
            return bytes;
        }
        metrics.miss(Metrics.L1);
        List<String> tried = new ArrayList<>();
        int[] bad = {0};
        try {
            bytes = l2.read(id);
        } catch (IOException e) {
            tried.add("l2 " + l2.root() + ": " + e.getMessage());
        }
        if (bytes != null) {
            if (Hashes.sha256(bytes).equals(id)) {
                metrics.hit(Metrics.L2);
                l1.put(id, bytes);
                return bytes;
            }
            bad[0]++;
            tried.add("l2 " + l2.root() + ": hashes to " + Hashes.sha256(bytes) + ", quarantined");
            reportBad("l2", entry, bytes, quarantineLocal(id));
        } else if (tried.isEmpty()) {
            tried.add("l2 " + l2.root() + ": absent");
        }
        metrics.miss(Metrics.L2);

        boolean registryReachable = true;
        if (entry.isClass() && registry != null && chain != null) {
            // One round trip for everything this class will pull in, instead of one per class.
            String failure = prefetchOrFailure(entry.path());
            bytes = l1.get(id);
            if (bytes == null) {
                // A closure larger than L1's budget may have pushed it out again; the prefetch wrote it to L2 too.
                bytes = verifiedFromL2(id);
            }
            if (bytes != null) {
                metrics.hit(Metrics.REGISTRY);
                return bytes;
            }
            if (failure != null) {
                registryReachable = false;
                metrics.miss(Metrics.REGISTRY);
                tried.add("registry " + registry.base() + ": " + failure);
            }
        }
        if (registry != null && registryReachable) {
            bytes = fromRemote(registry, Metrics.REGISTRY, entry, tried, bad);
            if (bytes != null) {
                return bytes;
            }
        }
        for (HttpSource peer : peers) {
            bytes = fromRemote(peer, Metrics.PEER, entry, tried, bad);
            if (bytes != null) {
                return bytes;
            }
        }
        throw new Unavailable((entry.isClass() ? "class " : "resource ") + entry.path() + " (sha256 " + id
                + ") is in no source; tried: " + String.join("; ", tried), bad[0]);
    }

    private byte[] fromRemote(HttpSource source, String level, Manifest.Entry entry, List<String> tried, int[] bad) {
        String id = entry.id();
        byte[] bytes;
        try {
            bytes = source.blob(id);
        } catch (IOException e) {
            metrics.miss(level);
            tried.add(level + " " + source.base() + ": " + e.getMessage());
            return null;
        }
        if (bytes == null) {
            metrics.miss(level);
            tried.add(level + " " + source.base() + ": not held (404)");
            return null;
        }
        String actual = Hashes.sha256(bytes);
        if (!actual.equals(id)) {
            metrics.miss(level);
            bad[0]++;
            tried.add(level + " " + source.base() + ": hashes to " + actual + ", quarantined");
            reportBad(level + " " + source.base(), entry, bytes, quarantineCopy(id, bytes));
            return null;
        }
        metrics.hit(level);
        keep(id, bytes);
        return bytes;
    }

    /**
     * Pulls the missing blobs of the closure of {@code internalName} from the registry in batches. At start a
     * failure is reported and ignored: the loader fetches class by class, and a warm cache may need nothing.
     */
    int prefetch(String internalName) {
        String failure = prefetchOrFailure(internalName);
        if (failure != null) {
            Launcher.log("prefetch of " + internalName + " skipped: " + failure);
        }
        return prefetchedCount.get();
    }

    /** How many blobs this thread's last prefetch brought, for the start-up log. */
    private final ThreadLocal<Integer> prefetchedCount = ThreadLocal.withInitial(() -> 0);

    /** Null when the registry answered (whatever it held), else why it could not be reached. */
    private String prefetchOrFailure(String internalName) {
        prefetchedCount.set(0);
        List<HttpSource.ClosureEntry> closure;
        try {
            closure = registry.closure(chain.name(), internalName);
        } catch (HttpSource.Refused e) {
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
        if (closure == null) {
            return null;
        }
        List<String> missing = new ArrayList<>();
        for (HttpSource.ClosureEntry c : closure) {
            if (!l1.contains(c.id()) && !l2.contains(c.id())) {
                missing.add(c.id());
            }
        }
        int got = 0;
        // A few batches in flight: the next ones travel while this thread hashes and stores the one that came back.
        List<java.util.concurrent.Future<Map<String, byte[]>>> inFlight = new ArrayList<>();
        for (int i = 0; i < missing.size(); i += batchSize) {
            List<String> slice = List.copyOf(missing.subList(i, Math.min(missing.size(), i + batchSize)));
            inFlight.add(FETCHERS.submit(() -> registry.batch(slice)));
        }
        for (int b = 0; b < inFlight.size(); b++) {
            Map<String, byte[]> answer;
            try {
                answer = inFlight.get(b).get();
            } catch (java.util.concurrent.ExecutionException e) {
                // What was not prefetched is fetched one by one; the failure is for the log only.
                Launcher.log("prefetch batch failed: " + (e.getCause() == null ? e : e.getCause()).getMessage());
                inFlight.subList(b + 1, inFlight.size()).forEach(f -> f.cancel(true));
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                inFlight.subList(b + 1, inFlight.size()).forEach(f -> f.cancel(true));
                break;
            }
            for (Map.Entry<String, byte[]> e : answer.entrySet()) {
                String actual = Hashes.sha256(e.getValue());
                if (actual.equals(e.getKey())) {
                    keep(e.getKey(), e.getValue());
                    got++;
                } else {
                    metrics.verificationFailure(Metrics.REGISTRY);
                    Path q = quarantineCopy(e.getKey(), e.getValue());
                    Launcher.log("SecurityException: blob " + e.getKey() + " from the registry's batch hashes to " + actual
                            + "; not used" + (q == null ? "" : ", kept in " + q));
                }
            }
        }
        metrics.prefetched(got);
        prefetchedCount.set(got);
        return null;
    }

    /**
     * Reads the classes of {@code m} that L2 holds into L1 on a background thread, up to half the L1 budget, so the
     * loader finds them in memory while the start-up is still checking signatures. Bytes are hash-checked like any
     * other; lookups by the loader are counted as usual, this reading is not.
     */
    void preload(Manifest m) {
        Thread t = new Thread(() -> {
            long budget = l1Budget / 2;
            int n = 0;
            for (Manifest.Entry e : m.classEntries()) {
                if (budget <= 0) {
                    break;
                }
                if (l1.contains(e.id())) {
                    continue;
                }
                try {
                    byte[] bytes = l2.read(e.id());
                    if (bytes != null && Hashes.sha256(bytes).equals(e.id())) {
                        l1.put(e.id(), bytes);
                        budget -= bytes.length;
                        n++;
                    }
                } catch (IOException x) {
                    // The loader reads it itself and reports what is wrong.
                }
            }
            metrics.preloaded(n);
        }, "fabric-node-preload");
        t.setDaemon(true);
        t.setPriority(Thread.NORM_PRIORITY - 1);
        t.start();
    }

    /** True when every class of the chain is already in L2, so a start needs nothing from the network. */
    boolean allClassesCached() {
        for (Manifest m : chain.manifests()) {
            for (Manifest.Entry e : m.classEntries()) {
                if (!l2.contains(e.id())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Serves the node's own peers: verified bytes from L1 or L2 only, never fetched on their behalf. */
    byte[] localCopy(String id) {
        byte[] bytes = l1.get(id);
        return bytes != null ? bytes : verifiedFromL2(id);
    }

    private byte[] verifiedFromL2(String id) {
        byte[] bytes;
        try {
            bytes = l2.read(id);
        } catch (IOException e) {
            return null;
        }
        return bytes != null && Hashes.sha256(bytes).equals(id) ? bytes : null;
    }

    private void keep(String id, byte[] bytes) {
        l1.put(id, bytes);
        try {
            l2.write(id, bytes);
        } catch (IOException e) {
            Launcher.log("could not write " + id + " to " + l2.root() + ": " + e.getMessage());
        }
    }

    private Path quarantineLocal(String id) {
        try {
            return l2.quarantine(id);
        } catch (IOException e) {
            return null;
        }
    }

    private Path quarantineCopy(String id, byte[] bytes) {
        try {
            return l2.quarantineBytes(id, bytes);
        } catch (IOException e) {
            return null;
        }
    }

    private void reportBad(String source, Manifest.Entry entry, byte[] bytes, Path quarantined) {
        metrics.verificationFailure(source.startsWith("peer") ? Metrics.PEER : source.startsWith("registry") ? Metrics.REGISTRY : Metrics.L2);
        Launcher.log("SecurityException: " + entry.path() + " from " + source + " hashes to " + Hashes.sha256(bytes)
                + ", not its ID " + entry.id() + "; " + (quarantined == null ? "discarded" : "quarantined in " + quarantined)
                + "; trying the next source");
    }
}
