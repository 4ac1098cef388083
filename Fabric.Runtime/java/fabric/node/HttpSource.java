package fabric.node;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A registry (or a peer node serving the same blob endpoint) over HTTP. Transient failures (I/O errors, timeouts,
 * 5xx, 429) are retried a bounded number of times with exponential backoff; 404 and other 4xx answers are final.
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

    /** The largest answer read: a quarter of the heap, at most 256 MiB, so an endless answer is refused, not an OOM. */
    private static final long MAX_ANSWER_BYTES = Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4);

    private final String base;
    private final String metricsSource;
    private final HttpClient client;
    private final int attempts;
    private final long backoffMillis;
    private final long maxBackoffMillis;
    private final Duration timeout;
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
        this.timeout = Duration.ofMillis(options.timeoutMillis);
        this.token = options.token;
        this.metrics = metrics;
        this.client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(Math.min(options.timeoutMillis, 2000)))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    String base() {
        return base;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    /** A blob's bytes, or null when the source does not hold it. */
    byte[] blob(String id) throws IOException {
        long start = System.nanoTime();
        HttpResponse<byte[]> r = send(request("/v1/blobs/" + id).GET().build(), true);
        if (r.statusCode() == 404) {
            return null;
        }
        metrics.fetched(metricsSource, System.nanoTime() - start, r.body().length, 1);
        return r.body();
    }

    /** Manifest bytes with signature and key ID, or null when unknown. */
    byte[][] manifest(String normalizedName) throws IOException {
        HttpResponse<byte[]> r = send(request("/v1/manifests/" + Manifest.urlPath(normalizedName)).GET().build(), true);
        if (r.statusCode() == 404) {
            return null;
        }
        String sig = r.headers().firstValue("X-Fabric-Signature").orElseThrow(
                () -> new Refused("manifest " + normalizedName + " came without an X-Fabric-Signature header", 200));
        String keyId = r.headers().firstValue("X-Fabric-Key-Id").orElse("");
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
        HttpResponse<byte[]> r = send(request(path).GET().build(), true);
        if (r.statusCode() == 404) {
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
        HttpRequest req = request("/v1/blobs/batch")
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<byte[]> r = send(req, true);
        if (r.statusCode() != 200) {
            throw new Refused("POST /v1/blobs/batch answered " + r.statusCode(), r.statusCode());
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
                if (length < -1) {
                    throw new Refused("batch answer: negative length " + length + " for " + id, 200);
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
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
        HttpRequest req = request(path).header("Content-Type", "text/plain").method(method, publisher).build();
        return send(req, true).statusCode();
    }

    private HttpResponse<byte[]> send(HttpRequest req, boolean allow404) throws IOException {
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
                    throw new IOException("interrupted while waiting to retry " + req.uri(), e);
                }
            }
            try {
                HttpResponse<byte[]> r = exchange(req);
                int status = r.statusCode();
                if (status == 200 || (allow404 && status == 404)) {
                    degradedUntil = System.nanoTime();
                    return r;
                }
                String text = new String(r.body(), 0, Math.min(r.body().length, 300), StandardCharsets.UTF_8).trim();
                if (status >= 500 || status == 429) {
                    last = new IOException(req.method() + " " + req.uri() + " answered " + status + " " + text);
                    continue;
                }
                throw new Refused(req.method() + " " + req.uri() + " answered " + status + " " + text, status);
            } catch (Refused e) {
                throw e;
            } catch (IOException e) {
                last = new IOException(req.method() + " " + req.uri() + ": " + describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during " + req.uri(), e);
            }
        }
        degradedUntil = System.nanoTime() + DEGRADED_NANOS;
        throw new IOException(last.getMessage() + " (after " + attempts + " attempt" + (attempts == 1 ? "" : "s") + ")", last);
    }

    /**
     * One request and its whole answer within the timeout. {@link HttpRequest#timeout} covers only the wait for the
     * headers: a registry that sends them and then stalls mid-body would otherwise hold the node for ever.
     */
    private HttpResponse<byte[]> exchange(HttpRequest req) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> answer = client.sendAsync(req, info -> limitedBody(MAX_ANSWER_BYTES));
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new HttpTimeoutException("no complete answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException && !(cause instanceof Refused) && cause.getCause() instanceof Refused r) {
                cause = r;
            }
            if (cause instanceof Refused r) {
                throw new Refused(req.method() + " " + req.uri() + ": " + r.getMessage(), r.status);
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause);
        }
    }

    /** The answer's bytes, refused once they pass {@code max}. */
    private static HttpResponse.BodySubscriber<byte[]> limitedBody(long max) {
        HttpResponse.BodySubscriber<byte[]> bytes = HttpResponse.BodySubscribers.ofByteArray();
        return new HttpResponse.BodySubscriber<>() {
            private Flow.Subscription subscription;
            private long seen;
            private boolean over;

            @Override
            public CompletionStage<byte[]> getBody() {
                return bytes.getBody();
            }

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                bytes.onSubscribe(s);
            }

            @Override
            public void onNext(List<ByteBuffer> items) {
                if (over) {
                    return;
                }
                for (ByteBuffer b : items) {
                    seen += b.remaining();
                }
                if (seen > max) {
                    over = true;
                    subscription.cancel();
                    bytes.onError(new Refused("answer larger than " + max + " bytes, refused", 200));
                    return;
                }
                bytes.onNext(items);
            }

            @Override
            public void onError(Throwable t) {
                if (!over) {
                    bytes.onError(t);
                }
            }

            @Override
            public void onComplete() {
                if (!over) {
                    bytes.onComplete();
                }
            }
        };
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
