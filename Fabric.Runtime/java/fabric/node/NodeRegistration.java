package fabric.node;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node's presence in the registry: registers with a lease and renews it, reports the symbols it loaded in
 * batches, and leaves on shutdown. All of it on a daemon thread: a registry that is down delays nothing.
 */
final class NodeRegistration implements FabricClassLoader.LoadedListener {
    private static final int REPORT_BATCH = 1000;

    private final HttpSource registry;
    private final String path;
    private final String body;
    private final int leaseSeconds;
    private final ConcurrentLinkedQueue<String> pending = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fabric-node-registration");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean registered;

    NodeRegistration(HttpSource registry, NodeOptions o) {
        this.registry = registry;
        this.path = "/v1/nodes/" + o.nodeName;
        this.leaseSeconds = o.leaseSeconds;
        StringBuilder b = new StringBuilder();
        // The registry requires every key; a node without a JDWP agent registers an empty address.
        b.append("jdwp\t").append(o.jdwpAddress == null ? "" : o.jdwpAddress).append('\n');
        b.append("manifest\t").append(o.manifest).append('\n');
        b.append("started\t").append(Instant.now().toString()).append('\n');
        b.append("lease\t").append(o.leaseSeconds).append('\n');
        this.body = b.toString();
    }

    void start() {
        long renewMillis = leaseSeconds * 1000L / 3;
        timer.scheduleWithFixedDelay(this::renew, 0, renewMillis, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::flush, 200, 200, TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(this::leave, "fabric-node-leave"));
    }

    @Override
    public void loaded(String id) {
        pending.add(id);
    }

    private void renew() {
        try {
            registry.sendSimple("PUT", path, body);
            if (!registered) {
                registered = true;
                Launcher.log("registered as " + path.substring("/v1/nodes/".length()) + " at " + registry.base());
            }
        } catch (IOException e) {
            Launcher.log("registration failed (will retry): " + e.getMessage());
        }
    }

    private synchronized void flush() {
        while (!pending.isEmpty()) {
            List<String> batch = new ArrayList<>();
            String id;
            while (batch.size() < REPORT_BATCH && (id = pending.poll()) != null) {
                batch.add(id);
            }
            try {
                registry.sendSimple("POST", path + "/loaded", String.join("\n", batch) + "\n");
            } catch (IOException e) {
                // Kept for the next round: the report is what the node loaded, it must not lose entries.
                pending.addAll(batch);
                return;
            }
        }
    }

    private void leave() {
        timer.shutdownNow();
        flush();
        try {
            registry.sendSimple("DELETE", path, null);
        } catch (IOException e) {
            Launcher.log("could not deregister (the lease will run out): " + e.getMessage());
        }
    }
}
