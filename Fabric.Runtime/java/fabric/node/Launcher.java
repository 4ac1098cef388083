package fabric.node;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts an application whose classes come from the fabric registry by hash:
 * {@code java -cp fabric-node.jar fabric.node.Launcher --registry URL --manifest ns/name:tag --main com.app.Main
 * --trust key.pem [--name node-a] ... [-- args]}. The node's class path holds only this launcher.
 */
public final class Launcher {
    private Launcher() {
    }

    private static final boolean TIMING = Boolean.getBoolean("fabric.timing");
    private static final long T0 = System.nanoTime();
    /** How long exit waits for a prefetch in flight, then for L2 writes: a node asked to stop must stop. */
    private static final long EXIT_WAIT_MILLIS = 5_000;

    static void log(String message) {
        System.err.println("fabric-node: " + message);
    }

    /** With -Dfabric.timing=true, how long after the launcher's start each step ended (for benchmarks). */
    static void timing(String step) {
        if (TIMING) {
            log(String.format("timing %s %.1f ms", step, (System.nanoTime() - T0) / 1e6));
        }
    }

    public static void main(String[] args) throws Throwable {
        NodeOptions o;
        try {
            o = NodeOptions.parse(args);
        } catch (IllegalArgumentException e) {
            log(e.getMessage());
            System.err.println(NodeOptions.USAGE);
            System.exit(2);
            return;
        }
        Class<?> main;
        String[] appArgs = o.appArgs;
        try {
            main = prepare(o);
        } catch (IOException | SecurityException | ClassNotFoundException e) {
            log((e instanceof SecurityException ? "SecurityException: " : "") + e.getMessage());
            System.exit(1);
            return;
        } catch (LinkageError e) {
            // E.g. a release compiled for a newer JDK than this node runs.
            log("main class " + o.mainClass + " cannot be defined: " + e);
            System.exit(1);
            return;
        }
        Method m;
        try {
            m = main.getMethod("main", String[].class);
        } catch (NoSuchMethodException e) {
            log(o.mainClass + " has no public static void main(String[])");
            System.exit(1);
            return;
        }
        if (!Modifier.isStatic(m.getModifiers())) {
            log(o.mainClass + ".main is not static");
            System.exit(1);
            return;
        }
        Thread.currentThread().setContextClassLoader(main.getClassLoader());
        timing("main-loaded");
        if (TIMING) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> timing("exit")));
        }
        try {
            m.invoke(null, (Object) appArgs);
        } catch (InvocationTargetException e) {
            // The application's own failure, reported as if it had been started directly.
            throw e.getCause();
        }
    }

    private static Class<?> prepare(NodeOptions o) throws IOException, ClassNotFoundException {
        Metrics metrics = new Metrics();
        java.util.concurrent.CompletableFuture<TrustedKeys> keys = new java.util.concurrent.CompletableFuture<>();
        Thread keyLoader = new Thread(() -> {
            try {
                TrustedKeys k = TrustedKeys.load(o.trust);
                // The first verification initializes the JDK's EC code; done here, it overlaps reading the cache.
                k.verify(new byte[0], new byte[0], null);
                timing("keys");
                keys.complete(k);
            } catch (IOException | RuntimeException e) {
                keys.completeExceptionally(e);
            }
        }, "fabric-node-keys");
        keyLoader.setDaemon(true);
        keyLoader.start();
        DiskCache l2 = new DiskCache(o.cache);
        CacheWriter writer = new CacheWriter(l2);
        MemoryCache l1 = new MemoryCache(o.memoryCacheBytes);
        HttpSource registry = o.registry == null ? null : new HttpSource(o.registry, Metrics.REGISTRY, o, metrics, o.attempts);
        List<HttpSource> peers = new ArrayList<>();
        for (String p : o.peers) {
            peers.add(new HttpSource(p, Metrics.PEER, o, metrics, 1));
        }
        SymbolResolver resolver = new SymbolResolver(l1, o.memoryCacheBytes, writer, registry, peers, metrics, o.batchSize);
        String mainInternal = o.mainClass.replace('.', '/');
        SymbolResolver.Prefetch[] startup = {null};
        if (registry != null && o.prefetch && !l2.hasManifest(o.manifest)) {
            // A cold node: the closure travels while the manifest is fetched and its signature checked.
            startup[0] = resolver.startStartupPrefetch(o.manifest, mainInternal, o.mainClass);
        }
        // The blobs still in flight or queued for L2 at exit land there, so the next start of this node is warm.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Only for a node that ran (its prefetch reports): one that could not start exits at once.
            java.util.concurrent.CompletableFuture<?> reported = startup[0] == null ? null : startup[0].reported;
            if (reported != null) {
                try {
                    reported.get(EXIT_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // Whatever arrived is written below.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (!writer.drain(EXIT_WAIT_MILLIS)) {
                log("exit: some blobs were not written to " + l2.root() + " in time; the next start fetches them");
            }
        }, "fabric-node-exit"));
        if (o.httpPort >= 0) {
            try {
                int port = new NodeHttpServer(o.httpPort, metrics, resolver).start();
                log("http 127.0.0.1:" + port + " (/metrics, /v1/blobs/{id})");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting the HTTP endpoint", e);
            }
        }
        try {
            ManifestChain chain = ManifestChain.load(o.manifest, l2, registry, () -> {
                try {
                    return keys.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException(e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while loading the trusted keys", e);
                }
            }, o.preload ? resolver::preload : m -> { });
            timing("manifest");
            resolver.setChain(chain);
            FabricClassLoader.LoadedListener listener = id -> { };
            if (registry != null && o.nodeName != null) {
                NodeRegistration registration = new NodeRegistration(registry, o);
                registration.start();
                listener = registration;
            }
            if (chain.findClass(mainInternal) == null) {
                throw new ClassNotFoundException("main class " + o.mainClass + " is not in manifest " + chain.name()
                        + " or its parents");
            }
            if (registry != null && o.prefetch && startup[0] == null && !resolver.allClassesCached()) {
                startup[0] = resolver.startStartupPrefetch(chain.name(), mainInternal, o.mainClass);
            }
            if (startup[0] != null) {
                startup[0].reportWhenDone(mainInternal);
            }
            timing("prefetch-started");
            FabricClassLoader loader = new FabricClassLoader(chain, resolver, metrics, listener);
            return Class.forName(o.mainClass, false, loader);
        } catch (IOException | ClassNotFoundException | RuntimeException | LinkageError e) {
            // The node will not run: exit must not wait for a prefetch it no longer needs.
            if (startup[0] != null) {
                startup[0].abandon();
            }
            throw e;
        }
    }
}
