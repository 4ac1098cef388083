package fabric.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
            Manifest unverified = null;
            try {
                unverified = Manifest.parse(cached[0]);
            } catch (IllegalArgumentException e) {
                // Reported by check() below.
            }
            if (unverified != null && unverified.name.equals(name)) {
                beforeVerified.accept(unverified);
            }
            String keyId = new String(cached[2], StandardCharsets.US_ASCII);
            String problem = check(name, cached[0], cached[1], keyId, keySource.get());
            if (problem == null) {
                return unverified;
            }
            l2.quarantineManifest(name);
            Launcher.log("SecurityException: cached manifest " + name + " " + problem + "; quarantined, fetching it again");
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
        String keyId = new String(fetched[2], StandardCharsets.US_ASCII);
        String problem = check(name, fetched[0], fetched[1], keyId, keySource.get());
        if (problem != null) {
            throw new SecurityException("manifest " + name + " from " + registry.base() + " " + problem);
        }
        Manifest m = Manifest.parse(fetched[0]);
        l2.writeManifest(name, fetched[0], fetched[1], keyId);
        return m;
    }

    /** Null when the bytes are signed by a trusted key, name the manifest asked for and are canonical. */
    private static String check(String name, byte[] bytes, byte[] signature, String keyId, TrustedKeys keys) {
        if (!keys.verify(bytes, signature, keyId)) {
            return "is not signed by a trusted key (signature key ID '" + keyId + "', trusted " + keys.ids() + ")";
        }
        Manifest m;
        try {
            m = Manifest.parse(bytes);
        } catch (IllegalArgumentException e) {
            return "is signed but malformed: " + e.getMessage();
        }
        if (!m.name.equals(name)) {
            // A valid signature on another release must not pass for this one.
            return "is signed but names itself " + m.name;
        }
        return null;
    }
}
