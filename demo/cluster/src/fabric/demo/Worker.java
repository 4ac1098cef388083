package fabric.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The "worker" thread: every 300 ms it creates an order, processes it locally, then forwards it
 * to the next peer (round robin). Peer failures are reported once per peer and never fatal.
 */
final class Worker implements Runnable {
    private static final String[] CUSTOMERS = { "alice", "bob", "carol", "dave" };

    private final String nodeName;
    private final OrderService service;
    private final List<String> peers;
    private final Set<String> failedPeers = new HashSet<>();
    private int nextPeer;

    Worker(String nodeName, OrderService service, List<String> peers) {
        this.nodeName = nodeName;
        this.service = service;
        this.peers = peers;
    }

    @Override
    public void run() {
        int iteration = 0;
        while (true) {
            iteration++;
            Order order = newOrder(iteration);
            try {
                service.process(order);
            } catch (IllegalStateException e) {
                System.out.println("worker: " + e.getMessage());
                System.out.flush();
            }
            if (!peers.isEmpty()) {
                sendToNextPeer(order);
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Order newOrder(int iteration) {
        String id = nodeName + "-" + iteration;
        int quantity = 1 + iteration % 9;
        long[] history = { iteration - 2L, iteration - 1L, iteration };
        Customer customer = new Customer(CUSTOMERS[iteration % CUSTOMERS.length]);
        return new Order(id, quantity, history, customer);
    }

    private void sendToNextPeer(Order order) {
        String peer = peers.get(nextPeer);
        nextPeer = (nextPeer + 1) % peers.size();
        try {
            send(peer, order);
        } catch (IOException | RuntimeException e) {
            if (failedPeers.add(peer)) {
                System.out.println("worker: cannot reach peer " + peer + ": " + e);
                System.out.flush();
            }
        }
    }

    private static void send(String peer, Order order) throws IOException {
        int colon = peer.lastIndexOf(':');
        String host = peer.substring(0, colon);
        int port = Integer.parseInt(peer.substring(colon + 1));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            socket.setSoTimeout(5000);
            PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.println("order " + order.id + " " + order.quantity);
            String reply = in.readLine();
            if (reply == null || !reply.startsWith("ok ")) {
                throw new IOException("unexpected reply: " + reply);
            }
        }
    }
}
