package fabric.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One node of the demo cluster.
 *
 * <pre>java -cp OUT fabric.demo.DemoNode --name node-a --port 7101 --peers 127.0.0.1:7102,127.0.0.1:7103</pre>
 *
 * Threads: "peer-server" (answers peers), "worker" (creates and processes orders) and
 * "control" (reads commands from stdin: "late", "uncaught", "exit"; exits on EOF so a node never
 * outlives the process that started it).
 */
public final class DemoNode {
    private DemoNode() {
    }

    public static void main(String[] args) throws IOException {
        String name = "node";
        int port = 0;
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (i + 1 >= args.length) {
                usage("missing value for " + arg);
            }
            String value = args[++i];
            switch (arg) {
                case "--name":
                    name = value;
                    break;
                case "--port":
                    port = Integer.parseInt(value);
                    break;
                case "--peers":
                    for (String peer : value.split(",")) {
                        if (!peer.isBlank()) {
                            peers.add(peer.trim());
                        }
                    }
                    break;
                default:
                    usage("unknown option " + arg);
            }
        }

        OrderService.homeNode = name;
        OrderService service = new OrderService(name);
        PeerServer server = new PeerServer(port, service);
        server.start();

        Thread worker = new Thread(new Worker(name, service, peers), "worker");
        worker.start();

        String nodeName = name;
        Thread control = new Thread(() -> controlLoop(nodeName), "control");
        control.start();

        System.out.println("node " + name + " ready");
        System.out.flush();
    }

    private static void controlLoop(String nodeName) {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (true) {
            String line;
            try {
                line = in.readLine();
            } catch (IOException e) {
                line = null;
            }
            if (line == null) {
                // Orphan guard: our parent closed stdin or died.
                System.out.println("node " + nodeName + " stdin closed, exiting");
                System.out.flush();
                System.exit(0);
            }
            switch (line.trim()) {
                case "late":
                    runLateTask(nodeName);
                    break;
                case "uncaught":
                    throwUncaught(nodeName);
                    break;
                case "exit":
                    System.out.println("node " + nodeName + " exiting");
                    System.out.flush();
                    System.exit(0);
                    break;
                case "":
                    break;
                default:
                    System.out.println("control: unknown command '" + line.trim() + "'");
                    System.out.flush();
            }
        }
    }

    /**
     * A short-lived thread "uncaught" ends with an exception nobody catches, for uncaught-exception breakpoints (the
     * control command "uncaught", and debuggers that invoke this method).
     */
    private static void throwUncaught(String nodeName) {
        Thread thread = new Thread(() -> {
            throw new IllegalArgumentException("uncaught on " + nodeName);
        }, "uncaught");
        thread.start();
    }

    /** Loads LateTask by name only now, so its ClassPrepare event happens on demand. */
    private static void runLateTask(String nodeName) {
        try {
            Class<?> lateTask = Class.forName("fabric.demo.LateTask");
            Method run = lateTask.getMethod("run", String.class);
            run.invoke(null, nodeName);
            System.out.println("control: late done");
        } catch (ReflectiveOperationException e) {
            System.out.println("control: late failed: " + e);
        }
        System.out.flush();
    }

    private static void usage(String problem) {
        System.err.println("DemoNode: " + problem);
        System.err.println("usage: DemoNode --name <name> --port <port> [--peers host:port,host:port]");
        System.exit(2);
    }
}
