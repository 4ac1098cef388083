package fabric.demo;

/**
 * The business logic. Lines ending in an "at-bp:name" marker comment are breakpoint targets
 * that the end-to-end tests locate by scanning this file; keep each one a single statement.
 */
public final class OrderService {
    /**
     * The node this JVM runs as, set once by DemoNode.main: a static field whose value differs per node although the
     * class (same bytes) is one type to a debugger of the whole cluster.
     */
    static String homeNode;

    private final String nodeName;
    private int processed;
    private int received;

    OrderService(String nodeName) {
        this.nodeName = nodeName;
    }

    /** Called by the "worker" thread for every locally created order. Every 5th call is rejected. */
    public int process(Order order) {
        int total = order.quantity * 10; // @bp:process-entry
        String label = nodeName + ":" + order.id;
        int[] parts = new int[] { total, order.quantity, label.length() };
        total = total + compute(order.quantity); // @bp:process-compute
        processed++;
        if (processed % 5 == 0) {
            throw new IllegalStateException("rejected " + order.id);
        }
        parts[0] = total;
        return parts[0];
    }

    /** Called by the "peer-server" thread for every order a peer sends us. */
    public int handle(Order order) {
        int total = order.quantity * 10 + compute(order.quantity); // @bp:handle
        received++;
        return total;
    }

    int compute(int quantity) {
        int bonus = quantity % 7; // @bp:compute-body
        return bonus * 3 + 1;
    }

    /** A static method with a string argument for debuggers to invoke: the answer names the node that ran it. */
    static String tag(String text) {
        return text + "@" + homeNode;
    }

    int processedCount() {
        return processed;
    }

    int receivedCount() {
        return received;
    }
}
