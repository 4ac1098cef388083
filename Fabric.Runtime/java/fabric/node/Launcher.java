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
                keys.complete(k);
            } catch (IOException | RuntimeException e) {
                keys.completeExceptionally(e);
            }
        }, "fabric-node-keys");
        keyLoader.setDaemon(true);
        keyLoader.start();
        DiskCache l2 = new DiskCache(o.cache);
        MemoryCache l1 = new MemoryCache(o.memoryCacheBytes);
        HttpSource registry = o.registry == null ? null : new HttpSource(o.registry, Metrics.REGISTRY, o, metrics, o.attempts);
        List<HttpSource> peers = new ArrayList<>();
        for (String p : o.peers) {
            peers.add(new HttpSource(p, Metrics.PEER, o, metrics, 1));
        }
        SymbolResolver resolver = new SymbolResolver(l1, o.memoryCacheBytes, l2, registry, peers, metrics, o.batchSize);
        if (o.httpPort >= 0) {
            try {
                int port = new NodeHttpServer(o.httpPort, metrics, resolver).start();
                log("http 127.0.0.1:" + port + " (/metrics, /v1/blobs/{id})");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting the HTTP endpoint", e);
            }
        }
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
        String mainInternal = o.mainClass.replace('.', '/');
        if (chain.findClass(mainInternal) == null) {
            throw new ClassNotFoundException("main class " + o.mainClass + " is not in manifest " + chain.name()
                    + " or its parents");
        }
        if (registry != null && o.prefetch && !resolver.allClassesCached()) {
            int n = resolver.prefetch(mainInternal);
            log("prefetched " + n + " blobs for " + o.mainClass);
        }
        timing("prefetch");
        FabricClassLoader loader = new FabricClassLoader(chain, resolver, metrics, listener);
        return Class.forName(o.mainClass, false, loader);
    }
}
