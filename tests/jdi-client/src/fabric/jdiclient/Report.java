package fabric.jdiclient;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Prints one JSON object per line on stdout: a line per check, {"check":"...","ok":true,"detail":"..."}, and at the end
 * {"scenario":"...","passed":N,"failed":M}. Thread-safe: the watchdog may report while the scenario thread still runs.
 */
final class Report {
    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private int passed;
    private int failed;
    private boolean closed;

    /** What the scenario is doing right now, for the watchdog and for timeouts. */
    volatile String step = "starting";

    synchronized void check(String name, boolean ok, String detail) {
        if (closed) {
            return;
        }
        if (ok) {
            passed++;
        } else {
            failed++;
        }
        out.println("{\"check\":" + quote(name) + ",\"ok\":" + ok + ",\"detail\":" + quote(detail == null ? "" : detail) + "}");
    }

    /**
     * Asks the test driving this client to act on the cluster ("late", "kill", "join"): one line {"signal":"name"}. The
     * client does not wait for an answer: the events the action causes are what it waits for.
     */
    synchronized void signal(String name) {
        out.println("{\"signal\":" + quote(name) + "}");
        out.flush();
    }

    void pass(String name, String detail) {
        check(name, true, detail);
    }

    void fail(String name, String detail) {
        check(name, false, detail);
    }

    synchronized int failed() {
        return failed;
    }

    synchronized int passed() {
        return passed;
    }

    /** Prints the summary line once; later checks are ignored. Returns the exit code: 0 only if all passed. */
    synchronized int summary(String scenario) {
        if (!closed) {
            closed = true;
            out.println("{\"scenario\":" + quote(scenario) + ",\"passed\":" + passed + ",\"failed\":" + failed + "}");
            out.flush();
        }
        return failed == 0 && passed > 0 ? 0 : 1;
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }
}
