package fabric.node;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A registry (or a peer node serving the same blob endpoint) over HTTP. Transient failures (I/O errors, timeouts,
 * 5xx, 429) are retried a bounded number of times with exponential backoff; 404 and other 4xx answers are final.
 * It speaks HTTP through {@link HttpURLConnection}: {@code java.net.http.HttpClient} would cost every cold start about
 * 450 more JDK classes (its own and TLS, set up even for plain HTTP) before the first byte arrives.
 */
final class HttpSource {
    /** The server answered, but not with what was asked for. Not retried. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        Refused(String message, int status) {
            super(message);
            this.status = status;
        }
    }

    /** One closure line. */
    record ClosureEntry(String id, String path) {
    }

    private static final long DEGRADED_NANOS = 10_000_000_000L;

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fabric-node-http-deadline");
        t.setDaemon(true);
        return t;
    });

    /** The largest answer read: a quarter of the heap, at most 256 MiB, so an endless answer is refused, not an OOM. */
    private static final long MAX_ANSWER_BYTES = Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4);

    private final String base;
    private final String metricsSource;
    private final int attempts;
    private final long backoffMillis;
    private final long maxBackoffMillis;
    private final int timeoutMillis;
    private final String token;
    private final Metrics metrics;
    /** Until then the source failed a whole series of attempts recently: one attempt per request, no backoff, so a
     * dead registry costs each class one refused connection rather than a full series of retries. */
    private volatile long degradedUntil;

    HttpSource(String baseUrl, String metricsSource, NodeOptions options, Metrics metrics, int attempts) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.metricsSource = metricsSource;
        this.attempts = Math.max(1, attempts);
        this.backoffMillis = options.backoffMillis;
        this.maxBackoffMillis = options.maxBackoffMillis;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, options.timeoutMillis);
        this.token = options.token;
        this.metrics = metrics;
    }

    String base() {
        return base;
    }

    /** A status, the whole body and the headers (names as the server spelled them). */
    private record Answer(int status, byte[] body, Map<String, List<String>> headers) {
        String header(String name) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey() != null && h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** A blob's bytes, or null when the source does not hold it. */
    byte[] blob(String id) throws IOException {
        long start = System.nanoTime();
        Answer r = send("GET", "/v1/blobs/" + id, null);
        if (r.status() == 404) {
            return null;
        }
        metrics.fetched(metricsSource, System.nanoTime() - start, r.body().length, 1);
        return r.body();
    }

    /** Manifest bytes with signature and key ID, or null when unknown. */
    byte[][] manifest(String normalizedName) throws IOException {
        Answer r = send("GET", "/v1/manifests/" + Manifest.urlPath(normalizedName), null);
        if (r.status() == 404) {
            return null;
        }
        String sig = r.header("X-Fabric-Signature");
        if (sig == null) {
            throw new Refused("manifest " + normalizedName + " came without an X-Fabric-Signature header", 200);
        }
        String keyId = r.header("X-Fabric-Key-Id");
        if (keyId == null) {
            keyId = "";
        }
        byte[] der;
        try {
            der = java.util.Base64.getDecoder().decode(sig.trim());
        } catch (IllegalArgumentException e) {
            throw new Refused("manifest " + normalizedName + ": X-Fabric-Signature is not base64", 200);
        }
        return new byte[][] {r.body(), der, keyId.getBytes(StandardCharsets.US_ASCII)};
    }

    /** The classes reachable from {@code internalName}, itself first; null when the manifest or class is unknown. */
    List<ClosureEntry> closure(String normalizedName, String internalName) throws IOException {
        String path = "/v1/manifests/" + Manifest.urlPath(normalizedName) + "/closure?class="
                + java.net.URLEncoder.encode(internalName, StandardCharsets.UTF_8).replace("%2F", "/");
        Answer r = send("GET", path, null);
        if (r.status() == 404) {
            return null;
        }
        List<ClosureEntry> entries = new ArrayList<>();
        for (String line : new String(r.body(), StandardCharsets.UTF_8).split("\n")) {
            int tab = line.indexOf('\t');
            if (tab == 64 && Hashes.isSymbolId(line.substring(0, 64))) {
                entries.add(new ClosureEntry(line.substring(0, 64), line.substring(65)));
            }
        }
        return entries;
    }

    /**
     * Many blobs in one exchange. Returns the bytes of those the source holds, unverified, in the order asked; an ID
     * the source does not hold is absent from the map.
     */
    Map<String, byte[]> batch(List<String> ids) throws IOException {
        long start = System.nanoTime();
        String body = String.join("\n", ids) + "\n";
        Answer r = send("POST", "/v1/blobs/batch", body.getBytes(StandardCharsets.UTF_8));
        if (r.status() != 200) {
            throw new Refused("POST /v1/blobs/batch answered " + r.status(), r.status());
        }
        Map<String, byte[]> result = new LinkedHashMap<>();
        long total = 0;
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(r.body()))) {
            for (String asked : ids) {
                byte[] idBytes = new byte[32];
                in.readFully(idBytes);
                String id = Hashes.hex(idBytes);
                if (!id.equals(asked)) {
                    throw new Refused("batch answer out of order: expected " + asked + ", got " + id, 200);
                }
                int length = in.readInt();
                if (length < -1 || length > in.available()) {
                    throw new Refused("batch answer: length " + length + " for " + id + " but " + in.available()
                            + " bytes left", 200);
                }
                if (length >= 0) {
                    byte[] bytes = new byte[length];
                    in.readFully(bytes);
                    result.put(id, bytes);
                    total += length;
                }
            }
        } catch (EOFException e) {
            throw new Refused("batch answer ended early (" + result.size() + " of " + ids.size() + " read)", 200);
        }
        metrics.fetched(metricsSource, System.nanoTime() - start, total, result.size());
        return result;
    }

    /** A request whose answer matters only as success or failure (registration). */
    int sendSimple(String method, String path, String body) throws IOException {
        return send(method, path, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8)).status();
    }

    /** One request, retried while it fails transiently; answers 200 and 404, throws for anything else. */
    private Answer send(String method, String path, byte[] body) throws IOException {
        String where = method + " " + base + path;
        IOException last = null;
        int attempts = System.nanoTime() - degradedUntil < 0 ? 1 : this.attempts;
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (attempt > 0) {
                metrics.retry(metricsSource);
                long delay = Math.min(maxBackoffMillis, backoffMillis << (attempt - 1));
                // Jitter so many nodes started together do not retry in lockstep.
                delay += ThreadLocalRandom.current().nextLong(delay / 4 + 1);
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting to retry " + where, e);
                }
            }
            try {
                Answer r = exchange(method, path, body);
                int status = r.status();
                if (status == 200 || status == 404) {
                    degradedUntil = System.nanoTime();
                    return r;
                }
                String text = new String(r.body(), 0, Math.min(r.body().length, 300), StandardCharsets.UTF_8).trim();
                if (status >= 500 || status == 429) {
                    last = new IOException(where + " answered " + status + " " + text);
                    continue;
                }
                throw new Refused(where + " answered " + status + " " + text, status);
            } catch (Refused e) {
                throw e.status == 200 ? new Refused(where + ": " + e.getMessage(), e.status) : e;
            } catch (IOException e) {
                last = new IOException(where + ": " + describe(e), e);
            }
        }
        degradedUntil = System.nanoTime() + DEGRADED_NANOS;
        throw new IOException(last.getMessage() + " (after " + attempts + " attempt" + (attempts == 1 ? "" : "s") + ")", last);
    }

    /**
     * One request and its whole answer within the timeout. A read timeout alone would let a registry that trickles
     * its answer a byte at a time hold the node for ever, so the body is also read against a deadline.
     */
    private Answer exchange(String method, String path, byte[] body) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        HttpURLConnection c = (HttpURLConnection) URI.create(base + path).toURL().openConnection(Proxy.NO_PROXY);
        // The read timeout bounds each read only: a server that sends its headers a byte at a time would hold the
        // node for ever. At the deadline the connection is closed under the reading thread.
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
            expired.set(true);
            c.disconnect();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            c.setConnectTimeout(Math.min(timeoutMillis, 2000));
            c.setReadTimeout(timeoutMillis);
            c.setUseCaches(false);
            c.setInstanceFollowRedirects(false);
            c.setRequestMethod(method);
            if (token != null) {
                c.setRequestProperty("Authorization", "Bearer " + token);
            }
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "text/plain");
                c.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            byte[] bytes = in == null ? new byte[0] : readAll(in, c.getContentLengthLong(), deadline);
            return new Answer(status, bytes, c.getHeaderFields());
        } catch (IOException | RuntimeException e) {
            // A connection left half-read must not go back to the keep-alive pool.
            c.disconnect();
            if (expired.get()) {
                throw new SocketTimeoutException("no complete answer within " + timeoutMillis + " ms");
            }
            throw e;
        } finally {
            watchdog.cancel(false);
        }
    }

    /** The whole body, refused once it passes {@link #MAX_ANSWER_BYTES} or the deadline. */
    private byte[] readAll(InputStream in, long declaredLength, long deadline) throws IOException {
        try (in) {
            if (declaredLength > MAX_ANSWER_BYTES) {
                throw new Refused("answer larger than " + MAX_ANSWER_BYTES + " bytes, refused", 200);
            }
            byte[] buffer = new byte[declaredLength >= 0 ? (int) declaredLength : 8192];
            int length = 0;
            while (true) {
                if (length == buffer.length) {
                    if (declaredLength >= 0) {
                        // Exactly the declared length arrived: done (reading on would wait for the next answer).
                        return buffer;
                    }
                    if (buffer.length >= MAX_ANSWER_BYTES) {
                        throw new Refused("answer larger than " + MAX_ANSWER_BYTES + " bytes, refused", 200);
                    }
                    buffer = Arrays.copyOf(buffer, (int) Math.min(MAX_ANSWER_BYTES + 1, buffer.length * 2L));
                }
                int n = in.read(buffer, length, buffer.length - length);
                if (n < 0) {
                    return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
                }
                length += n;
                if (System.nanoTime() - deadline > 0) {
                    throw new SocketTimeoutException("no complete answer within " + timeoutMillis + " ms");
                }
            }
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        if (m == null || m.isEmpty()) {
            Throwable c = e.getCause();
            m = c != null && c.getMessage() != null ? c.getMessage() : "";
        }
        return e.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m);
    }
}
