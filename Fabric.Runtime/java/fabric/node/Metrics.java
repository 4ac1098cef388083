package fabric.node;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of one node, written in the Prometheus text format (names in docs/fabric.md). */
final class Metrics {
    static final String L1 = "l1";
    static final String L2 = "l2";
    static final String REGISTRY = "registry";
    static final String PEER = "peer";

    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();

    private void add(String series, long delta) {
        counters.computeIfAbsent(series, k -> new AtomicLong()).addAndGet(delta);
    }

    // Resolutions are counted for every class: their counters are looked up once, not built per call.
    private final Map<String, AtomicLong> hits = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> misses = new ConcurrentHashMap<>();

    void hit(String level) {
        hits.computeIfAbsent(level, l -> counter("fabric_node_resolutions_total{level=\"" + l + "\",result=\"hit\"}"))
                .incrementAndGet();
    }

    void miss(String level) {
        misses.computeIfAbsent(level, l -> counter("fabric_node_resolutions_total{level=\"" + l + "\",result=\"miss\"}"))
                .incrementAndGet();
    }

    private final AtomicLong classesDefined = counter("fabric_node_classes_defined_total");

    private AtomicLong counter(String series) {
        return counters.computeIfAbsent(series, k -> new AtomicLong());
    }

    /** One HTTP exchange that brought blob bytes (a single GET or a batch). */
    void fetched(String source, long nanos, long bytes, int blobs) {
        add("fabric_node_fetch_requests_total{source=\"" + source + "\"}", 1);
        add("fabric_node_fetch_seconds_sum_ns{source=\"" + source + "\"}", nanos);
        add("fabric_node_fetch_bytes_total{source=\"" + source + "\"}", bytes);
        add("fabric_node_fetch_blobs_total{source=\"" + source + "\"}", blobs);
    }

    void retry(String source) {
        add("fabric_node_fetch_retries_total{source=\"" + source + "\"}", 1);
    }

    void verificationFailure(String source) {
        add("fabric_node_verification_failures_total{source=\"" + source + "\"}", 1);
    }

    void classDefined() {
        classesDefined.incrementAndGet();
    }

    void preloaded(int blobs) {
        add("fabric_node_preloaded_blobs_total", blobs);
    }

    void prefetched(int blobs) {
        add("fabric_node_prefetched_blobs_total", blobs);
    }

    long get(String series) {
        AtomicLong v = counters.get(series);
        return v == null ? 0 : v.get();
    }

    String render() {
        TreeMap<String, Long> sorted = new TreeMap<>();
        counters.forEach((k, v) -> sorted.put(k, v.get()));
        StringBuilder s = new StringBuilder();
        String lastFamily = null;
        for (Map.Entry<String, Long> e : sorted.entrySet()) {
            String series = e.getKey();
            long value = e.getValue();
            boolean nanos = series.startsWith("fabric_node_fetch_seconds_sum_ns");
            if (nanos) {
                series = "fabric_node_fetch_seconds_sum" + series.substring("fabric_node_fetch_seconds_sum_ns".length());
            }
            int brace = series.indexOf('{');
            String family = brace < 0 ? series : series.substring(0, brace);
            if (family.equals("fabric_node_fetch_seconds_sum")) {
                family = "fabric_node_fetch_seconds";
            }
            if (!family.equals(lastFamily)) {
                s.append("# TYPE ").append(family).append(family.equals("fabric_node_fetch_seconds") ? " summary" : " counter")
                        .append('\n');
                lastFamily = family;
            }
            s.append(series).append(' ');
            s.append(nanos ? Double.toString(value / 1e9) : Long.toString(value)).append('\n');
            if (nanos) {
                // The summary's count is the number of requests, kept under its own counter.
                String labels = series.substring("fabric_node_fetch_seconds_sum".length());
                s.append("fabric_node_fetch_seconds_count").append(labels).append(' ')
                        .append(get("fabric_node_fetch_requests_total" + labels)).append('\n');
            }
        }
        return s.toString();
    }
}
