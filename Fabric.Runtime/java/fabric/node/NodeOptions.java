package fabric.node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's options: {@code --name value} arguments, each also settable as a system property
 * {@code -Dfabric.name=value}; everything after {@code --} goes to the application's main.
 */
final class NodeOptions {
    String registry;
    String manifest;
    String mainClass;
    String nodeName;
    String jdwpAddress;
    Path cache;
    final List<Path> trust = new ArrayList<>();
    final List<String> peers = new ArrayList<>();
    String token;
    int httpPort = -1;
    int attempts = 4;
    long backoffMillis = 100;
    long maxBackoffMillis = 2000;
    long timeoutMillis = 5000;
    int leaseSeconds = 30;
    int batchSize = 1024;
    long memoryCacheBytes = 64L << 20;
    boolean prefetch = true;
    boolean preload = true;
    String[] appArgs = new String[0];

    static final String USAGE = String.join("\n",
            "usage: java -cp fabric-node.jar fabric.node.Launcher --registry URL --manifest [ns/]name:tag --main CLASS",
            "         --trust PUBLIC-KEY.pem [--name NODE] [--jdwp-address HOST:PORT] [--cache DIR] [--peer URL]...",
            "         [--http-port PORT] [--token TOKEN] [--attempts N] [--backoff-ms MS] [--timeout-ms MS]",
            "         [--lease-seconds S] [--batch-size N] [--memory-cache-mb MB] [--no-prefetch] [--no-preload]",
            "         [-- ARGS...]",
            "each option may also be given as a system property: -Dfabric.registry=URL, -Dfabric.trust=a.pem,b.pem ...",
            "the registry token may come from the FABRIC_TOKEN environment variable instead of --token");

    static NodeOptions parse(String[] args) {
        NodeOptions o = new NodeOptions();
        for (String key : new String[] {"registry", "manifest", "main", "name", "jdwp-address", "cache", "trust", "peer",
            "http-port", "token", "attempts", "backoff-ms", "timeout-ms", "lease-seconds", "batch-size",
            "memory-cache-mb"}) {
            String v = System.getProperty("fabric." + key);
            if (v != null) {
                for (String part : key.equals("trust") || key.equals("peer") ? v.split(",") : new String[] {v}) {
                    o.set(key, part.trim());
                }
            }
        }
        if (Boolean.getBoolean("fabric.no-prefetch")) {
            o.prefetch = false;
        }
        if (Boolean.getBoolean("fabric.no-preload")) {
            o.preload = false;
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                o.appArgs = java.util.Arrays.copyOfRange(args, i + 1, args.length);
                break;
            }
            if (a.equals("--no-prefetch")) {
                o.prefetch = false;
                continue;
            }
            if (a.equals("--no-preload")) {
                o.preload = false;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "' (application arguments go after --)");
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + key + " needs a value");
                }
                value = args[++i];
            }
            o.set(key, value);
        }
        o.check();
        return o;
    }

    private void set(String key, String value) {
        switch (key) {
            case "registry" -> registry = value;
            case "manifest" -> {
                manifest = Manifest.normalizeName(value);
                if (manifest == null) {
                    throw new IllegalArgumentException("--manifest '" + value + "' is not [namespace/]name:tag");
                }
            }
            case "main" -> {
                if (value.isEmpty() || value.contains("/") || value.startsWith(".") || value.endsWith(".")) {
                    throw new IllegalArgumentException("--main '" + value + "' is not a class name (dotted, e.g. com.app.Main)");
                }
                mainClass = value;
            }
            case "name" -> nodeName = value;
            case "jdwp-address" -> jdwpAddress = value;
            case "cache" -> cache = Path.of(value);
            case "trust" -> trust.add(Path.of(value));
            case "peer" -> peers.add(value);
            case "token" -> token = value;
            case "http-port" -> httpPort = number(key, value, 0, 65535);
            case "attempts" -> attempts = number(key, value, 1, 20);
            case "backoff-ms" -> backoffMillis = number(key, value, 0, 60_000);
            case "timeout-ms" -> timeoutMillis = number(key, value, 1, 600_000);
            case "lease-seconds" -> leaseSeconds = number(key, value, 3, 86_400);
            case "batch-size" -> batchSize = number(key, value, 1, 10_000);
            case "memory-cache-mb" -> memoryCacheBytes = (long) number(key, value, 0, 1 << 20) << 20;
            default -> throw new IllegalArgumentException("unknown option --" + key);
        }
    }

    private static int number(String key, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--" + key + " must be a whole number from " + min + " to " + max + ", not '" + value + "'");
    }

    private void check() {
        List<String> missing = new ArrayList<>();
        if (manifest == null) {
            missing.add("--manifest");
        }
        if (mainClass == null) {
            missing.add("--main");
        }
        if (trust.isEmpty()) {
            missing.add("--trust");
        }
        if (registry == null && cache == null) {
            missing.add("--registry (or a --cache holding the manifest)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing " + String.join(", ", missing));
        }
        if (nodeName != null && !nodeNameOk(nodeName)) {
            throw new IllegalArgumentException("--name '" + nodeName + "' must be 1-128 characters of A-Z a-z 0-9 . _ -");
        }
        if (cache == null) {
            cache = Path.of(System.getProperty("user.home"), ".cache", "fabric-node");
        }
        if (token == null) {
            // From the environment, so the token is not on the command line for every process listing to show.
            token = System.getenv("FABRIC_TOKEN");
        }
    }

    private static boolean nodeNameOk(String s) {
        return Manifest.normalizeName("x/" + s + ":x") != null;
    }
}
