package fabric.node;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;

/**
 * Defines the application's classes from the manifest: name → symbol ID → verified bytes. JDK classes come from the
 * platform class loader (the parent), so nothing of the application is ever read from the node's class path.
 * Resources are served from the manifest too, as {@code fabric:/ID/path} URLs.
 */
final class FabricClassLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    private final ManifestChain chain;
    private final SymbolResolver resolver;
    private final LoadedListener listener;
    private final Metrics metrics;
    private final URLStreamHandler handler = new Handler();
    /**
     * One protection domain for the release, located at {@code fabric:/ns/name:tag/}. One per class would let a
     * class's code source name its own symbol, but costs JDK 17 (security manager still allowed) a protection-domain
     * check for every pair of classes that link: about 1 s for 5,000 classes, twice the start of the whole app.
     */
    private final ProtectionDomain domain;

    /** Told each class the loader defines, with its symbol ID. */
    interface LoadedListener {
        void loaded(String id);
    }

    FabricClassLoader(ManifestChain chain, SymbolResolver resolver, Metrics metrics, LoadedListener listener) {
        super("fabric:" + chain.name(), ClassLoader.getPlatformClassLoader());
        this.chain = chain;
        this.resolver = resolver;
        this.metrics = metrics;
        this.listener = listener;
        this.domain = new ProtectionDomain(new CodeSource(releaseUrl(chain.name()), (Certificate[]) null), null, this, null);
    }

    private URL releaseUrl(String name) {
        try {
            @SuppressWarnings("deprecation")
            URL url = new URL("fabric", "", -1, "/" + name + "/", handler);
            return url;
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Packages of the JDK's modules: those always come from the parent, as the JDK's own loaders do it. */
    private static final Set<String> JDK_PACKAGES = new HashSet<>();

    static {
        for (Module m : ModuleLayer.boot().modules()) {
            JDK_PACKAGES.addAll(m.getPackages());
        }
    }

    /**
     * Application packages are looked up in the manifest before the parent: asking the platform loader first would
     * cost a thrown ClassNotFoundException for every application class.
     */
    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        int dot = name.lastIndexOf('.');
        if (dot < 0 || JDK_PACKAGES.contains(name.substring(0, dot)) || chain.findClass(name.replace('.', '/')) == null) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                c = findClass(name);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        String internal = name.replace('.', '/');
        Manifest.Entry entry = chain.findClass(internal);
        if (entry == null) {
            throw new ClassNotFoundException(name + " is not in manifest " + chain.name() + " or its parents");
        }
        byte[] bytes;
        try {
            bytes = resolver.resolve(entry);
        } catch (SymbolResolver.Unavailable e) {
            if (e.badCopies > 0) {
                throw new SecurityException("class " + name + ": no copy hashes to its ID " + entry.id() + "; "
                        + e.getMessage());
            }
            throw new ClassNotFoundException(e.getMessage());
        }
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            String pkg = name.substring(0, dot);
            if (getDefinedPackage(pkg) == null) {
                try {
                    definePackage(pkg, null, null, null, null, null, null, null);
                } catch (IllegalArgumentException raced) {
                    // Another thread defined it first: fine.
                }
            }
        }
        Class<?> c = defineClass(name, bytes, 0, bytes.length, domain);
        metrics.classDefined();
        listener.loaded(entry.id());
        return c;
    }

    @Override
    protected URL findResource(String name) {
        Manifest.Entry entry = chain.findResource(name);
        if (entry == null && name.endsWith(".class")) {
            entry = chain.findClass(name.substring(0, name.length() - ".class".length()));
        }
        return entry == null ? null : url(entry);
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        URL url = findResource(name);
        return url == null ? Collections.emptyEnumeration() : Collections.enumeration(java.util.List.of(url));
    }

    private URL url(Manifest.Entry entry) {
        String file = "/" + entry.id() + "/" + entry.path() + (entry.isClass() ? ".class" : "");
        try {
            @SuppressWarnings("deprecation")
            URL url = new URL("fabric", "", -1, file, handler);
            return url;
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens {@code fabric:/ID/path}: the symbol's verified bytes, through the same caches and sources. */
    private final class Handler extends URLStreamHandler {
        @Override
        protected URLConnection openConnection(URL u) {
            return new URLConnection(u) {
                private byte[] bytes;

                @Override
                public void connect() throws IOException {
                    if (bytes != null) {
                        return;
                    }
                    String file = u.getFile();
                    int slash = file.indexOf('/', 1);
                    if (slash != 65) {
                        throw new IOException("not a fabric symbol URL: " + u);
                    }
                    String id = file.substring(1, slash);
                    String path = file.substring(slash + 1);
                    boolean isClass = path.endsWith(".class") && chain.findResource(path) == null;
                    String name = isClass ? path.substring(0, path.length() - 6) : path;
                    try {
                        bytes = resolver.resolve(new Manifest.Entry(name, false, id, -1));
                    } catch (SymbolResolver.Unavailable e) {
                        throw new IOException(e.getMessage(), e);
                    }
                    connected = true;
                }

                @Override
                public InputStream getInputStream() throws IOException {
                    connect();
                    return new ByteArrayInputStream(bytes);
                }

                @Override
                public long getContentLengthLong() {
                    try {
                        connect();
                    } catch (IOException e) {
                        return -1;
                    }
                    return bytes.length;
                }
            };
        }
    }
}
