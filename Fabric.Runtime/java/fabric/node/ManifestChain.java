package fabric.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A manifest and its parents, each verified against the trusted keys before it is used. Tags are immutable, so a
 * copy in L2 is as good as the registry's, and it is verified again on every start: the cache is not trusted.
 */
final class ManifestChain {
    private final List<Manifest> manifests;

    private ManifestChain(List<Manifest> manifests) {
        this.manifests = manifests;
    }

    String name() {
        return manifests.get(0).name;
    }

    List<Manifest> manifests() {
        return manifests;
    }

    Manifest.Entry findClass(String internalName) {
        for (Manifest m : manifests) {
            Manifest.Entry e = m.findClass(internalName);
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    /** Class entries by package (internal name up to the last '/'), nearest manifest first; built on first use. */
    private volatile java.util.Map<String, List<Manifest.Entry>> byPackage;

    /** The classes of the chain in {@code pkg} ("" for the unnamed package), as the chain resolves them. */
    List<Manifest.Entry> classesInPackage(String pkg) {
        java.util.Map<String, List<Manifest.Entry>> index = byPackage;
        if (index == null) {
            index = new java.util.HashMap<>();
            Set<String> seen = new HashSet<>();
            for (Manifest m : manifests) {
                for (Manifest.Entry e : m.classEntries()) {
                    if (seen.add(e.path())) {
                        index.computeIfAbsent(packageOf(e.path()), k -> new ArrayList<>()).add(e);
                    }
                }
            }
            byPackage = index;
        }
        return index.getOrDefault(pkg, List.of());
    }

    static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash);
    }

    Manifest.Entry findResource(String path) {
        for (Manifest m : manifests) {
            Manifest.Entry e = m.findResource(path);
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    /**
     * @param keys the trusted keys, possibly still loading (key loading and the first signature check cost a JVM a
     *     few hundred milliseconds of crypto start-up)
     * @param beforeVerified told of a cached manifest as soon as it is parsed, while its signature is checked: it
     *     may only warm the content-addressed cache with it (bytes there are checked against their hash, so a forged
     *     manifest can make a node read its own cache, nothing more); nothing is defined before verification
     */
    static ManifestChain load(String name, DiskCache l2, HttpSource registry, KeySource keys,
                              java.util.function.Consumer<Manifest> beforeVerified) throws IOException {
        List<Manifest> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String next = name;
        while (next != null) {
            if (!seen.add(next)) {
                throw new IOException("manifest " + name + ": its parents form a cycle at " + next);
            }
            Manifest m = loadOne(next, l2, registry, keys, beforeVerified);
            chain.add(m);
            next = m.parent;
        }
        return new ManifestChain(chain);
    }

    /** The trusted keys, loaded in the background. */
    interface KeySource {
        TrustedKeys get() throws IOException;
    }

    private static Manifest loadOne(String name, DiskCache l2, HttpSource registry, KeySource keySource,
                                    java.util.function.Consumer<Manifest> beforeVerified) throws IOException {
        byte[][] cached = l2.readManifest(name);
        if (cached != null) {
            Checked c = check(name, cached, keySource, beforeVerified);
            if (c.problem == null) {
                return c.manifest;
            }
            if (c.foreignKey) {
                // Signed by a key this node does not trust, but nodes sharing the cache may: left where it is.
                Launcher.log("SecurityException: cached manifest " + name + " " + c.problem + "; not used, fetching it again");
            } else {
                l2.quarantineManifest(name);
                Launcher.log("SecurityException: cached manifest " + name + " " + c.problem + "; quarantined, fetching it again");
            }
        }
        if (registry == null) {
            throw new IOException("manifest " + name + " is not in the cache " + l2.root() + " and no --registry was given");
        }
        byte[][] fetched;
        try {
            fetched = registry.manifest(name);
        } catch (IOException e) {
            throw new IOException("manifest " + name + " is not cached in " + l2.root() + " and the registry failed: "
                    + e.getMessage(), e);
        }
        if (fetched == null) {
            throw new IOException("manifest " + name + " is not published at " + registry.base());
        }
        Checked c = check(name, fetched, keySource, m -> { });
        if (c.problem != null) {
            throw new SecurityException("manifest " + name + " from " + registry.base() + " " + c.problem);
        }
        l2.writeManifest(name, fetched[0], fetched[1], new String(fetched[2], StandardCharsets.US_ASCII));
        return c.manifest;
    }

    /** The manifest when {@code problem} is null; {@code foreignKey} when the signer's key is simply not trusted here. */
    private record Checked(Manifest manifest, String problem, boolean foreignKey) {
        Checked(Manifest manifest, String problem) {
            this(manifest, problem, false);
        }
    }

    /**
     * Accepts manifest bytes ({@code files}: bytes, signature, key ID) only when they are signed by a trusted key,
     * canonical, and name the manifest asked for. The signature is checked on another thread while this one parses
     * (for 5,000 classes each costs a cold JVM about 100 ms); the parsed manifest goes to {@code beforeVerified} in
     * between, and is returned only once the signature holds.
     */
    private static Checked check(String name, byte[][] files, KeySource keySource,
                                 java.util.function.Consumer<Manifest> beforeVerified) throws IOException {
        String keyId = new String(files[2], StandardCharsets.US_ASCII);
        CompletableFuture<Object> signed = CompletableFuture.supplyAsync(() -> {
            try {
                TrustedKeys keys = keySource.get();
                if (keys.verify(files[0], files[1], keyId)) {
                    return Boolean.TRUE;
                }
                return keys.ids().contains(keyId)
                        ? new Checked(null, "is not signed by a trusted key: its signature does not verify with trusted key '"
                                + keyId + "' (altered after signing?)")
                        : new Checked(null, "is not signed by a trusted key (signature key ID '" + keyId + "', trusted "
                                + keys.ids() + ")", true);
            } catch (IOException e) {
                return e;
            }
        }, ManifestChain::onVerifierThread);
        Manifest m = null;
        String malformed = null;
        try {
            m = Manifest.parse(files[0]);
        } catch (IllegalArgumentException e) {
            malformed = e.getMessage();
        }
        if (m != null && m.name.equals(name)) {
            beforeVerified.accept(m);
        }
        Object verdict = signed.join();
        if (verdict instanceof IOException e) {
            throw e;
        }
        if (verdict instanceof Checked refused) {
            return refused;
        }
        if (malformed != null) {
            return new Checked(null, "is signed but malformed: " + malformed);
        }
        if (!m.name.equals(name)) {
            // A valid signature on another release must not pass for this one.
            return new Checked(null, "is signed but names itself " + m.name);
        }
        return new Checked(m, null);
    }

    private static void onVerifierThread(Runnable r) {
        Thread t = new Thread(r, "fabric-node-verify");
        t.setDaemon(true);
        t.start();
    }
}
