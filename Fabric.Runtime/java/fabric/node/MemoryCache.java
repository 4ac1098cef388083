package fabric.node;

import java.util.LinkedHashMap;
import java.util.Map;

/** L1: verified blob bytes in memory, least recently used dropped past a byte budget. */
final class MemoryCache {
    private final long maxBytes;
    private long bytes;
    private final LinkedHashMap<String, byte[]> map = new LinkedHashMap<>(256, 0.75f, true);

    MemoryCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized byte[] get(String id) {
        return map.get(id);
    }

    synchronized boolean contains(String id) {
        return map.containsKey(id);
    }

    synchronized void put(String id, byte[] value) {
        if (value.length > maxBytes) {
            return;
        }
        byte[] old = map.put(id, value);
        if (old != null) {
            bytes -= old.length;
        }
        bytes += value.length;
        var it = map.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, byte[]> eldest = it.next();
            bytes -= eldest.getValue().length;
            it.remove();
        }
    }
}
