package fabric.jdiclient;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Command line: --jdi openjdk|eclipse --attach host:port --scenario NAME [--timeout-seconds 60] [--expect-nodes N]
 * [--target-node NAME] [--class-file PATH] [--marker name=line]...
 */
final class Options {
    String jdi;
    String host;
    int port;
    String scenario;
    int timeoutSeconds = 60;
    int expectNodes = 1;
    /** The node a cluster-changing scenario acts on (the test loads a class there, kills it or starts it). */
    String targetNode;
    /** A class file for the redefine scenario (the demo's OrderService with a changed compute()). */
    String classFile;
    /** Source marker lines of the demo (process-entry, process-compute, compute-body), passed by the test. */
    final Map<String, Integer> markers = new LinkedHashMap<>();

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + arg);
            }
            String value = args[++i];
            switch (arg) {
                case "--jdi":
                    if (!value.equals("openjdk") && !value.equals("eclipse")) {
                        throw new IllegalArgumentException("--jdi must be openjdk or eclipse, not " + value);
                    }
                    o.jdi = value;
                    break;
                case "--attach": {
                    int colon = value.lastIndexOf(':');
                    if (colon <= 0) {
                        throw new IllegalArgumentException("--attach expects host:port, not " + value);
                    }
                    o.host = value.substring(0, colon);
                    o.port = Integer.parseInt(value.substring(colon + 1));
                    break;
                }
                case "--scenario":
                    o.scenario = value;
                    break;
                case "--timeout-seconds":
                    o.timeoutSeconds = Integer.parseInt(value);
                    break;
                case "--expect-nodes":
                    o.expectNodes = Integer.parseInt(value);
                    break;
                case "--target-node":
                    o.targetNode = value;
                    break;
                case "--class-file":
                    o.classFile = value;
                    break;
                case "--marker": {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--marker expects name=line, not " + value);
                    }
                    o.markers.put(value.substring(0, eq), Integer.parseInt(value.substring(eq + 1)));
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (o.jdi == null || o.host == null || o.scenario == null) {
            throw new IllegalArgumentException("--jdi, --attach and --scenario are required");
        }
        return o;
    }

    static String usage() {
        return "usage: fabric.jdiclient.Main --jdi openjdk|eclipse --attach host:port --scenario NAME"
                + " [--timeout-seconds 60] [--expect-nodes N] [--target-node NAME] [--class-file PATH] [--marker process-entry=LINE]..."
                + "\nscenarios: "
                + String.join(", ", Scenarios.NAMES);
    }
}
