package fabric.node;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Random;

/**
 * The node agent's L1 hit: SymbolResolver.resolve for a class whose verified bytes are in the memory cache, against a
 * plain HashMap lookup of the same IDs in the same run (the floor of any in-memory lookup by hash). In package
 * fabric.node to reach the agent's package-private classes; run by bench/run-node-l1-bench.sh.
 */
public final class L1Bench {
    private static final int CLASSES = 5_000;
    private static final int LOOKUPS = 2_000_000;

    private L1Bench() {
    }

    public static void main(String[] args) throws Exception {
        MemoryCache l1 = new MemoryCache(64L << 20);
        Metrics metrics = new Metrics();
        DiskCache l2 = new DiskCache(Files.createTempDirectory("l1-bench"));
        SymbolResolver resolver = new SymbolResolver(l1, 64L << 20, l2, null, List.of(), metrics, 256);
        HashMap<String, byte[]> plain = new HashMap<>();
        Manifest.Entry[] entries = new Manifest.Entry[CLASSES];
        Random random = new Random(42);
        for (int i = 0; i < CLASSES; i++) {
            byte[] bytes = new byte[1200];
            random.nextBytes(bytes);
            String id = Hashes.sha256(bytes);
            l1.put(id, bytes);
            plain.put(id, bytes);
            entries[i] = new Manifest.Entry("bench/C" + i + ".class", true, id, bytes.length);
        }
        long sink = 0;
        for (int round = 1; round <= 8; round++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < LOOKUPS; k++) {
                sink += plain.get(entries[k % CLASSES].id()).length;
            }
            long t1 = System.nanoTime();
            for (int k = 0; k < LOOKUPS; k++) {
                sink += resolver.resolve(entries[k % CLASSES]).length;
            }
            long t2 = System.nanoTime();
            double baseline = (t1 - t0) / (double) LOOKUPS;
            double hit = (t2 - t1) / (double) LOOKUPS;
            System.out.printf("round %d%s: HashMap.get %.1f ns, L1 hit (SymbolResolver.resolve) %.1f ns, ratio %.2f%n",
                    round, round <= 3 ? " (warm-up)" : "", baseline, hit, hit / baseline);
        }
        System.out.println("checksum " + sink);
    }
}
