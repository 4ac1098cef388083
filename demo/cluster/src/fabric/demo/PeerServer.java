package fabric.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Accepts peer connections on 127.0.0.1:port. Each connection carries one request line,
 * "order <id> <quantity>", answered with "ok <total>" (or "error <reason>").
 * Requests are handled one at a time on the "peer-server" thread itself.
 */
final class PeerServer {
    private final ServerSocket serverSocket;
    private final OrderService service;

    PeerServer(int port, OrderService service) throws IOException {
        this.serverSocket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        this.service = service;
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    void start() {
        Thread thread = new Thread(this::acceptLoop, "peer-server");
        thread.start();
    }

    private void acceptLoop() {
        while (true) {
            try (Socket socket = serverSocket.accept()) {
                socket.setSoTimeout(5000);
                serve(socket);
            } catch (IOException e) {
                System.out.println("peer-server: " + e.getMessage());
                System.out.flush();
            }
        }
    }

    private void serve(Socket socket) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
        String line = in.readLine();
        if (line == null) {
            return;
        }
        String[] words = line.trim().split("\\s+");
        if (words.length != 3 || !words[0].equals("order")) {
            out.println("error expected: order <id> <quantity>");
            return;
        }
        int quantity;
        try {
            quantity = Integer.parseInt(words[2]);
        } catch (NumberFormatException e) {
            out.println("error bad quantity");
            return;
        }
        Order order = new Order(words[1], quantity, new long[3], new Customer("peer"));
        int total = service.handle(order);
        out.println("ok " + total);
    }
}
