package fabric.node;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

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

    private static final int FIRST_BATCH = 64;
    private static final long PREFETCH_PAUSE_NANOS = 30_000_000_000L;

    private final MemoryCache l1;
    private final long l1Budget;
    private final DiskCache l2;
    private final CacheWriter writer;
    private final HttpSource registry;
    private final List<HttpSource> peers;
    private final Metrics metrics;
    private final int batchSize;
    private volatile ManifestChain chain;
    /** Prefetches under way: the loader waits for a blob one of them is bringing rather than fetch it twice. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Prefetch> active = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Until then a closure or batch request failed recently: a miss fetches its class alone instead of starting
     * another prefetch. */
    private volatile long prefetchPausedUntil = System.nanoTime();

    SymbolResolver(MemoryCache l1, long l1Budget, CacheWriter writer, HttpSource registry, List<HttpSource> peers,
                   Metrics metrics, int batchSize) {
        this.l1 = l1;
        this.l1Budget = l1Budget;
        this.l2 = writer.disk();
        this.writer = writer;
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
        awaitPrefetchedBlob(id);
        byte[] bytes = l1.get(id);
        if (bytes != null) {
            metrics.hit(Metrics.L1);
            return bytes;
        }
        metrics.miss(Metrics.L1);
        List<String> tried = new ArrayList<>();
        int[] bad = {0};
        try {
            bytes = writer.read(id);
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

        if (entry.isClass() && registry != null && chain != null && !prefetchPaused()) {
            // One round trip for everything this class will pull in, instead of one per class; and its package's
            // other classes: a class loaded by name (a provider, a plugin, a resource bundle) is seldom alone.
            Prefetch p = new Prefetch(null);
            p.extra.addAll(chain.classesInPackage(ManifestChain.packageOf(entry.path())));
            start(p, chain.name(), entry.path());
            // Only for the batch bringing this class (the first: the closure lists it first); the rest travels on.
            String failure = p.listed.join();
            CompletableFuture<Integer> batch = p.batches.get(id);
            if (batch != null) {
                batch.exceptionally(x -> 0).join();
            }
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
                // The blob itself may still come: a registry down answers the next request at once (see HttpSource).
                tried.add("registry " + registry.base() + " closure: " + failure);
            }
        }
        if (registry != null) {
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
     * A closure prefetch in flight. {@code listed} completes once the registry has named the closure (null) or could
     * not be reached (why); {@code batches} then maps each missing blob to the request bringing it, and {@code done}
     * completes with the number of blobs brought once every batch is in.
     */
    static final class Prefetch {
        /** The main class, for the start-up prefetch's report; null for one started by a miss. */
        final String startupOf;
        final CompletableFuture<String> listed = new CompletableFuture<>();
        final Map<String, CompletableFuture<Integer>> batches = new ConcurrentHashMap<>();
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        /** Classes to bring besides the closure when no cache holds them (bounded in {@link #list}). */
        final List<Manifest.Entry> extra = new ArrayList<>();
        private volatile boolean abandoned;

        Prefetch(String startupOf) {
            this.startupOf = startupOf;
        }

        /** Batches not yet sent are not sent; what is in flight lands. */
        void abandon() {
            abandoned = true;
        }

        /** Completes after {@link #done} and the report of the start-up prefetch; null until it is asked for. */
        volatile CompletableFuture<Void> reported;

        /**
         * Logs, once done, what the prefetch brought or why it could not. Asked for only once the node is sure to
         * run (its manifest verified), so that a node that cannot start says one thing: why.
         */
        void reportWhenDone(String internalName) {
            reported = done.thenAccept(n -> {
                String failure = listed.getNow(null);
                Launcher.log(failure != null ? "prefetch of " + internalName + " skipped: " + failure
                        : "prefetched " + n + " blobs for " + startupOf);
            });
        }
    }

    /**
     * Starts pulling the blobs of the closure of {@code internalName} in {@code manifestName} (and {@code p.extra})
     * that no cache holds, in batches on the fetcher threads, each hash-checked there before it is kept. Asking
     * before the manifest is verified is safe: blobs are kept only under the hash they match, and nothing is defined
     * from an unverified manifest.
     */
    private void start(Prefetch p, String manifestName, String internalName) {
        active.add(p);
        FETCHERS.execute(() -> {
            try {
                list(p, manifestName, internalName);
            } catch (Throwable t) {
                // Whoever waits must not wait for ever; the loader falls back to fetching one by one.
                p.listed.complete(String.valueOf(t));
                finish(p, 0);
            }
        });
    }

    private void finish(Prefetch p, int got) {
        if (p.startupOf != null) {
            Launcher.timing("prefetch-done");
        }
        active.remove(p);
        p.done.complete(got);
    }

    /**
     * The start-up prefetch of the closure of the main class (see {@link #start}). A registry it
     * cannot reach is ignored (the loader fetches class by class, and a warm cache may need nothing); see
     * {@link Prefetch#reportWhenDone}.
     */
    Prefetch startStartupPrefetch(String manifestName, String internalName, String mainClass) {
        Prefetch p = new Prefetch(mainClass);
        start(p, manifestName, internalName);
        return p;
    }

    /** Waits, when a prefetch under way is bringing {@code id}, until its batch is in. */
    private void awaitPrefetchedBlob(String id) {
        Boolean held = null;
        for (Prefetch p : active) {
            if (!p.listed.isDone()) {
                if (held == null) {
                    held = l1.contains(id) || writer.contains(id);
                }
                if (held) {
                    // In no batch: no need to wait for a registry that may be slow or down.
                    return;
                }
            }
            // Quietly: a failed listing or batch only means the blob is fetched the usual way.
            p.listed.exceptionally(x -> null).join();
            CompletableFuture<Integer> batch = p.batches.get(id);
            if (batch != null) {
                batch.exceptionally(x -> 0).join();
                return;
            }
        }
    }

    private void list(Prefetch p, String manifestName, String internalName) {
        List<HttpSource.ClosureEntry> closure;
        try {
            closure = registry.closure(manifestName, internalName);
        } catch (HttpSource.Refused e) {
            closure = null;
        } catch (IOException | RuntimeException e) {
            // As for a failed batch: the next misses would fail the same way, each with a whole series of attempts.
            pausePrefetch();
            p.listed.complete(e.getMessage());
            finish(p, 0);
            return;
        }
        java.util.Set<String> missing = new java.util.LinkedHashSet<>();
        for (HttpSource.ClosureEntry c : closure == null ? List.<HttpSource.ClosureEntry>of() : closure) {
            if (!l1.contains(c.id()) && !writer.contains(c.id())) {
                missing.add(c.id());
            }
        }
        if (closure != null) {
            // Bounded: a package of thousands of classes must not come whole for one class loaded by name.
            long budget = l1Budget / 8;
            int room = batchSize;
            for (Manifest.Entry e : p.extra) {
                if (room == 0 || budget < e.size()) {
                    break;
                }
                if (!l1.contains(e.id()) && !writer.contains(e.id()) && missing.add(e.id())) {
                    room--;
                    budget -= Math.max(0, e.size());
                }
            }
        }
        // A few batches in flight (the pool's size): the next ones travel while others are hashed and kept. They
        // grow from FIRST_BATCH to the batch size: the loader waits only for a small first one (the closure lists
        // the class asked for first), and the rest comes in few round trips.
        List<CompletableFuture<Integer>> all = new ArrayList<>();
        int size = Math.min(FIRST_BATCH, batchSize);
        List<String> ordered = List.copyOf(missing);
        for (int i = 0; i < ordered.size(); i += size, size = Math.min(batchSize, size * 2)) {
            List<String> slice = ordered.subList(i, Math.min(ordered.size(), i + size));
            CompletableFuture<Integer> batch = new CompletableFuture<>();
            for (String id : slice) {
                p.batches.put(id, batch);
            }
            all.add(batch);
            FETCHERS.execute(() -> {
                try {
                    batch.complete(fetchBatch(p, slice));
                } catch (Throwable t) {
                    batch.completeExceptionally(t);
                    Launcher.log("prefetch batch failed: " + t);
                }
            });
        }
        p.listed.complete(null);
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).whenComplete((v, x) -> {
            int got = 0;
            for (CompletableFuture<Integer> b : all) {
                got += b.isCompletedExceptionally() ? 0 : b.getNow(0);
            }
            finish(p, got);
        });
    }

    private boolean prefetchPaused() {
        return System.nanoTime() - prefetchPausedUntil < 0;
    }

    /** Pauses prefetching for {@link #PREFETCH_PAUSE_NANOS}; true when it was not paused already. */
    private boolean pausePrefetch() {
        boolean was = prefetchPaused();
        prefetchPausedUntil = System.nanoTime() + PREFETCH_PAUSE_NANOS;
        return !was;
    }

    /** One batch, hash-checked and kept; how many blobs it brought. */
    private int fetchBatch(Prefetch p, List<String> slice) {
        if (p.abandoned) {
            return 0;
        }
        Map<String, byte[]> answer;
        try {
            answer = registry.batch(slice);
        } catch (IOException | RuntimeException e) {
            // What was not prefetched is fetched one by one. The rest of this prefetch, and the next ones, would most
            // likely fail the same way, each miss starting another series: prefetch pauses.
            p.abandon();
            if (pausePrefetch()) {
                Launcher.log("prefetch batch failed: " + e.getMessage() + "; prefetch paused for "
                        + PREFETCH_PAUSE_NANOS / 1_000_000_000L + " s, classes are fetched one by one");
            }
            return 0;
        }
        Map<String, byte[]> verified = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : answer.entrySet()) {
            String actual = Hashes.sha256(e.getValue());
            if (actual.equals(e.getKey())) {
                l1.put(e.getKey(), e.getValue());
                verified.put(e.getKey(), e.getValue());
            } else {
                metrics.verificationFailure(Metrics.REGISTRY);
                Path q = quarantineCopy(e.getKey(), e.getValue());
                Launcher.log("SecurityException: blob " + e.getKey() + " from the registry's batch hashes to " + actual
                        + "; not used" + (q == null ? "" : ", kept in " + q));
            }
        }
        writer.submitPack(verified);
        // Counted before the batch completes, so whoever waited for it sees the count.
        metrics.prefetched(verified.size());
        return verified.size();
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
                    byte[] bytes = writer.read(e.id());
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
                if (!writer.contains(e.id())) {
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
            bytes = writer.read(id);
        } catch (IOException e) {
            return null;
        }
        return bytes != null && Hashes.sha256(bytes).equals(id) ? bytes : null;
    }

    private void keep(String id, byte[] bytes) {
        l1.put(id, bytes);
        writer.submit(id, bytes);
    }

    private Path quarantineLocal(String id) {
        DiskCache.Quarantined q;
        try {
            q = l2.quarantine(id);
        } catch (IOException e) {
            return null;
        }
        // A pack goes whole; its other blobs that L1 holds (verified) go back to L2, or the cache would stay short of
        // them: nothing would fetch what L1 already has.
        Map<String, byte[]> rescued = new java.util.LinkedHashMap<>();
        for (String other : q.alsoRemoved()) {
            byte[] bytes = l1.get(other);
            if (bytes != null) {
                rescued.put(other, bytes);
            }
        }
        writer.submitPack(rescued);
        return q.target();
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
