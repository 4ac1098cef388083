package fabric.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The node's loopback HTTP endpoint: {@code GET /metrics} (Prometheus text) and {@code GET /v1/blobs/{id}} from its
 * own caches, so other nodes can use it as a peer when the registry is down.
 */
final class NodeHttpServer {
    private final HttpServer server;

    NodeHttpServer(int port, Metrics metrics, SymbolResolver resolver) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.createContext("/metrics", ex -> answer(ex, 200, "text/plain; version=0.0.4",
                metrics.render().getBytes(StandardCharsets.UTF_8)));
        server.createContext("/v1/blobs/", ex -> {
            String id = ex.getRequestURI().getPath().substring("/v1/blobs/".length());
            byte[] bytes = Hashes.isSymbolId(id) && ex.getRequestMethod().equals("GET") ? resolver.localCopy(id) : null;
            if (bytes == null) {
                answer(ex, 404, "text/plain", ("not held: " + id + "\n").getBytes(StandardCharsets.UTF_8));
            } else {
                answer(ex, 200, "application/octet-stream", bytes);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "fabric-node-http");
            t.setDaemon(true);
            return t;
        }));
    }

    /** Started from a daemon thread: the server's dispatcher inherits it, so the endpoint never keeps the JVM up. */
    int start() throws InterruptedException {
        Thread starter = new Thread(server::start, "fabric-node-http-start");
        starter.setDaemon(true);
        starter.start();
        starter.join();
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
