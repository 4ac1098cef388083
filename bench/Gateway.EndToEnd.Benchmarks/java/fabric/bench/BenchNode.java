package fabric.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;

/**
 * The JVM a benchmark debugs: a few idle threads with a stack a few frames deep (like an application server's pool),
 * a "hot" thread that calls {@link #observe} as fast as it can while {@link #armed} is true (the debugger sets it, so an
 * unarmed node costs no CPU), and a pool of small objects the debugger can read to make the gateway hold many IDs.
 *
 * <pre>java -cp OUT fabric.bench.BenchNode --name node-01 [--threads 8] [--pool 0] [--poll-ms 1]</pre>
 *
 * The hot thread checks {@link #armed} every {@code --poll-ms} milliseconds while unarmed: 1 where the breakpoint loop
 * runs, longer where 32 nodes share two cores and nobody arms them.
 *
 * Exits when its stdin closes, so it never outlives the benchmark that started it.
 */
public final class BenchNode {
    /** Set by the debugger (ClassType.SetValues) to start the breakpoint loop, cleared to stop it. */
    static volatile boolean armed;

    /** Objects the debugger reads with ArrayReference.GetValues to create one virtual ID per element. */
    static Object[] pool = new Object[0];

    static long sink;

    private BenchNode() {
    }

    public static void main(String[] args) {
        String name = "node";
        int threads = 8;
        int poolSize = 0;
        int pollMillis = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--name":
                    name = args[i + 1];
                    break;
                case "--threads":
                    threads = Integer.parseInt(args[i + 1]);
                    break;
                case "--pool":
                    poolSize = Integer.parseInt(args[i + 1]);
                    break;
                case "--poll-ms":
                    pollMillis = Integer.parseInt(args[i + 1]);
                    break;
                default:
                    System.err.println("BenchNode: unknown option " + args[i]);
                    System.exit(2);
            }
        }

        Object[] objects = new Object[poolSize];
        for (int i = 0; i < poolSize; i++) {
            objects[i] = new Item(i);
        }
        pool = objects;

        for (int i = 0; i < threads; i++) {
            Thread idle = new Thread(() -> idle(6), "idle-" + i);
            idle.setDaemon(true);
            idle.start();
        }

        long poll = pollMillis;
        Thread hot = new Thread(() -> hotLoop(poll), "hot");
        hot.setDaemon(true);
        hot.start();

        System.out.println("bench node " + name + " ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            while (in.readLine() != null) {
                // Any line is ignored; EOF ends the node.
            }
        } catch (IOException e) {
            // Same as EOF.
        }
        System.exit(0);
    }

    /** Parks a few frames deep so ThreadReference.Frames has something to return. */
    private static void idle(int depth) {
        if (depth > 0) {
            idle(depth - 1);
            return;
        }
        while (true) {
            LockSupport.park();
        }
    }

    private static void hotLoop(long pollMillis) {
        int i = 0;
        while (true) {
            if (armed) {
                sink += hit(i++);
            } else {
                try {
                    Thread.sleep(pollMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    static int hit(int i) {
        long doubled = i * 2L;
        String label = "hit-" + i;
        Item item = new Item(i);
        return observe(i, doubled, label, item);
    }

    /** The breakpoint target: its arguments are the locals the debugger reads. */
    static int observe(int i, long doubled, String label, Item item) {
        return (int) (doubled + label.length() + item.value - i);
    }

    static final class Item {
        final int value;

        Item(int value) {
            this.value = value;
        }
    }
}
