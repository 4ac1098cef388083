package fabric.bench;

import com.sun.jdi.ArrayReference;
import com.sun.jdi.Bootstrap;
import com.sun.jdi.ClassType;
import com.sun.jdi.Field;
import com.sun.jdi.LocalVariable;
import com.sun.jdi.Method;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StackFrame;
import com.sun.jdi.StringReference;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.Value;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.ClassPrepareRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.EventRequestManager;
import com.sun.jdi.request.ExceptionRequest;
import com.sun.jdi.request.ThreadDeathRequest;
import com.sun.jdi.request.ThreadStartRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The debugger side of the end-to-end benchmarks, on OpenJDK's JDI (module jdk.jdi). Each mode attaches to targets
 * given as name=host:port, interleaving them (the order rotates every iteration) so that each target sees the same
 * machine load, and prints one line per measured phase: {@code R <iteration> <target> <phase> <nanoseconds>}.
 *
 * <ul>
 * <li>{@code ide}: what an IDE does in a debugging session: attach, AllClasses, AllThreads with names, suspend and read
 * every thread's frames with their methods, a breakpoint hit N times with the frame's variables read each time,
 * dispose.</li>
 * <li>{@code attach}: what an IDE or jdb does on attach: capabilities, ThreadStart/ThreadDeath/uncaught-exception and
 * ClassPrepare requests, AllClasses, the thread groups, AllThreads with names and statuses.</li>
 * <li>{@code touch}: reads the first elements of {@code BenchNode.pool} step by step, holding every reference, printing
 * {@code TOUCHED <count>} after each step and waiting for a line on stdin before the next.</li>
 * </ul>
 */
public final class Workload {
    private static final int ATTACH_TIMEOUT_MILLIS = 10_000;

    private final AttachingConnector connector;

    private Workload() {
        AttachingConnector found = null;
        for (AttachingConnector c : Bootstrap.virtualMachineManager().attachingConnectors()) {
            if (c.name().equals("com.sun.jdi.SocketAttach")) {
                found = c;
            }
        }
        if (found == null) {
            throw new IllegalStateException("OpenJDK JDI has no com.sun.jdi.SocketAttach connector");
        }
        connector = found;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage("no mode");
        }
        String mode = args[0];
        List<String[]> targets = new ArrayList<>();
        int iterations = 10;
        int warmup = 2;
        int hits = 20;
        List<Integer> steps = new ArrayList<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--target": {
                    int eq = value.indexOf('=');
                    int colon = value.lastIndexOf(':');
                    if (eq < 0 || colon < eq) {
                        usage("target must be name=host:port: " + value);
                    }
                    targets.add(new String[] { value.substring(0, eq), value.substring(eq + 1, colon), value.substring(colon + 1) });
                    break;
                }
                case "--iterations":
                    iterations = Integer.parseInt(value);
                    break;
                case "--warmup":
                    warmup = Integer.parseInt(value);
                    break;
                case "--hits":
                    hits = Integer.parseInt(value);
                    break;
                case "--steps":
                    for (String s : value.split(",")) {
                        steps.add(Integer.parseInt(s.trim()));
                    }
                    break;
                default:
                    usage("unknown option " + args[i]);
            }
        }
        if (targets.isEmpty()) {
            usage("no --target");
        }

        Workload workload = new Workload();
        try {
            switch (mode) {
                case "ide":
                case "attach":
                    workload.interleave(mode, targets, warmup, iterations, hits);
                    break;
                case "touch":
                    workload.touch(targets.get(0), steps);
                    break;
                default:
                    usage("unknown mode " + mode);
            }
        } catch (Exception e) {
            System.out.println("ERROR " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }

    private void interleave(String mode, List<String[]> targets, int warmup, int iterations, int hits) throws Exception {
        for (int it = 0; it < warmup + iterations; it++) {
            for (int k = 0; k < targets.size(); k++) {
                String[] target = targets.get((it + k) % targets.size());
                Map<String, Long> phases = mode.equals("ide") ? ide(target, hits) : attach(target);
                if (it >= warmup) {
                    for (Map.Entry<String, Long> p : phases.entrySet()) {
                        System.out.println("R " + (it - warmup) + " " + target[0] + " " + p.getKey() + " " + p.getValue());
                    }
                    System.out.flush();
                }
                // Let the agent (and the relay or gateway in front of it) take the next debugger; not measured.
                Thread.sleep(150);
            }
        }
    }

    private Map<String, Long> ide(String[] target, int hits) throws Exception {
        Map<String, Long> phases = new LinkedHashMap<>();
        long start = System.nanoTime();
        long t = start;
        VirtualMachine vm = attachTo(target);
        t = lap(phases, "attach", t);

        List<ReferenceType> classes = vm.allClasses();
        if (classes.isEmpty()) {
            throw new IllegalStateException(target[0] + ": AllClasses returned nothing");
        }
        t = lap(phases, "allClasses", t);

        List<ThreadReference> threads = vm.allThreads();
        for (ThreadReference thread : threads) {
            thread.name();
        }
        t = lap(phases, "allThreads", t);

        vm.suspend();
        int frames = 0;
        for (ThreadReference thread : vm.allThreads()) {
            for (StackFrame frame : thread.frames()) {
                frame.location().method().name();
                frames++;
            }
        }
        vm.resume();
        if (frames == 0) {
            throw new IllegalStateException(target[0] + ": no frames in any thread");
        }
        t = lap(phases, "frames", t);

        ClassType bench = benchNode(vm, target);
        Method observe = bench.methodsByName("observe").get(0);
        Field armed = bench.fieldByName("armed");
        EventRequestManager erm = vm.eventRequestManager();
        BreakpointRequest bp = erm.createBreakpointRequest(observe.location());
        bp.setSuspendPolicy(EventRequest.SUSPEND_ALL);
        bp.enable();
        bench.setValue(armed, vm.mirrorOf(true));
        int seen = 0;
        while (seen < hits) {
            EventSet set = vm.eventQueue().remove(10_000);
            if (set == null) {
                throw new IllegalStateException(target[0] + ": no breakpoint event within 10 s after " + seen + " hits");
            }
            for (Event event : set) {
                if (event instanceof BreakpointEvent) {
                    StackFrame frame = ((BreakpointEvent) event).thread().frame(0);
                    List<LocalVariable> variables = frame.visibleVariables();
                    Map<LocalVariable, Value> values = frame.getValues(variables);
                    if (values.size() != 4) {
                        throw new IllegalStateException(target[0] + ": expected 4 variables at observe, got " + values);
                    }
                    for (Map.Entry<LocalVariable, Value> v : values.entrySet()) {
                        if (v.getValue() instanceof StringReference) {
                            ((StringReference) v.getValue()).value();
                        }
                    }
                    seen++;
                }
            }
            if (seen >= hits) {
                bench.setValue(armed, vm.mirrorOf(false));
                erm.deleteEventRequest(bp);
            }
            set.resume();
        }
        t = lap(phases, "breakpoint", t);

        vm.dispose();
        t = lap(phases, "dispose", t);
        phases.put("total", t - start);
        // The gateway's first AllClasses of a session costs what the rest does not (it identifies every class), so the
        // report also shows the session without it, per iteration.
        phases.put("total-without-allClasses", t - start - phases.get("allClasses"));
        return phases;
    }

    private Map<String, Long> attach(String[] target) throws Exception {
        Map<String, Long> phases = new LinkedHashMap<>();
        long start = System.nanoTime();
        long t = start;
        VirtualMachine vm = attachTo(target);
        vm.description();
        vm.canWatchFieldModification();
        vm.canGetMethodReturnValues();
        t = lap(phases, "attach", t);

        EventRequestManager erm = vm.eventRequestManager();
        ThreadStartRequest threadStart = erm.createThreadStartRequest();
        threadStart.setSuspendPolicy(EventRequest.SUSPEND_NONE);
        threadStart.enable();
        ThreadDeathRequest threadDeath = erm.createThreadDeathRequest();
        threadDeath.setSuspendPolicy(EventRequest.SUSPEND_NONE);
        threadDeath.enable();
        ExceptionRequest uncaught = erm.createExceptionRequest(null, false, true);
        uncaught.setSuspendPolicy(EventRequest.SUSPEND_ALL);
        uncaught.enable();
        for (String pattern : new String[] { "com.example.web.*", "com.example.service.OrderService", "fabric.bench.Late*" }) {
            ClassPrepareRequest prepare = erm.createClassPrepareRequest();
            prepare.addClassFilter(pattern);
            prepare.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            prepare.enable();
        }
        t = lap(phases, "requests", t);

        if (vm.allClasses().isEmpty()) {
            throw new IllegalStateException(target[0] + ": AllClasses returned nothing");
        }
        t = lap(phases, "allClasses", t);

        vm.topLevelThreadGroups();
        for (ThreadReference thread : vm.allThreads()) {
            thread.name();
            thread.status();
        }
        t = lap(phases, "allThreads", t);
        phases.put("total", t - start);

        vm.dispose();
        return phases;
    }

    private void touch(String[] target, List<Integer> steps) throws Exception {
        VirtualMachine vm = attachTo(target);
        ClassType bench = benchNode(vm, target);
        ArrayReference pool = (ArrayReference) bench.getValue(bench.fieldByName("pool"));
        List<Value> held = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (int step : steps) {
            if (step > pool.length()) {
                throw new IllegalStateException("pool has " + pool.length() + " elements, step asks for " + step);
            }
            while (held.size() < step) {
                int count = Math.min(50_000, step - held.size());
                held.addAll(pool.getValues(held.size(), count));
            }
            System.out.println("TOUCHED " + held.size());
            System.out.flush();
            if (in.readLine() == null) {
                break;
            }
        }
        if (held.stream().anyMatch(v -> v == null)) {
            throw new IllegalStateException("a pool element was null");
        }
        vm.dispose();
    }

    private static ClassType benchNode(VirtualMachine vm, String[] target) {
        List<ReferenceType> found = vm.classesByName("fabric.bench.BenchNode");
        if (found.isEmpty()) {
            throw new IllegalStateException(target[0] + ": fabric.bench.BenchNode is not loaded");
        }
        return (ClassType) found.get(0);
    }

    /** Attaches, retrying a refused connection for up to 10 s (the previous debugger's detach may still be running). */
    private VirtualMachine attachTo(String[] target) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            Map<String, Connector.Argument> args = connector.defaultArguments();
            args.get("hostname").setValue(target[1]);
            args.get("port").setValue(target[2]);
            args.get("timeout").setValue(Integer.toString(ATTACH_TIMEOUT_MILLIS));
            try {
                return connector.attach(args);
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(target[0] + ": cannot attach to " + target[1] + ":" + target[2], e);
                }
                Thread.sleep(50);
            }
        }
    }

    private static long lap(Map<String, Long> phases, String name, long since) {
        long now = System.nanoTime();
        phases.put(name, now - since);
        return now;
    }

    private static void usage(String problem) {
        System.err.println("Workload: " + problem);
        System.err.println("usage: Workload ide|attach|touch --target name=host:port [--target ...] [--iterations N]"
                + " [--warmup N] [--hits N] [--steps a,b,c]");
        System.exit(2);
    }
}
