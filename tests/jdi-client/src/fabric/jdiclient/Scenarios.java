package fabric.jdiclient;

import com.sun.jdi.AbsentInformationException;
import com.sun.jdi.ArrayReference;
import com.sun.jdi.ArrayType;
import com.sun.jdi.ClassType;
import com.sun.jdi.Field;
import com.sun.jdi.IntegerValue;
import com.sun.jdi.InternalException;
import com.sun.jdi.LocalVariable;
import com.sun.jdi.Location;
import com.sun.jdi.Method;
import com.sun.jdi.ObjectReference;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StackFrame;
import com.sun.jdi.StringReference;
import com.sun.jdi.ThreadGroupReference;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.Value;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.AccessWatchpointEvent;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ClassPrepareEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.ExceptionEvent;
import com.sun.jdi.event.MethodEntryEvent;
import com.sun.jdi.event.MethodExitEvent;
import com.sun.jdi.event.ModificationWatchpointEvent;
import com.sun.jdi.event.StepEvent;
import com.sun.jdi.event.ThreadDeathEvent;
import com.sun.jdi.event.ThreadStartEvent;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.request.AccessWatchpointRequest;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.ClassPrepareRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.EventRequestManager;
import com.sun.jdi.request.ExceptionRequest;
import com.sun.jdi.request.MethodEntryRequest;
import com.sun.jdi.request.MethodExitRequest;
import com.sun.jdi.request.ModificationWatchpointRequest;
import com.sun.jdi.request.StepRequest;
import com.sun.jdi.request.ThreadDeathRequest;
import com.sun.jdi.request.ThreadStartRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scenarios, written against the demo app (demo/cluster/src/fabric/demo). Through the gateway, thread names carry a
 * "[node-x] " prefix; attached directly to one node they do not. The node a value comes from is known independently
 * from OrderService.nodeName and from Order.id ("node-a-17"), so every check compares the three.
 */
final class Scenarios {
    static final List<String> NAMES = List.of("attach-walk", "breakpoint-every-node", "step", "invoke", "exceptions",
            "watchpoints", "method-entry-exit", "thread-start-death", "suspend-all", "interleaved-hits", "dispose-leaving-breakpoint",
            "reattach-clean", "late-class-one-node", "node-killed", "node-joins", "redefine", "uncaught-exception",
            "thread-suspend-resume", "inspect");

    static final String ORDER_SERVICE = "fabric.demo.OrderService";
    static final String ORDER = "fabric.demo.Order";
    static final String WORKER = "fabric.demo.Worker";
    static final String ISE = "java.lang.IllegalStateException";
    static final String LATE_TASK = "fabric.demo.LateTask";
    static final String LABELLED = "fabric.demo.Labelled";
    static final Set<String> NODE_THREADS = new LinkedHashSet<>(List.of("worker", "peer-server", "control"));

    private static final Pattern PREFIX = Pattern.compile("^\\[([^\\]]+)\\] (.*)$", Pattern.DOTALL);
    private static final Pattern PROBE = Pattern.compile("jdi-probe-(\\S+)$");
    private static final int MAX_HITS = 24;

    private final VirtualMachine vm;
    private final Options options;
    private final Report report;
    private final Events events;
    private final EventRequestManager erm;

    Scenarios(VirtualMachine vm, Options options, Report report, long deadline) {
        this.vm = vm;
        this.options = options;
        this.report = report;
        this.events = new Events(vm, report, deadline);
        this.erm = vm.eventRequestManager();
    }

    void run(String name) throws Exception {
        switch (name) {
            case "attach-walk":
                attachWalk();
                break;
            case "breakpoint-every-node":
                breakpointEveryNode();
                break;
            case "step":
                step();
                break;
            case "invoke":
                invoke();
                break;
            case "exceptions":
                exceptions();
                break;
            case "watchpoints":
                watchpoints();
                break;
            case "method-entry-exit":
                methodEntryExit();
                break;
            case "thread-start-death":
                threadStartDeath();
                break;
            case "suspend-all":
                suspendAll();
                break;
            case "interleaved-hits":
                interleavedHits();
                break;
            case "dispose-leaving-breakpoint":
                disposeLeavingBreakpoint();
                break;
            case "reattach-clean":
                reattachClean();
                break;
            case "late-class-one-node":
                lateClassOneNode();
                break;
            case "node-killed":
                nodeKilled();
                break;
            case "node-joins":
                nodeJoins();
                break;
            case "redefine":
                redefine();
                break;
            case "uncaught-exception":
                uncaughtException();
                break;
            case "thread-suspend-resume":
                threadSuspendResume();
                break;
            case "inspect":
                inspect();
                break;
            default:
                throw new IllegalArgumentException("unknown scenario " + name);
        }
    }

    // ------------------------------------------------------------------------------------------------ attach-walk

    private void attachWalk() {
        vmIdentity();

        // Every thread: name, status, group.
        Probe readable = new Probe(report, "allThreads: name, status and threadGroup of every thread readable");
        long t0 = System.nanoTime();
        List<ThreadReference> threads = readable.get("vm.allThreads()", vm::allThreads);
        readable.fact("allThreads in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        Map<ThreadReference, String> names = new LinkedHashMap<>();
        Map<ThreadReference, ThreadGroupReference> groupOf = new HashMap<>();
        if (threads != null) {
            readable.expect(!threads.isEmpty(), "no threads");
            for (ThreadReference t : threads) {
                readable.attempt("thread " + t.uniqueID(), () -> {
                    String n = t.name();
                    int status = t.status();
                    ThreadGroupReference g = t.threadGroup();
                    names.put(t, n);
                    if (g == null) {
                        readable.expect(status == ThreadReference.THREAD_STATUS_ZOMBIE, "live thread '" + n + "' has no group");
                    } else {
                        groupOf.put(t, g);
                    }
                    readable.expect(status >= ThreadReference.THREAD_STATUS_UNKNOWN && status <= ThreadReference.THREAD_STATUS_WAIT,
                            "thread '" + n + "' has status " + status);
                });
            }
            readable.fact(threads.size() + " threads: " + String.join(", ", new TreeSet<>(names.values())));
        }
        readable.done();

        // Node prefixes.
        Probe prefixes = new Probe(report, "thread names carry one [node] prefix per node (expect-nodes " + options.expectNodes + ")");
        Map<String, Set<String>> byNode = new TreeMap<>();
        int unprefixed = 0;
        for (String n : names.values()) {
            Matcher m = PREFIX.matcher(n);
            if (m.matches()) {
                byNode.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            } else {
                unprefixed++;
                byNode.computeIfAbsent("", k -> new TreeSet<>()).add(n);
            }
        }
        Set<String> nodes = new TreeSet<>(byNode.keySet());
        nodes.remove("");
        if (options.expectNodes >= 2) {
            prefixes.expect(nodes.size() >= options.expectNodes, "distinct prefixes " + nodes + ", fewer than " + options.expectNodes);
            prefixes.expect(unprefixed == 0, unprefixed + " thread(s) without a [node] prefix: " + byNode.get(""));
        } else {
            prefixes.expect(nodes.size() <= 1, "several prefixes " + nodes + " with --expect-nodes 1");
            prefixes.expect(nodes.isEmpty() || unprefixed == 0, "some threads prefixed " + nodes + ", " + unprefixed + " not");
        }
        for (Map.Entry<String, Set<String>> e : byNode.entrySet()) {
            for (String required : NODE_THREADS) {
                prefixes.expect(e.getValue().contains(required),
                        "node '" + (e.getKey().isEmpty() ? "(no prefix)" : e.getKey()) + "' has no thread '" + required + "'");
            }
        }
        prefixes.fact("nodes " + (nodes.isEmpty() ? "(no prefix)" : nodes.toString()) + ", unprefixed threads " + unprefixed);
        prefixes.done();

        // Thread group tree.
        Probe top = new Probe(report, "topLevelThreadGroups: exactly one");
        List<ThreadGroupReference> tops = top.get("vm.topLevelThreadGroups()", vm::topLevelThreadGroups);
        if (tops != null) {
            List<String> topNames = new ArrayList<>();
            for (ThreadGroupReference g : tops) {
                topNames.add(top.get("name of top-level group", g::name));
            }
            top.expect(tops.size() == 1, tops.size() + " top-level groups: " + topNames);
            top.fact("top-level groups " + topNames);
        }
        top.done();

        Probe tree = new Probe(report, "thread group tree: every thread in exactly one group, parents consistent");
        Map<ThreadReference, List<String>> foundIn = new LinkedHashMap<>();
        Map<ThreadReference, ThreadGroupReference> foundGroup = new HashMap<>();
        Set<ThreadGroupReference> visited = new LinkedHashSet<>();
        if (tops != null) {
            for (ThreadGroupReference g : tops) {
                tree.attempt("parent of top-level group", () -> tree.expect(g.parent() == null, "top-level group '" + g.name() + "' has parent " + g.parent()));
                walk(tree, g, "", 0, visited, foundIn, foundGroup);
            }
        }
        if (threads != null) {
            List<ThreadReference> now = tree.get("vm.allThreads() again", vm::allThreads);
            Set<ThreadReference> liveNow = now == null ? Set.of() : new LinkedHashSet<>(now);
            for (ThreadReference t : threads) {
                List<String> where = foundIn.get(t);
                String n = names.getOrDefault(t, "#" + t.uniqueID());
                if (where == null) {
                    // A thread that ended meanwhile is not in any group; one that still lives must be.
                    tree.expect(!liveNow.contains(t) || isZombie(t), "thread '" + n + "' is in no group of the tree");
                } else {
                    tree.expect(where.size() == 1, "thread '" + n + "' is in " + where.size() + " groups: " + where);
                    ThreadGroupReference reported = groupOf.get(t);
                    ThreadGroupReference found = foundGroup.get(t);
                    tree.expect(reported == null || reported.equals(found), "thread '" + n + "'.threadGroup() is '" + safeName(reported)
                            + "' but the tree lists it under '" + safeName(found) + "'");
                }
            }
            for (ThreadReference t : foundIn.keySet()) {
                // A thread started meanwhile is in the second allThreads; one in neither (and alive) is a phantom.
                tree.expect(threads.contains(t) || liveNow.contains(t) || isZombie(t),
                        "thread '" + safeThreadName(t) + "' is in the tree but in no allThreads()");
            }
        }
        tree.fact(visited.size() + " groups, " + foundIn.size() + " threads in the tree");
        List<String> groupNames = new ArrayList<>();
        for (ThreadGroupReference g : visited) {
            groupNames.add(safeName(g));
        }
        tree.fact("groups " + groupNames);
        tree.done();

        // Classes.
        Probe classes = new Probe(report, "allClasses: " + ORDER_SERVICE + " exactly once");
        t0 = System.nanoTime();
        List<ReferenceType> all = classes.get("vm.allClasses()", vm::allClasses);
        long allClassesMillis = (System.nanoTime() - t0) / 1_000_000;
        ReferenceType fromAll = null;
        if (all != null) {
            int count = 0;
            for (ReferenceType t : all) {
                if (t.name().equals(ORDER_SERVICE)) {
                    count++;
                    fromAll = t;
                }
            }
            classes.expect(count == 1, count + " entries named " + ORDER_SERVICE);
            classes.fact(all.size() + " classes in " + allClassesMillis + " ms, " + count + " " + ORDER_SERVICE);
        }
        classes.done();

        Probe byName = new Probe(report, "classesByName");
        List<ReferenceType> os = byName.get("classesByName(" + ORDER_SERVICE + ")", () -> vm.classesByName(ORDER_SERVICE));
        if (os != null) {
            byName.expect(os.size() == 1, os.size() + " types named " + ORDER_SERVICE);
            if (os.size() == 1 && fromAll != null) {
                byName.expect(os.get(0).equals(fromAll), "classesByName and allClasses give different mirrors of " + ORDER_SERVICE);
            }
            if (!os.isEmpty()) {
                ReferenceType t = os.get(0);
                byName.attempt("methods of " + ORDER_SERVICE, () -> {
                    Set<String> methods = new TreeSet<>();
                    for (Method m : t.methods()) {
                        methods.add(m.name());
                    }
                    for (String required : List.of("process", "handle", "compute")) {
                        byName.expect(methods.contains(required), ORDER_SERVICE + " has no method " + required + " (has " + methods + ")");
                    }
                    byName.fact(ORDER_SERVICE + " methods " + methods);
                });
            }
        }
        List<ReferenceType> strings = byName.get("classesByName(java.lang.String)", () -> vm.classesByName("java.lang.String"));
        if (strings != null) {
            byName.expect(strings.size() == 1, strings.size() + " types named java.lang.String");
        }
        List<ReferenceType> none = byName.get("classesByName(no.such.Type)", () -> vm.classesByName("no.such.Type"));
        if (none != null) {
            byName.expect(none.isEmpty(), "classesByName(no.such.Type) gave " + none.size() + " types");
        }
        byName.done();
    }

    /** The virtual VM's name, version and description (the version is the lowest node's: JDI enables features by it). */
    private void vmIdentity() {
        Probe id = new Probe(report, "vm identity");
        id.attempt("name/version/description", () -> {
            String version = vm.version();
            String name = vm.name();
            String description = vm.description();
            id.expect(version != null && !version.isEmpty(), "empty vm.version()");
            id.expect(name != null && !name.isEmpty(), "empty vm.name()");
            id.fact("name=" + name);
            id.fact("version=" + version);
            id.fact("description=" + (description == null ? "null" : description.replace('\n', ' ')));
        });
        id.done();
    }

    private void walk(Probe tree, ThreadGroupReference g, String path, int depth, Set<ThreadGroupReference> visited,
            Map<ThreadReference, List<String>> foundIn, Map<ThreadReference, ThreadGroupReference> foundGroup) {
        if (depth > 32) {
            tree.problem("thread group tree deeper than 32 under " + path);
            return;
        }
        String name = tree.get("group name", g::name);
        String here = path + "/" + name;
        if (!visited.add(g)) {
            tree.problem("group '" + here + "' reached twice (cycle or two parents)");
            return;
        }
        List<ThreadReference> threads = tree.get("threads() of " + here, g::threads);
        if (threads != null) {
            for (ThreadReference t : threads) {
                foundIn.computeIfAbsent(t, k -> new ArrayList<>()).add(here);
                foundGroup.put(t, g);
            }
        }
        List<ThreadGroupReference> children = tree.get("threadGroups() of " + here, g::threadGroups);
        if (children != null) {
            for (ThreadGroupReference c : children) {
                tree.attempt("parent() of a child of " + here, () -> {
                    ThreadGroupReference parent = c.parent();
                    tree.expect(g.equals(parent), "group '" + safeName(c) + "' is a child of '" + here + "' but its parent() is '"
                            + safeName(parent) + "'");
                });
                walk(tree, c, here, depth + 1, visited, foundIn, foundGroup);
            }
        }
    }

    // ---------------------------------------------------------------------------------------- breakpoint-every-node

    private void breakpointEveryNode() throws Exception {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        Probe set = new Probe(report, "breakpoint request at the first line of process");
        BreakpointRequest bp = set.get("createBreakpointRequest", () -> {
            List<Location> at = demo.process.locationsOfLine(demo.processEntry);
            set.expect(!at.isEmpty(), "locationsOfLine(" + demo.processEntry + ") is empty");
            BreakpointRequest r = erm.createBreakpointRequest(at.get(0));
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
            set.fact("at " + at.get(0) + " code index " + at.get(0).codeIndex());
            return r;
        });
        if (!set.done() || bp == null) {
            return;
        }

        Set<String> seen = new TreeSet<>();
        Map<String, ObjectReference> services = new TreeMap<>();
        int hits = 0;
        while (seen.size() < options.expectNodes && hits < MAX_HITS) {
            Events.Hit hit = events.await("breakpoint at process:" + demo.processEntry + " (nodes hit so far " + seen + ")",
                    e -> e instanceof BreakpointEvent && bp.equals(e.request()));
            if (hit == null) {
                break;
            }
            hits++;
            ThreadReference thread = ((BreakpointEvent) hit.event).thread();
            String node = inspectProcessFrame(thread, demo, demo.processEntry, "hit " + hits);
            if (node != null) {
                seen.add(node);
                try {
                    services.putIfAbsent(node, thread.frame(0).thisObject());
                } catch (RuntimeException | com.sun.jdi.IncompatibleThreadStateException e) {
                    report.fail("this of the frame on " + node, describe(e));
                }
            }
            hit.set.resume();
        }
        report.check("breakpoint hit on every node", seen.size() >= options.expectNodes,
                "nodes hit " + seen + " in " + hits + " hit(s), expected " + options.expectNodes);
        delete("breakpoint", bp);

        countFilter(demo);
        if (!services.isEmpty()) {
            instanceFilter(demo, services);
        }
        suspendEventThread(demo);
    }

    /** A count filter of 2 on one virtual VM: the request fires once (on the 2nd hit anywhere) and then expires. */
    private void countFilter(Demo demo) throws InterruptedException {
        BreakpointRequest bp = breakpoint(demo.process, demo.processEntry, "breakpoint with count filter 2", r -> r.addCountFilter(2));
        if (bp == null) {
            return;
        }
        Events.Hit first = events.await("the hit of the count-filtered breakpoint", e -> e instanceof BreakpointEvent && bp.equals(e.request()));
        if (first == null) {
            return;
        }
        String firstThread = safeThreadName(((BreakpointEvent) first.event).thread());
        first.set.resume();
        // process runs every 300 ms on every node: 3 s is ten more chances for a request that did not expire.
        List<String> extra = new ArrayList<>();
        while (true) {
            Events.Hit more = events.await("further hits of the count-filtered breakpoint", e -> e instanceof BreakpointEvent && bp.equals(e.request()), 3000, false);
            if (more == null) {
                break;
            }
            extra.add(safeThreadName(((BreakpointEvent) more.event).thread()));
            more.set.resume();
        }
        report.check("count filter 2: exactly one event, then the request expires (as on one VM)", extra.isEmpty(),
                "first event on " + firstThread + (extra.isEmpty() ? ", none after it in 3 s" : ", then " + extra.size() + " more on " + extra));
        delete("breakpoint", bp);
    }

    /** An instance filter on one node's OrderService: hits only on that node. */
    private void instanceFilter(Demo demo, Map<String, ObjectReference> services) throws InterruptedException {
        String node = ((TreeMap<String, ObjectReference>) services).lastKey();
        ObjectReference service = services.get(node);
        BreakpointRequest bp = breakpoint(demo.process, demo.processEntry, "breakpoint with instance filter (" + node + "'s OrderService)",
                r -> r.addInstanceFilter(service));
        if (bp == null) {
            return;
        }
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Events.Hit hit = events.await("hit " + (i + 1) + " of the instance-filtered breakpoint", e -> e instanceof BreakpointEvent && bp.equals(e.request()));
            if (hit == null) {
                break;
            }
            nodes.add(nodeNameAt(((BreakpointEvent) hit.event).thread()));
            hit.set.resume();
        }
        boolean ok = nodes.size() == 3;
        for (String n : nodes) {
            ok &= node.equals(n);
        }
        report.check("instance filter: every hit is on the filtered instance's node " + node, ok, "hits on " + nodes);
        delete("breakpoint", bp);
    }

    /**
     * SUSPEND_EVENT_THREAD, the default of Eclipse and VS Code: hits from every node; only the event thread is suspended,
     * the control threads (blocked on stdin, never at a breakpoint) of every node keep running.
     */
    private void suspendEventThread(Demo demo) throws InterruptedException {
        BreakpointRequest bp = breakpoint(demo.process, demo.processEntry, "breakpoint with SUSPEND_EVENT_THREAD",
                r -> r.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD));
        if (bp == null) {
            return;
        }
        List<ThreadReference> controls = new ArrayList<>();
        for (ThreadReference t : vm.allThreads()) {
            Matcher m = PREFIX.matcher(safeThreadName(t));
            if ((m.matches() ? m.group(2) : safeThreadName(t)).equals("control")) {
                controls.add(t);
            }
        }
        Set<String> seen = new TreeSet<>();
        int hits = 0;
        while (seen.size() < options.expectNodes && hits < MAX_HITS) {
            Events.Hit hit = events.await("SUSPEND_EVENT_THREAD breakpoint (nodes so far " + seen + ")", e -> e instanceof BreakpointEvent && bp.equals(e.request()));
            if (hit == null) {
                break;
            }
            hits++;
            ThreadReference thread = ((BreakpointEvent) hit.event).thread();
            Probe p = new Probe(report, "SUSPEND_EVENT_THREAD hit " + hits + " [" + safeThreadName(thread) + "]: only the event thread suspended");
            p.expect(hit.set.suspendPolicy() == EventRequest.SUSPEND_EVENT_THREAD, "event set suspend policy " + hit.set.suspendPolicy());
            p.attempt("thread state", () -> {
                p.expect(thread.isSuspended(), "the event thread is not suspended");
                p.expect(thread.frame(0).location().method().name().equals("process"), "top frame " + thread.frame(0).location());
                String node = stringField(thread.frame(0).thisObject(), "nodeName");
                seen.add(node);
                for (ThreadReference c : controls) {
                    p.expect(!c.isSuspended(), safeThreadName(c) + " is suspended (suspendCount " + c.suspendCount() + ")");
                }
                p.fact("node " + node + ", " + controls.size() + " control thread(s) running");
            });
            p.done();
            hit.set.resume();
        }
        report.check("SUSPEND_EVENT_THREAD breakpoint hit on every node", seen.size() >= options.expectNodes, "nodes " + seen + " in " + hits + " hit(s)");
        delete("breakpoint", bp);
    }

    /**
     * Checks a thread stopped in OrderService.process at {@code line}: frames, the argument "order" (by
     * getArgumentValues and by name), order.id and this.nodeName, and that the thread's node prefix names the same node.
     * Returns the node name (this.nodeName) or null.
     */
    private String inspectProcessFrame(ThreadReference thread, Demo demo, int line, String label) {
        String threadName = safeThreadName(thread);
        Probe p = new Probe(report, label + " [" + threadName + "]: frames, argument order, order.id, this.nodeName");
        String[] node = new String[1];
        p.attempt("inspecting the frame", () -> {
            List<StackFrame> frames = thread.frames();
            int count = thread.frameCount();
            p.expect(frames.size() == count, "frames().size() " + frames.size() + " != frameCount() " + count);
            p.expect(frames.size() >= 3, "only " + frames.size() + " frames");
            StackFrame top = frames.get(0);
            Location loc = top.location();
            p.expect(loc.method().name().equals("process"), "top frame is in " + loc.method().name());
            p.expect(loc.declaringType().name().equals(ORDER_SERVICE), "top frame's type is " + loc.declaringType().name());
            p.expect(loc.declaringType().equals(demo.orderService), "top frame's type is not the mirror classesByName gave (one type per symbol)");
            p.expect(loc.lineNumber() == line, "top frame at line " + loc.lineNumber() + ", expected " + line);
            if (frames.size() > 1) {
                Location caller = frames.get(1).location();
                p.expect(caller.declaringType().name().equals(WORKER) && caller.method().name().equals("run"),
                        "caller frame is " + caller.declaringType().name() + "." + caller.method().name());
            }
            List<Value> args = top.getArgumentValues();
            p.expect(args.size() == 1, "getArgumentValues() has " + args.size() + " values");
            LocalVariable orderVar = top.visibleVariableByName("order");
            p.expect(orderVar != null && orderVar.isArgument(), "visibleVariableByName(order) is " + orderVar);
            ObjectReference order = orderVar == null ? null : (ObjectReference) top.getValue(orderVar);
            if (!args.isEmpty()) {
                p.expect(args.get(0) instanceof ObjectReference, "argument 0 is " + args.get(0));
                p.expect(args.get(0) != null && args.get(0).equals(order), "getArgumentValues()[0] " + args.get(0) + " differs from the variable 'order' " + order);
            }
            if (order == null) {
                p.problem("order is null");
                return;
            }
            p.expect(order.referenceType().name().equals(ORDER), "order's type is " + order.referenceType().name());
            String id = stringField(order, "id");
            ObjectReference self = top.thisObject();
            p.expect(self != null && self.referenceType().equals(demo.orderService), "thisObject() is " + self);
            String nodeName = self == null ? null : stringField(self, "nodeName");
            // A static of a type shared by all nodes is per-node state: read while stopped on a node, it is that node's.
            Value home = demo.homeNode == null ? null : demo.orderService.getValue(demo.homeNode);
            String homeNode = home instanceof StringReference ? ((StringReference) home).value() : String.valueOf(home);
            p.expect(nodeName != null && nodeName.equals(homeNode), "static OrderService.homeNode is '" + homeNode + "' but this.nodeName is '" + nodeName + "'");
            p.fact("order.id=" + id + ", this.nodeName=" + nodeName + ", static homeNode=" + homeNode + ", " + frames.size() + " frames");
            p.expect(nodeName != null && id != null && id.startsWith(nodeName + "-"), "order.id '" + id + "' does not start with this.nodeName '" + nodeName + "-'");
            checkPrefix(p, threadName, nodeName);
            node[0] = nodeName;
        });
        p.done();
        return node[0];
    }

    // ------------------------------------------------------------------------------------------------------- step

    private void step() throws Exception {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        ThreadReference worker = chooseWorker();
        if (worker == null) {
            return;
        }
        String workerName = safeThreadName(worker);
        Probe set = new Probe(report, "breakpoint at the compute call of process, thread filter " + workerName);
        BreakpointRequest bp = set.get("createBreakpointRequest", () -> {
            List<Location> at = demo.process.locationsOfLine(demo.processCompute);
            set.expect(!at.isEmpty(), "locationsOfLine(" + demo.processCompute + ") is empty");
            BreakpointRequest r = erm.createBreakpointRequest(at.get(0));
            r.addThreadFilter(worker);
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
            return r;
        });
        if (!set.done() || bp == null) {
            return;
        }
        Events.Hit hit = events.await("breakpoint at process:" + demo.processCompute + " on " + workerName,
                e -> e instanceof BreakpointEvent && bp.equals(e.request()));
        if (hit == null) {
            return;
        }
        ThreadReference thread = ((BreakpointEvent) hit.event).thread();
        Probe at = new Probe(report, "stopped at the compute call on the filtered thread");
        at.expect(thread.equals(worker), "hit on " + safeThreadName(thread) + ", not the filtered " + workerName);
        at.attempt("locals", () -> {
            StackFrame f = thread.frame(0);
            at.expect(f.location().lineNumber() == demo.processCompute, "at line " + f.location().lineNumber());
            Set<String> locals = new TreeSet<>();
            for (LocalVariable v : f.visibleVariables()) {
                locals.add(v.name());
            }
            at.expect(locals.containsAll(List.of("order", "total", "label", "parts")), "visible variables " + locals);
            Value label = f.getValue(f.visibleVariableByName("label"));
            String nodeName = stringField(f.thisObject(), "nodeName");
            at.expect(label instanceof StringReference && ((StringReference) label).value().startsWith(nodeName + ":" + nodeName + "-"),
                    "label is " + label + ", node " + nodeName);
            at.fact("locals " + locals + ", label " + label);
        });
        at.done();
        delete("breakpoint", bp);

        Events.Hit into = step(worker, StepRequest.STEP_INTO, hit, "step into compute");
        if (into == null) {
            return;
        }
        Probe pi = new Probe(report, "step into lands in compute");
        pi.attempt("location", () -> {
            Location l = ((StepEvent) into.event).location();
            pi.expect(l.method().name().equals("compute"), "stopped in " + l.method().name() + " line " + l.lineNumber());
            pi.expect(l.lineNumber() == demo.computeBody, "line " + l.lineNumber() + ", expected " + demo.computeBody);
            StackFrame caller = worker.frame(1);
            pi.expect(caller.location().method().name().equals("process") && caller.location().lineNumber() == demo.processCompute,
                    "caller frame " + caller.location());
            pi.fact("at " + l + ", caller " + caller.location());
        });
        pi.done();

        Events.Hit out = step(worker, StepRequest.STEP_OUT, into, "step out of compute");
        if (out == null) {
            return;
        }
        Probe po = new Probe(report, "step out returns to process");
        po.attempt("location", () -> {
            Location l = ((StepEvent) out.event).location();
            po.expect(l.method().name().equals("process"), "stopped in " + l.method().name());
            po.expect(l.lineNumber() == demo.processCompute, "line " + l.lineNumber() + ", expected " + demo.processCompute);
            po.fact("at " + l);
        });
        po.done();

        Events.Hit over = step(worker, StepRequest.STEP_OVER, out, "step over to the next line");
        if (over == null) {
            return;
        }
        Probe pv = new Probe(report, "step over goes to the next line of process");
        pv.attempt("location", () -> {
            Location l = ((StepEvent) over.event).location();
            pv.expect(l.method().name().equals("process"), "stopped in " + l.method().name());
            pv.expect(l.lineNumber() == demo.processCompute + 1, "line " + l.lineNumber() + ", expected " + (demo.processCompute + 1));
            pv.fact("at " + l);
        });
        pv.done();
        over.set.resume();
    }

    /** Creates a one-shot step request, resumes {@code from}, waits for the step event and deletes the request. */
    private Events.Hit step(ThreadReference thread, int depth, Events.Hit from, String what) throws InterruptedException {
        Probe p = new Probe(report, what + ": request");
        StepRequest sr = p.get("createStepRequest", () -> {
            StepRequest r = erm.createStepRequest(thread, StepRequest.STEP_LINE, depth);
            for (String pattern : List.of("java.*", "javax.*", "sun.*", "com.sun.*", "jdk.*")) {
                r.addClassExclusionFilter(pattern);
            }
            r.addCountFilter(1);
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
            return r;
        });
        if (sr == null) {
            p.done();
            return null;
        }
        if (!p.attempt("resume", from.set::resume)) {
            p.done();
            return null;
        }
        p.done();
        Events.Hit hit = events.await(what, e -> e instanceof StepEvent && sr.equals(e.request()));
        delete("step request", sr);
        return hit;
    }

    // ----------------------------------------------------------------------------------------------------- invoke

    private void invoke() throws Exception {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        BreakpointRequest bp = breakpoint(demo.process, demo.processCompute, "breakpoint at the compute call of process");
        if (bp == null) {
            return;
        }
        Events.Hit hit = events.await("breakpoint at process:" + demo.processCompute, e -> e instanceof BreakpointEvent && bp.equals(e.request()));
        if (hit == null) {
            return;
        }
        ThreadReference thread = ((BreakpointEvent) hit.event).thread();
        String firstNode = nodeNameAt(thread);
        ClassType stringType = (ClassType) vm.classesByName("java.lang.String").get(0);

        Probe ts = new Probe(report, "invoke order.toString() [" + safeThreadName(thread) + "]");
        ts.attempt("invokeMethod", () -> {
            ObjectReference order = (ObjectReference) thread.frame(0).getValue(thread.frame(0).visibleVariableByName("order"));
            String id = stringField(order, "id");
            Method toString = order.referenceType().methodsByName("toString", "()Ljava/lang/String;").get(0);
            Value v = order.invokeMethod(thread, toString, List.of(), ObjectReference.INVOKE_SINGLE_THREADED);
            ts.expect(v instanceof StringReference, "toString() returned " + v);
            String s = v instanceof StringReference ? ((StringReference) v).value() : String.valueOf(v);
            ts.expect(s.startsWith("Order[" + id + " x"), "toString() is '" + s + "', order.id '" + id + "'");
            ts.fact("'" + s + "'");
        });
        ts.done();

        Probe all = new Probe(report, "invoke order.toString() resuming all threads (options 0, as jdb's print does)");
        all.attempt("invokeMethod", () -> {
            ObjectReference order = (ObjectReference) thread.frame(0).getValue(thread.frame(0).visibleVariableByName("order"));
            Method toString = order.referenceType().methodsByName("toString", "()Ljava/lang/String;").get(0);
            Value v = order.invokeMethod(thread, toString, List.of(), 0);
            all.expect(v instanceof StringReference && ((StringReference) v).value().startsWith("Order["), "toString() returned " + v);
            all.expect(thread.isSuspended() && thread.frame(0).location().method().name().equals("process"),
                    "after the invocation the thread is not suspended in process: " + thread.isSuspended());
            all.fact("'" + v + "'");
        });
        all.done();

        Probe inst = new Probe(report, "invoke this.processedCount() (a demo method) and compare with the field");
        inst.attempt("invokeMethod", () -> {
            ObjectReference self = thread.frame(0).thisObject();
            Method m = self.referenceType().methodsByName("processedCount", "()I").get(0);
            int field = ((IntegerValue) self.getValue(self.referenceType().fieldByName("processed"))).value();
            Value v = self.invokeMethod(thread, m, List.of(), ObjectReference.INVOKE_SINGLE_THREADED);
            inst.expect(v instanceof IntegerValue && ((IntegerValue) v).value() == field, "processedCount() returned " + v + ", field processed is " + field);
            inst.fact("processedCount()=" + v);
        });
        inst.done();

        // The demo has no side-effect-free static method: use String.valueOf(int).
        Probe st = new Probe(report, "invoke static String.valueOf(int)");
        st.attempt("ClassType.invokeMethod", () -> {
            Method valueOf = stringType.methodsByName("valueOf", "(I)Ljava/lang/String;").get(0);
            Value v = stringType.invokeMethod(thread, valueOf, List.of(vm.mirrorOf(4217)), ObjectReference.INVOKE_SINGLE_THREADED);
            st.expect(v instanceof StringReference && ((StringReference) v).value().equals("4217"), "String.valueOf(4217) returned " + v);
            st.fact("returned " + v);
        });
        st.done();

        Probe created = new Probe(report, "vm.mirrorOf(\"x\") as an argument: label.concat(x), String.valueOf((Object) x)");
        StringReference x = created.get("vm.mirrorOf", () -> vm.mirrorOf("x"));
        if (x != null) {
            created.attempt("disableCollection", x::disableCollection);
            created.attempt("value of the created string", () -> created.expect("x".equals(x.value()), "created string reads back as '" + x.value() + "'"));
            created.attempt("label.concat(x)", () -> {
                StackFrame f = thread.frame(0);
                StringReference label = (StringReference) f.getValue(f.visibleVariableByName("label"));
                Method concat = label.referenceType().methodsByName("concat", "(Ljava/lang/String;)Ljava/lang/String;").get(0);
                Value v = label.invokeMethod(thread, concat, List.of(x), ObjectReference.INVOKE_SINGLE_THREADED);
                created.expect(v instanceof StringReference && ((StringReference) v).value().equals(label.value() + "x"),
                        "label.concat(x) returned " + v + " for label '" + label.value() + "'");
                created.fact("concat -> " + v);
            });
            created.attempt("String.valueOf(Object)", () -> {
                Method valueOf = stringType.methodsByName("valueOf", "(Ljava/lang/Object;)Ljava/lang/String;").get(0);
                Value v = stringType.invokeMethod(thread, valueOf, List.of(x), ObjectReference.INVOKE_SINGLE_THREADED);
                created.expect(v instanceof StringReference && ((StringReference) v).value().equals("x"), "String.valueOf(x) returned " + v);
            });
            created.attempt("static OrderService.tag(x) (a demo method: its answer names the node that ran it)", () -> {
                Value v = ((ClassType) demo.orderService).invokeMethod(thread, demo.tag, List.of(x), ObjectReference.INVOKE_SINGLE_THREADED);
                created.expect(v instanceof StringReference && ((StringReference) v).value().equals("x@" + firstNode),
                        "OrderService.tag(x) returned " + v + " on a thread of " + firstNode);
                created.fact("tag -> " + v);
            });
        }
        created.done();

        if (options.expectNodes >= 2 && x != null) {
            // The string was created while the first node was the context; use it on another node's thread.
            hit.set.resume();
            Events.Hit other = null;
            for (int i = 0; i < MAX_HITS; i++) {
                Events.Hit h = events.await("breakpoint at process:" + demo.processCompute + " on a node other than " + firstNode,
                        e -> e instanceof BreakpointEvent && bp.equals(e.request()));
                if (h == null) {
                    break;
                }
                String n = nodeNameAt(((BreakpointEvent) h.event).thread());
                if (n != null && !n.equals(firstNode)) {
                    other = h;
                    break;
                }
                h.set.resume();
            }
            if (other != null) {
                ThreadReference t2 = ((BreakpointEvent) other.event).thread();
                Probe cross = new Probe(report, "string created with " + firstNode + " as context used on " + safeThreadName(t2));
                cross.attempt("String.valueOf((Object) x) on the other node", () -> {
                    Method valueOf = stringType.methodsByName("valueOf", "(Ljava/lang/Object;)Ljava/lang/String;").get(0);
                    Value v = stringType.invokeMethod(t2, valueOf, List.of(x), ObjectReference.INVOKE_SINGLE_THREADED);
                    cross.expect(v instanceof StringReference && ((StringReference) v).value().equals("x"), "String.valueOf(x) returned " + v);
                    cross.fact("returned " + v);
                });
                cross.attempt("static OrderService.tag(x) on the other node", () -> {
                    String otherNode = nodeNameAt(t2);
                    Value v = ((ClassType) demo.orderService).invokeMethod(t2, demo.tag, List.of(x), ObjectReference.INVOKE_SINGLE_THREADED);
                    cross.expect(v instanceof StringReference && ((StringReference) v).value().equals("x@" + otherNode),
                            "OrderService.tag(x) returned " + v + " on a thread of " + otherNode);
                    cross.fact("tag -> " + v);
                });
                cross.done();
                hit = other;
            }
        }
        if (x != null) {
            try {
                x.enableCollection();
            } catch (RuntimeException e) {
                // Not a check: the session ends anyway.
            }
        }
        delete("breakpoint", bp);
        hit.set.resume();
    }

    // ------------------------------------------------------------------------------------------------- exceptions

    private void exceptions() throws Exception {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        ReferenceType ise = loadedType(ISE);
        if (ise == null) {
            return;
        }
        Probe set = new Probe(report, "exception requests for " + ISE + ": caught-only and uncaught-only");
        ExceptionRequest caught = set.get("createExceptionRequest(caught)", () -> {
            ExceptionRequest r = erm.createExceptionRequest(ise, true, false);
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
            return r;
        });
        ExceptionRequest uncaught = set.get("createExceptionRequest(uncaught)", () -> {
            ExceptionRequest r = erm.createExceptionRequest(ise, false, true);
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
            return r;
        });
        if (!set.done()) {
            return;
        }
        Set<String> seen = new TreeSet<>();
        int hits = 0;
        while (seen.size() < options.expectNodes && hits < MAX_HITS) {
            Events.Hit hit = events.await("IllegalStateException thrown in process (nodes so far " + seen + ")",
                    e -> e instanceof ExceptionEvent && (caught.equals(e.request()) || uncaught.equals(e.request())));
            if (hit == null) {
                break;
            }
            hits++;
            ExceptionEvent ee = (ExceptionEvent) hit.event;
            String threadName = safeThreadName(ee.thread());
            Probe p = new Probe(report, "exception " + hits + " [" + threadName + "]: thrown in process, caught in Worker.run");
            p.expect(caught.equals(ee.request()), "the event came from the UNCAUGHT-only request although Worker.run catches it");
            p.attempt("reading the event", () -> {
                ObjectReference exception = ee.exception();
                p.expect(exception.referenceType().name().equals(ISE), "exception type " + exception.referenceType().name());
                Location thrown = ee.location();
                p.expect(thrown.declaringType().name().equals(ORDER_SERVICE) && thrown.method().name().equals("process"),
                        "thrown at " + thrown.declaringType().name() + "." + thrown.method().name());
                Location c = ee.catchLocation();
                p.expect(c != null, "catchLocation() is null");
                if (c != null) {
                    p.expect(c.declaringType().name().equals(WORKER) && c.method().name().equals("run"),
                            "catch location " + c.declaringType().name() + "." + c.method().name() + ":" + c.lineNumber());
                }
                ReferenceType throwable = vm.classesByName("java.lang.Throwable").get(0);
                String message = stringField(exception, throwable.fieldByName("detailMessage"));
                String nodeName = stringField(ee.thread().frame(0).thisObject(), "nodeName");
                p.expect(message != null && message.startsWith("rejected " + nodeName + "-"), "message '" + message + "', node " + nodeName);
                checkPrefix(p, threadName, nodeName);
                p.fact("'" + message + "' thrown at line " + thrown.lineNumber() + ", caught at " + (c == null ? "?" : c.declaringType().name() + "." + c.method().name() + ":" + c.lineNumber()));
                if (nodeName != null) {
                    seen.add(nodeName);
                }
            });
            p.done();
            hit.set.resume();
        }
        report.check("exception events from every node", seen.size() >= options.expectNodes, "nodes " + seen + " in " + hits + " event(s)");
        delete("exception request", caught);
        delete("exception request", uncaught);
    }

    // ------------------------------------------------------------------------------------------------ watchpoints

    private void watchpoints() throws Exception {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        Field processed = demo.orderService.fieldByName("processed");
        boolean canModify = vm.canWatchFieldModification();
        boolean canAccess = vm.canWatchFieldAccess();
        // Every demo node is a HotSpot JVM, which can watch both: a virtual VM that says otherwise lost a capability.
        report.check("capabilities canWatchFieldModification and canWatchFieldAccess", canModify && canAccess,
                "canWatchFieldModification=" + canModify + ", canWatchFieldAccess=" + canAccess);

        if (canModify) {
            Probe set = new Probe(report, "modification watchpoint on OrderService.processed");
            ModificationWatchpointRequest mw = set.get("createModificationWatchpointRequest", () -> {
                ModificationWatchpointRequest r = erm.createModificationWatchpointRequest(processed);
                r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
                r.enable();
                return r;
            });
            if (set.done()) {
                Set<String> seen = new TreeSet<>();
                int hits = 0;
                while (seen.size() < options.expectNodes && hits < MAX_HITS) {
                    Events.Hit hit = events.await("modification of processed (nodes so far " + seen + ")",
                            e -> e instanceof ModificationWatchpointEvent && mw.equals(e.request()));
                    if (hit == null) {
                        break;
                    }
                    hits++;
                    ModificationWatchpointEvent we = (ModificationWatchpointEvent) hit.event;
                    String threadName = safeThreadName(we.thread());
                    Probe p = new Probe(report, "modification " + hits + " [" + threadName + "]: valueToBe = valueCurrent + 1");
                    p.attempt("reading the event", () -> {
                        p.expect(we.field().equals(processed), "field " + we.field());
                        Value toBe = we.valueToBe();
                        Value current = we.valueCurrent();
                        p.expect(toBe instanceof IntegerValue && current instanceof IntegerValue
                                && ((IntegerValue) toBe).value() == ((IntegerValue) current).value() + 1,
                                "valueCurrent " + current + ", valueToBe " + toBe);
                        p.expect(we.location().method().name().equals("process"), "modified in " + we.location().method().name());
                        ObjectReference self = we.object();
                        p.expect(self != null && self.referenceType().equals(demo.orderService), "object() is " + self);
                        String nodeName = self == null ? null : stringField(self, "nodeName");
                        checkPrefix(p, threadName, nodeName);
                        p.fact(current + " -> " + toBe + " on " + nodeName + " at " + we.location());
                        if (nodeName != null) {
                            seen.add(nodeName);
                        }
                    });
                    p.done();
                    hit.set.resume();
                }
                report.check("modification watchpoint hit on every node", seen.size() >= options.expectNodes, "nodes " + seen + " in " + hits + " event(s)");
                delete("modification watchpoint", mw);
            }
        }

        if (canAccess) {
            Probe set = new Probe(report, "access watchpoint on OrderService.processed");
            AccessWatchpointRequest aw = set.get("createAccessWatchpointRequest", () -> {
                AccessWatchpointRequest r = erm.createAccessWatchpointRequest(processed);
                r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
                r.enable();
                return r;
            });
            if (set.done()) {
                Set<String> seen = new TreeSet<>();
                int hits = 0;
                while (seen.size() < options.expectNodes && hits < MAX_HITS) {
                    Events.Hit hit = events.await("access of processed (nodes so far " + seen + ")",
                            e -> e instanceof AccessWatchpointEvent && aw.equals(e.request()));
                    if (hit == null) {
                        break;
                    }
                    hits++;
                    AccessWatchpointEvent we = (AccessWatchpointEvent) hit.event;
                    String threadName = safeThreadName(we.thread());
                    Probe p = new Probe(report, "access " + hits + " [" + threadName + "]: field, location, current value");
                    p.attempt("reading the event", () -> {
                        p.expect(we.field().equals(processed), "field " + we.field());
                        Value current = we.valueCurrent();
                        p.expect(current instanceof IntegerValue, "valueCurrent " + current);
                        p.expect(we.location().declaringType().equals(demo.orderService), "accessed in " + we.location().declaringType().name());
                        ObjectReference self = we.object();
                        String nodeName = self == null ? null : stringField(self, "nodeName");
                        checkPrefix(p, threadName, nodeName);
                        p.fact("processed=" + current + " read on " + nodeName + " at " + we.location());
                        if (nodeName != null) {
                            seen.add(nodeName);
                        }
                    });
                    p.done();
                    hit.set.resume();
                }
                report.check("access watchpoint hit on every node", seen.size() >= options.expectNodes, "nodes " + seen + " in " + hits + " event(s)");
                delete("access watchpoint", aw);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- method-entry-exit

    private void methodEntryExit() throws Exception {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        Probe set = new Probe(report, "method entry and exit requests, class filter " + ORDER_SERVICE);
        MethodEntryRequest entry = set.get("createMethodEntryRequest", () -> {
            MethodEntryRequest r = erm.createMethodEntryRequest();
            r.addClassFilter(ORDER_SERVICE);
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
            return r;
        });
        MethodExitRequest exit = set.get("createMethodExitRequest", () -> {
            MethodExitRequest r = erm.createMethodExitRequest();
            r.addClassFilter(ORDER_SERVICE);
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
            return r;
        });
        if (!set.done()) {
            return;
        }
        boolean returnValues = vm.canGetMethodReturnValues();
        Set<String> allowed = Set.of("process", "handle", "compute", "processedCount", "receivedCount");
        Map<String, Integer> entries = new TreeMap<>();
        Map<String, Integer> exits = new TreeMap<>();
        Set<String> entryNodes = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        List<String> returns = new ArrayList<>();
        int nEntries = 0;
        int nExits = 0;
        int total = 0;
        while ((nEntries < 6 || nExits < 6 || entryNodes.size() < options.expectNodes) && total < 200) {
            Events.Hit hit = events.await("method entry/exit events of " + ORDER_SERVICE + " (entries " + nEntries + ", exits " + nExits
                    + ", nodes " + entryNodes + ")", e -> (e instanceof MethodEntryEvent && entry.equals(e.request()))
                            || (e instanceof MethodExitEvent && exit.equals(e.request())));
            if (hit == null) {
                break;
            }
            for (Event e : hit.set) {
                try {
                    if (e instanceof MethodEntryEvent && entry.equals(e.request())) {
                        total++;
                        nEntries++;
                        MethodEntryEvent me = (MethodEntryEvent) e;
                        Method m = me.method();
                        entries.merge(m.name(), 1, Integer::sum);
                        if (!m.declaringType().equals(demo.orderService)) {
                            problems.add("entry into " + m.declaringType().name() + "." + m.name());
                        }
                        if (!allowed.contains(m.name())) {
                            problems.add("entry into unexpected method " + m.name());
                        }
                        String threadName = safeThreadName(me.thread());
                        Matcher pm = PREFIX.matcher(threadName);
                        entryNodes.add(pm.matches() ? pm.group(1) : "(no prefix)");
                        if (!me.location().method().equals(m)) {
                            problems.add("entry event's location method " + me.location().method() + " != method() " + m);
                        }
                    } else if (e instanceof MethodExitEvent && exit.equals(e.request())) {
                        total++;
                        nExits++;
                        MethodExitEvent mx = (MethodExitEvent) e;
                        Method m = mx.method();
                        exits.merge(m.name(), 1, Integer::sum);
                        if (!m.declaringType().equals(demo.orderService)) {
                            problems.add("exit from " + m.declaringType().name() + "." + m.name());
                        }
                        if (returnValues && m.name().equals("compute")) {
                            Value v = mx.returnValue();
                            if (!(v instanceof IntegerValue)) {
                                problems.add("compute() returned " + v);
                            } else if (returns.size() < 3) {
                                returns.add(v.toString());
                            }
                        }
                    }
                } catch (RuntimeException ex) {
                    problems.add("reading " + Events.describe(e) + " threw " + describe(ex));
                }
            }
            hit.set.resume();
        }
        int expectedNodes = options.expectNodes >= 2 ? options.expectNodes : 1;
        boolean ok = problems.isEmpty() && nEntries >= 6 && nExits >= 6 && entryNodes.size() >= expectedNodes;
        report.check("method entry/exit events name OrderService's methods, from every node", ok,
                (problems.isEmpty() ? "" : "PROBLEMS: " + String.join("; ", problems) + " | ") + "entries " + entries + ", exits " + exits
                        + ", entry threads' nodes " + entryNodes + ", compute() returned " + returns + " (canGetMethodReturnValues=" + returnValues + ")");
        delete("method entry request", entry);
        delete("method exit request", exit);
    }

    // ------------------------------------------------------------------------------------------ thread-start-death

    private void threadStartDeath() throws Exception {
        Probe set = new Probe(report, "thread start and death requests accepted");
        ThreadStartRequest start = set.get("createThreadStartRequest", () -> {
            ThreadStartRequest r = erm.createThreadStartRequest();
            r.setSuspendPolicy(EventRequest.SUSPEND_NONE);
            r.enable();
            return r;
        });
        ThreadDeathRequest death = set.get("createThreadDeathRequest", () -> {
            ThreadDeathRequest r = erm.createThreadDeathRequest();
            r.setSuspendPolicy(EventRequest.SUSPEND_NONE);
            r.enable();
            return r;
        });
        if (!set.done()) {
            return;
        }
        // The demo starts no threads of its own after start-up: see what arrives on its own for a while.
        List<Event> passive = events.drain(2000);
        List<String> passiveNames = new ArrayList<>();
        for (Event e : passive) {
            passiveNames.add(Events.describe(e) + (e instanceof ThreadStartEvent ? " " + safeThreadName(((ThreadStartEvent) e).thread())
                    : e instanceof ThreadDeathEvent ? " " + safeThreadName(((ThreadDeathEvent) e).thread()) : ""));
        }
        report.pass("thread events without provocation (informational)", passive.size() + " event(s) in 2 s: " + passiveNames);

        // Provoke them: at a breakpoint on each node, start a thread there (new Thread("jdi-probe-<node>").start()).
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        BreakpointRequest bp = breakpoint(demo.process, demo.processEntry, "breakpoint to start probe threads from");
        if (bp == null) {
            return;
        }
        Map<String, String> probes = new TreeMap<>();
        ThreadEvents seen = new ThreadEvents();
        ClassType threadType = (ClassType) vm.classesByName("java.lang.Thread").get(0);
        int bpHits = 0;
        while (bpHits < MAX_HITS && probes.size() < options.expectNodes) {
            // Thread events of a probe started on one node may arrive while waiting for the next node's breakpoint.
            Events.Hit hit = events.await("breakpoint to start a probe thread (nodes done " + probes.keySet() + ")",
                    e -> (e instanceof BreakpointEvent && bp.equals(e.request())) || seen.isThreadEvent(e, start, death));
            if (hit == null) {
                break;
            }
            if (!(hit.event instanceof BreakpointEvent)) {
                seen.record(hit.set, start, death);
                if (hit.set.suspendPolicy() != EventRequest.SUSPEND_NONE) {
                    hit.set.resume();
                }
                continue;
            }
            bpHits++;
            ThreadReference t = ((BreakpointEvent) hit.event).thread();
            String node = nodeNameAt(t);
            if (node != null && !probes.containsKey(node)) {
                String probeName = "jdi-probe-" + node;
                Probe p = new Probe(report, "start thread " + probeName + " from " + safeThreadName(t));
                p.attempt("new Thread(name).start()", () -> {
                    Method ctor = threadType.methodsByName("<init>", "(Ljava/lang/String;)V").get(0);
                    ObjectReference thread = threadType.newInstance(t, ctor, List.of(vm.mirrorOf(probeName)), ObjectReference.INVOKE_SINGLE_THREADED);
                    Method startMethod = threadType.methodsByName("start", "()V").get(0);
                    thread.invokeMethod(t, startMethod, List.of(), ObjectReference.INVOKE_SINGLE_THREADED);
                    probes.put(node, probeName);
                });
                p.done();
            }
            hit.set.resume();
        }
        delete("breakpoint", bp);

        // Each probe thread starts and ends at once: expect a ThreadStart and a ThreadDeath for each.
        while ((!seen.started.containsAll(probes.keySet()) || !seen.died.containsAll(probes.keySet())) && events.remaining() > 0) {
            Events.Hit hit = events.await("ThreadStart/ThreadDeath of " + probes.values() + " (started " + seen.started + ", died " + seen.died + ")",
                    e -> seen.isThreadEvent(e, start, death), 15_000, true);
            if (hit == null) {
                break;
            }
            seen.record(hit.set, start, death);
            if (hit.set.suspendPolicy() != EventRequest.SUSPEND_NONE) {
                hit.set.resume();
            }
        }
        boolean ok = seen.problems.isEmpty() && probes.size() >= options.expectNodes && seen.started.containsAll(probes.keySet())
                && seen.died.containsAll(probes.keySet());
        report.check("ThreadStart and ThreadDeath of a thread started on every node", ok,
                (seen.problems.isEmpty() ? "" : "PROBLEMS: " + String.join("; ", seen.problems) + " | ") + "probe threads " + probes.values()
                        + ", ThreadStart from " + seen.started + ", ThreadDeath from " + seen.died + ", other thread events " + seen.others);
        delete("thread start request", start);
        delete("thread death request", death);
    }

    // ------------------------------------------------------------------------------------------------ uncaught-exception

    /**
     * An exception nobody catches, on every node: stopped at a breakpoint on a node, the client invokes
     * DemoNode.throwUncaught there, which starts a thread "uncaught" that dies of an IllegalArgumentException. An
     * uncaught-only exception request must report it once per node, from that node's thread, with no catch location
     * and the exception's own message ("uncaught on NODE").
     */
    private void uncaughtException() throws InterruptedException {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        Probe set = new Probe(report, "uncaught-only exception request for java.lang.IllegalArgumentException");
        ReferenceType iae = set.get("classesByName", () -> vm.classesByName("java.lang.IllegalArgumentException").get(0));
        ClassType demoNode = set.get("DemoNode", () -> (ClassType) vm.classesByName("fabric.demo.DemoNode").get(0));
        Method thrower = set.get("DemoNode.throwUncaught", () -> demoNode.methodsByName("throwUncaught", "(Ljava/lang/String;)V").get(0));
        ExceptionRequest uncaught = set.get("createExceptionRequest(uncaught only)", () -> {
            ExceptionRequest r = erm.createExceptionRequest(iae, false, true);
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
            return r;
        });
        if (!set.done()) {
            return;
        }
        BreakpointRequest bp = breakpoint(demo.process, demo.processEntry, "breakpoint to start the throwing threads from");
        if (bp == null) {
            delete("exception request", uncaught);
            return;
        }
        Set<String> started = new TreeSet<>();
        Set<String> reported = new TreeSet<>();
        int events = 0;
        while ((started.size() < options.expectNodes || !reported.containsAll(started)) && events < 3 * MAX_HITS) {
            Events.Hit hit = this.events.await("breakpoint or uncaught exception (started on " + started + ", reported from " + reported + ")",
                    e -> (e instanceof BreakpointEvent && bp.equals(e.request())) || (e instanceof ExceptionEvent && uncaught.equals(e.request())));
            if (hit == null) {
                break;
            }
            events++;
            if (hit.event instanceof ExceptionEvent) {
                ExceptionEvent ee = (ExceptionEvent) hit.event;
                String threadName = safeThreadName(ee.thread());
                Probe p = new Probe(report, "uncaught exception [" + threadName + "]");
                p.attempt("event", () -> {
                    p.expect(ee.catchLocation() == null, "catch location " + ee.catchLocation() + " for an uncaught exception");
                    p.expect(ee.exception().referenceType().equals(iae), "exception type " + ee.exception().referenceType().name());
                    String message = stringField(ee.exception(), "detailMessage");
                    String node = message != null && message.startsWith("uncaught on ") ? message.substring("uncaught on ".length()) : null;
                    p.expect(node != null && started.contains(node), "message '" + message + "' names no node the client started a thread on " + started);
                    p.expect(!reported.contains(node), "reported twice from " + node);
                    Matcher m = PREFIX.matcher(threadName);
                    p.expect((m.matches() ? m.group(2) : threadName).equals("uncaught"), "thread " + threadName);
                    if (m.matches()) {
                        p.expect(m.group(1).equals(node), "thread prefix [" + m.group(1) + "] but the message names " + node);
                    }
                    p.expect(ee.location().declaringType().name().equals("fabric.demo.DemoNode"), "thrown at " + ee.location());
                    reported.add(node);
                });
                p.done();
                hit.set.resume();
                continue;
            }
            ThreadReference t = ((BreakpointEvent) hit.event).thread();
            String node = nodeNameAt(t);
            if (node != null && started.add(node)) {
                Probe p = new Probe(report, "invoke DemoNode.throwUncaught on " + node);
                p.attempt("invokeMethod", () -> demoNode.invokeMethod(t, thrower, List.of(vm.mirrorOf(node)), ObjectReference.INVOKE_SINGLE_THREADED));
                p.done();
            }
            if (started.size() >= options.expectNodes) {
                bp.disable();
            }
            hit.set.resume();
        }
        report.check("an uncaught exception reported once from every node", started.size() >= options.expectNodes && reported.equals(started),
                "threads started on " + started + ", uncaught exceptions reported from " + reported);
        delete("breakpoint", bp);
        delete("exception request", uncaught);
    }

    // ------------------------------------------------------------------------------------------------ thread-suspend-resume

    /**
     * ThreadReference.suspend and resume of one thread, on each node's worker in turn: only that thread stops, its
     * frames are readable and stay put while suspended, suspend counts stack, and resume lets it run again.
     */
    private void threadSuspendResume() {
        List<ThreadReference> workers = workers();
        report.check("one worker thread per node", workers.size() >= options.expectNodes, workers.size() + " worker(s): " + names(workers));
        for (ThreadReference w : workers) {
            Probe p = new Probe(report, "suspend and resume " + safeThreadName(w) + " alone");
            p.attempt("suspend/resume", () -> {
                w.suspend();
                p.expect(w.isSuspended() && w.suspendCount() == 1, "after suspend(): suspended " + w.isSuspended() + ", count " + w.suspendCount());
                for (ThreadReference other : workers) {
                    if (!other.equals(w)) {
                        p.expect(!other.isSuspended(), safeThreadName(other) + " is suspended too");
                    }
                }
                int depth = w.frameCount();
                Location top = w.frame(0).location();
                p.expect(depth > 0, "no frames");
                Thread.sleep(700);
                p.expect(w.frameCount() == depth && w.frame(0).location().equals(top), "a suspended thread moved: " + top + " -> " + w.frame(0).location());
                w.suspend();
                p.expect(w.suspendCount() == 2, "after a second suspend(): count " + w.suspendCount());
                w.resume();
                p.expect(w.isSuspended() && w.suspendCount() == 1, "one resume() of two suspends: suspended " + w.isSuspended() + ", count " + w.suspendCount());
                w.resume();
                p.expect(!w.isSuspended() && w.suspendCount() == 0, "after the last resume(): suspended " + w.isSuspended() + ", count " + w.suspendCount());
                p.fact(depth + " frames, stopped at " + top);
            });
            p.done();
        }
    }

    // ------------------------------------------------------------------------------------------------ suspend-all

    private void suspendAll() throws Exception {
        List<ThreadReference> workers = workers();
        report.check("one worker thread per node", workers.size() >= options.expectNodes, workers.size() + " worker(s): " + names(workers));
        if (workers.isEmpty()) {
            return;
        }
        Probe suspend = new Probe(report, "vm.suspend(): every thread suspended, frames of every node's worker readable");
        if (suspend.attempt("vm.suspend()", vm::suspend)) {
            for (ThreadReference w : workers) {
                String n = safeThreadName(w);
                suspend.attempt("frames of " + n, () -> {
                    suspend.expect(w.isSuspended(), n + " is not suspended");
                    suspend.expect(w.suspendCount() >= 1, n + " suspendCount " + w.suspendCount());
                    List<StackFrame> frames = w.frames();
                    boolean inRun = false;
                    for (StackFrame f : frames) {
                        Location l = f.location();
                        inRun |= l.declaringType().name().equals(WORKER) && l.method().name().equals("run");
                    }
                    suspend.expect(inRun, n + " has no Worker.run frame among " + frames.size());
                    suspend.fact(n + ": " + frames.size() + " frames, top " + frames.get(0).location());
                });
            }
            List<String> unreadable = new ArrayList<>();
            int count = 0;
            for (ThreadReference t : vm.allThreads()) {
                count++;
                try {
                    if (t.status() != ThreadReference.THREAD_STATUS_ZOMBIE && !t.isSuspended()) {
                        unreadable.add(safeThreadName(t) + " not suspended");
                    } else {
                        t.frameCount();
                    }
                } catch (RuntimeException e) {
                    unreadable.add(safeThreadName(t) + ": " + describe(e));
                }
            }
            suspend.expect(unreadable.isEmpty(), "threads not suspended or frames unreadable: " + unreadable);
            suspend.fact(count + " threads suspended");
            suspend.attempt("vm.resume()", vm::resume);
        }
        suspend.done();

        Probe nested = new Probe(report, "vm.suspend() twice, vm.resume() twice: suspend counts follow on every node");
        nested.attempt("nested suspend", () -> {
            vm.suspend();
            vm.suspend();
            for (ThreadReference w : workers) {
                nested.expect(w.suspendCount() == 2, safeThreadName(w) + " suspendCount " + w.suspendCount() + " after two vm.suspend()");
            }
            vm.resume();
            for (ThreadReference w : workers) {
                nested.expect(w.isSuspended() && w.suspendCount() == 1, safeThreadName(w) + " after one vm.resume(): isSuspended "
                        + w.isSuspended() + ", suspendCount " + w.suspendCount());
                nested.expect(w.frameCount() > 0, safeThreadName(w) + " has no frames while still suspended");
            }
            vm.resume();
        });
        nested.done();

        Probe resumed = new Probe(report, "vm.resume(): workers run again");
        for (ThreadReference w : workers) {
            resumed.attempt("state of " + safeThreadName(w), () -> {
                resumed.expect(!w.isSuspended(), safeThreadName(w) + " still suspended");
                resumed.expect(w.suspendCount() == 0, safeThreadName(w) + " suspendCount " + w.suspendCount());
            });
        }
        resumed.done();

        ThreadReference one = workers.get(workers.size() - 1);
        Probe single = new Probe(report, "thread.suspend()/resume() of one worker [" + safeThreadName(one) + "]");
        single.attempt("suspend, read, resume", () -> {
            one.suspend();
            single.expect(one.isSuspended() && one.suspendCount() == 1, "after suspend(): isSuspended " + one.isSuspended() + ", suspendCount " + one.suspendCount());
            single.expect(one.frameCount() > 0, "no frames");
            for (ThreadReference other : workers) {
                if (!other.equals(one)) {
                    single.expect(!other.isSuspended(), safeThreadName(other) + " suspended too");
                }
            }
            one.resume();
            single.expect(!one.isSuspended() && one.suspendCount() == 0, "after resume(): isSuspended " + one.isSuspended() + ", suspendCount " + one.suspendCount());
        });
        single.done();
        othersRunWhileOneIsSuspended(one, workers);
    }

    /**
     * thread.suspend() stops that thread only: the other nodes' workers keep reaching a SUSPEND_EVENT_THREAD breakpoint
     * while the suspended one never does, and after thread.resume() it reaches the breakpoint again.
     */
    private void othersRunWhileOneIsSuspended(ThreadReference one, List<ThreadReference> workers) throws Exception {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        String oneName = safeThreadName(one);
        one.suspend();
        BreakpointRequest bp = breakpoint(demo.process, demo.processEntry, "SUSPEND_EVENT_THREAD breakpoint while " + oneName + " is suspended",
                r -> r.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD));
        if (bp == null) {
            one.resume();
            return;
        }
        Set<ThreadReference> others = new LinkedHashSet<>(workers);
        others.remove(one);
        Set<String> hitBy = new TreeSet<>();
        Set<ThreadReference> hitThreads = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        int hits = 0;
        while (!hitThreads.containsAll(others) && hits < MAX_HITS) {
            Events.Hit hit = events.await("hits of the other workers while " + oneName + " is suspended (so far " + hitBy + ")",
                    e -> e instanceof BreakpointEvent && bp.equals(e.request()));
            if (hit == null) {
                break;
            }
            hits++;
            ThreadReference t = ((BreakpointEvent) hit.event).thread();
            if (t.equals(one)) {
                problems.add("the suspended " + oneName + " hit the breakpoint");
            }
            hitThreads.add(t);
            hitBy.add(safeThreadName(t));
            hit.set.resume();
        }
        if (!one.isSuspended() || one.suspendCount() != 1) {
            problems.add("while the others ran, " + oneName + ": isSuspended " + one.isSuspended() + ", suspendCount " + one.suspendCount());
        }
        one.resume();
        Events.Hit back = events.await("a hit of " + oneName + " after thread.resume()",
                e -> e instanceof BreakpointEvent && bp.equals(e.request()) && one.equals(((BreakpointEvent) e).thread()));
        if (back != null) {
            back.set.resume();
        }
        report.check("while " + oneName + " is suspended alone, every other node's worker keeps running; resumed, it runs again",
                problems.isEmpty() && hitThreads.containsAll(others) && back != null,
                (problems.isEmpty() ? "" : "PROBLEMS: " + String.join("; ", problems) + " | ") + "hits by " + hitBy + " of " + names(new ArrayList<>(others))
                        + "; " + oneName + (back == null ? " never hit after resume()" : " hit again after resume()"));
        delete("breakpoint", bp);
    }

    /** ThreadStart/ThreadDeath events of probe threads "jdi-probe-<node>", by node. */
    private final class ThreadEvents {
        final Set<String> started = new TreeSet<>();
        final Set<String> died = new TreeSet<>();
        final List<String> problems = new ArrayList<>();
        int others;

        boolean isThreadEvent(Event e, EventRequest start, EventRequest death) {
            return (e instanceof ThreadStartEvent && start.equals(e.request())) || (e instanceof ThreadDeathEvent && death.equals(e.request()));
        }

        void record(Iterable<Event> set, EventRequest start, EventRequest death) {
            for (Event e : set) {
                if (!isThreadEvent(e, start, death)) {
                    continue;
                }
                ThreadReference t = e instanceof ThreadStartEvent ? ((ThreadStartEvent) e).thread() : ((ThreadDeathEvent) e).thread();
                String name = safeThreadName(t);
                Matcher probe = PROBE.matcher(name);
                if (!probe.find()) {
                    others++;
                    continue;
                }
                String node = probe.group(1);
                Matcher pm = PREFIX.matcher(name);
                if (pm.matches() && !pm.group(1).equals(node)) {
                    problems.add("thread " + name + " carries the prefix of another node");
                }
                if (options.expectNodes >= 2 && !pm.matches()) {
                    problems.add("thread " + name + " has no [node] prefix");
                }
                (e instanceof ThreadStartEvent ? started : died).add(node);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- interleaved-hits

    /**
     * Breakpoint hits from every node at once. Each node's worker runs process() for order "<node>-1", "<node>-2", ...
     * and blocks at a SUSPEND_EVENT_THREAD breakpoint until resumed, so the order ids one node's hits carry must be
     * consecutive: a gap is a lost event. Several hits are held suspended at once (process on the workers, compute on the
     * workers and the peer servers) and resumed in another order than they came; then again with SUSPEND_ALL.
     */
    private void interleavedHits() throws Exception {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        interleaved(demo, EventRequest.SUSPEND_EVENT_THREAD, 36);
        interleaved(demo, EventRequest.SUSPEND_ALL, 18);
    }

    private void interleaved(Demo demo, int policy, int wanted) throws InterruptedException {
        String policyName = policy == EventRequest.SUSPEND_ALL ? "SUSPEND_ALL" : "SUSPEND_EVENT_THREAD";
        BreakpointRequest process = breakpoint(demo.process, demo.processEntry, policyName + " breakpoint at process", r -> r.setSuspendPolicy(policy));
        BreakpointRequest compute = breakpoint(demo.compute, demo.computeBody, policyName + " breakpoint at compute", r -> r.setSuspendPolicy(policy));
        if (process == null || compute == null) {
            delete("breakpoint", process);
            delete("breakpoint", compute);
            return;
        }
        Map<String, List<Integer>> iterations = new TreeMap<>();
        Map<String, Integer> computeHits = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        List<Events.Hit> held = new ArrayList<>();
        int maxHeld = 0;
        int total = 0;
        java.util.Random shuffle = new java.util.Random(42);
        while (total < wanted || !everyNodeHas(iterations, 3)) {
            if (total > wanted * 4) {
                problems.add("still not 3 process hits from every node after " + total + " hits");
                break;
            }
            // Hold what arrives within a short while; then resume the held sets in a shuffled order.
            Events.Hit hit = events.await(policyName + " hits (total " + total + ", process hits " + iterations + ")",
                    e -> e instanceof BreakpointEvent && (process.equals(e.request()) || compute.equals(e.request())),
                    held.isEmpty() ? Long.MAX_VALUE : 400, held.isEmpty());
            if (hit == null) {
                if (held.isEmpty()) {
                    break;
                }
                java.util.Collections.shuffle(held, shuffle);
                for (Events.Hit h : held) {
                    try {
                        h.set.resume();
                    } catch (RuntimeException e) {
                        problems.add("resuming a held set threw " + describe(e));
                    }
                }
                held.clear();
                continue;
            }
            total++;
            BreakpointEvent be = (BreakpointEvent) hit.event;
            ThreadReference t = be.thread();
            try {
                if (!t.isSuspended()) {
                    problems.add(safeThreadName(t) + " is not suspended at its hit");
                }
                StackFrame top = t.frame(0);
                String node = stringField(top.thisObject(), "nodeName");
                Matcher pm = PREFIX.matcher(safeThreadName(t));
                if (pm.matches() && !pm.group(1).equals(node)) {
                    problems.add("hit on " + safeThreadName(t) + " but this.nodeName is " + node);
                }
                if (process.equals(be.request())) {
                    ObjectReference order = (ObjectReference) top.getValue(top.visibleVariableByName("order"));
                    String id = stringField(order, "id");
                    if (id == null || !id.startsWith(node + "-")) {
                        problems.add("order.id " + id + " on " + node);
                    } else {
                        iterations.computeIfAbsent(node, k -> new ArrayList<>()).add(Integer.parseInt(id.substring(node.length() + 1)));
                    }
                } else {
                    computeHits.merge(node, 1, Integer::sum);
                    Value quantity = top.getValue(top.visibleVariableByName("quantity"));
                    if (!(quantity instanceof IntegerValue) || ((IntegerValue) quantity).value() < 1 || ((IntegerValue) quantity).value() > 9) {
                        problems.add("compute(quantity) on " + node + " has quantity " + quantity);
                    }
                }
            } catch (Exception e) {
                problems.add("reading the hit on " + safeThreadName(t) + " threw " + describe(e));
            }
            held.add(hit);
            maxHeld = Math.max(maxHeld, held.size());
        }
        for (Events.Hit h : held) {
            h.set.resume();
        }
        for (Map.Entry<String, List<Integer>> e : iterations.entrySet()) {
            List<Integer> seq = e.getValue();
            for (int i = 1; i < seq.size(); i++) {
                if (seq.get(i) != seq.get(i - 1) + 1) {
                    problems.add(e.getKey() + ": order " + seq.get(i - 1) + " followed by " + seq.get(i) + " (an event lost, or one delivered twice)");
                }
            }
        }
        boolean ok = problems.isEmpty() && everyNodeHas(iterations, 3) && iterations.size() >= options.expectNodes;
        report.check(policyName + ": hits from every node interleaved, all delivered (consecutive orders per node), each resumable", ok,
                (problems.isEmpty() ? "" : "PROBLEMS: " + String.join("; ", problems) + " | ") + total + " hits, up to " + maxHeld
                        + " held at once; process orders per node " + iterations + "; compute hits per node " + computeHits);
        delete("breakpoint", process);
        delete("breakpoint", compute);
    }

    private boolean everyNodeHas(Map<String, List<Integer>> perNode, int n) {
        if (perNode.size() < options.expectNodes) {
            return false;
        }
        for (List<Integer> l : perNode.values()) {
            if (l.size() < n) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------- dispose-leaving-breakpoint, reattach-clean

    /** Leaves a SUSPEND_ALL breakpoint, a method entry request and a suspended virtual VM behind, and disposes. */
    private void disposeLeavingBreakpoint() throws Exception {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        BreakpointRequest bp = breakpoint(demo.process, demo.processEntry, "breakpoint left set at dispose");
        Probe entry = new Probe(report, "method entry request left set at dispose");
        entry.attempt("createMethodEntryRequest", () -> {
            MethodEntryRequest r = erm.createMethodEntryRequest();
            r.addClassFilter(ORDER_SERVICE);
            r.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
            r.enable();
        });
        entry.done();
        if (bp == null) {
            return;
        }
        Events.Hit hit = events.await("the breakpoint left set", e -> e instanceof BreakpointEvent && bp.equals(e.request()));
        report.check("stopped at the breakpoint, disposing without resuming or deleting anything", hit != null,
                hit == null ? "no hit" : Events.describe(hit.event));
    }

    /** After a previous debugger disposed with requests set and threads suspended: nothing of it is left. */
    private void reattachClean() throws Exception {
        Probe threads = new Probe(report, "no thread of any node is left suspended by the previous debugger");
        List<ThreadReference> workers = workers();
        threads.expect(workers.size() >= options.expectNodes, workers.size() + " worker(s): " + names(workers));
        threads.attempt("suspend counts", () -> {
            List<String> suspended = new ArrayList<>();
            for (ThreadReference t : vm.allThreads()) {
                if (t.suspendCount() != 0) {
                    suspended.add(safeThreadName(t) + " (suspendCount " + t.suspendCount() + ")");
                }
            }
            threads.expect(suspended.isEmpty(), "suspended: " + suspended);
            threads.fact(vm.allThreads().size() + " threads, none suspended");
        });
        threads.done();

        // With no request of ours, nothing may arrive: an event of the previous session's requests would.
        List<Event> stray = events.drain(3000);
        List<String> strayNames = new ArrayList<>();
        for (Event e : stray) {
            strayNames.add(Events.describe(e));
        }
        report.check("no event of the previous session's requests arrives (3 s)", stray.isEmpty(), stray.size() + " event(s): " + strayNames);

        Demo demo = demo();
        if (demo == null) {
            return;
        }
        BreakpointRequest bp = breakpoint(demo.process, demo.processEntry, "a new breakpoint in the new session");
        if (bp == null) {
            return;
        }
        Set<String> seen = new TreeSet<>();
        for (int hits = 0; seen.size() < options.expectNodes && hits < MAX_HITS; hits++) {
            Events.Hit hit = events.await("the new breakpoint on every node (so far " + seen + ")", e -> e instanceof BreakpointEvent && bp.equals(e.request()));
            if (hit == null) {
                break;
            }
            String node = inspectProcessFrame(((BreakpointEvent) hit.event).thread(), demo, demo.processEntry, "new session hit " + (hits + 1));
            if (node != null) {
                seen.add(node);
            }
            hit.set.resume();
        }
        report.check("the new session's breakpoint hits on every node", seen.size() >= options.expectNodes, "nodes " + seen);
        delete("breakpoint", bp);
    }

    // ---------------------------------------------------------------------------------------- late-class-one-node

    /**
     * A class loaded on one node only, while attached: one ClassPrepare, and a breakpoint set from it (as IDEs set
     * deferred breakpoints) hits on that node.
     */
    private void lateClassOneNode() throws Exception {
        String target = requireTarget();
        if (target == null) {
            return;
        }
        Probe before = new Probe(report, LATE_TASK + " is not loaded anywhere yet");
        List<ReferenceType> loaded = before.get("classesByName", () -> vm.classesByName(LATE_TASK));
        before.expect(loaded != null && loaded.isEmpty(), "classesByName gave " + loaded);
        before.done();
        ClassPrepareRequest cp = erm.createClassPrepareRequest();
        cp.addClassFilter(LATE_TASK);
        cp.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        cp.enable();
        report.signal("late");
        Events.Hit prepared = events.await("ClassPrepare of " + LATE_TASK + " on " + target, e -> e instanceof ClassPrepareEvent && cp.equals(e.request()));
        if (prepared == null) {
            return;
        }
        ClassPrepareEvent ce = (ClassPrepareEvent) prepared.event;
        Probe p = new Probe(report, "ClassPrepare of " + LATE_TASK + " from " + target + "; breakpoint set in the prepared class");
        BreakpointRequest[] bp = new BreakpointRequest[1];
        int[] line = new int[1];
        p.attempt("reading the event and setting the breakpoint", () -> {
            ReferenceType late = ce.referenceType();
            p.expect(late.name().equals(LATE_TASK), "prepared " + late.name());
            String threadName = safeThreadName(ce.thread());
            p.expect(threadName.equals("[" + target + "] control"), "prepared on thread " + threadName + ", expected [" + target + "] control");
            Method run = late.methodsByName("run").get(0);
            line[0] = distinctLines(run).get(0);
            Integer marker = options.markers.get("late");
            p.expect(marker == null || marker == line[0], "marker late is line " + marker + ", JDI gives " + line[0]);
            BreakpointRequest r = erm.createBreakpointRequest(run.locationsOfLine(line[0]).get(0));
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
            bp[0] = r;
            p.fact("prepared on " + threadName + ", breakpoint at " + LATE_TASK + ".run:" + line[0]);
        });
        p.done();
        prepared.set.resume();
        if (bp[0] == null) {
            return;
        }
        Events.Hit hit = events.await("the breakpoint in " + LATE_TASK + ".run on " + target, e -> e instanceof BreakpointEvent && bp[0].equals(e.request()));
        if (hit != null) {
            ThreadReference t = ((BreakpointEvent) hit.event).thread();
            Probe h = new Probe(report, "breakpoint in " + LATE_TASK + ".run hits on " + target + " with its argument");
            h.attempt("frame", () -> {
                StackFrame f = t.frame(0);
                h.expect(f.location().lineNumber() == line[0], "at line " + f.location().lineNumber());
                Value arg = f.getValue(f.visibleVariableByName("nodeName"));
                h.expect(arg instanceof StringReference && ((StringReference) arg).value().equals(target), "argument nodeName is " + arg);
                h.expect(safeThreadName(t).equals("[" + target + "] control"), "hit on " + safeThreadName(t));
                h.fact("hit on " + safeThreadName(t) + " at " + f.location() + ", nodeName=" + arg);
            });
            h.done();
            hit.set.resume();
        }
        List<Event> after = events.drain(3000);
        int morePrepares = 0;
        for (Event e : after) {
            morePrepares += e instanceof ClassPrepareEvent && cp.equals(e.request()) ? 1 : 0;
        }
        Probe once = new Probe(report, "one ClassPrepare in all, one type named " + LATE_TASK);
        once.expect(morePrepares == 0, morePrepares + " more ClassPrepare event(s) of " + LATE_TASK);
        List<ReferenceType> types = once.get("classesByName", () -> vm.classesByName(LATE_TASK));
        once.expect(types != null && types.size() == 1, "classesByName gave " + types);
        once.done();
        delete("breakpoint", bp[0]);
        delete("class prepare request", cp);
    }

    // ------------------------------------------------------------------------------------------------ node-killed

    /** A node killed while attached: ThreadDeath for its threads, no VMDeath, the session and the other nodes go on. */
    private void nodeKilled() throws Exception {
        String target = requireTarget();
        if (target == null) {
            return;
        }
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        ThreadDeathRequest death = erm.createThreadDeathRequest();
        death.setSuspendPolicy(EventRequest.SUSPEND_NONE);
        death.enable();
        Liveness liveness = new Liveness();
        Set<ThreadReference> targetThreads = new LinkedHashSet<>();
        Set<String> targetNames = new TreeSet<>();
        for (ThreadReference t : vm.allThreads()) {
            String n = safeThreadName(t);
            if (n.startsWith("[" + target + "] ")) {
                targetThreads.add(t);
                targetNames.add(n);
            }
        }
        report.check("threads of " + target + " before the kill", targetNames.contains("[" + target + "] worker"), targetThreads.size() + ": " + targetNames);
        report.signal("kill");
        Set<ThreadReference> pending = new LinkedHashSet<>(targetThreads);
        List<String> problems = new ArrayList<>();
        while (!pending.isEmpty()) {
            Events.Hit hit = events.await("ThreadDeath of " + target + "'s threads (" + pending.size() + " of " + targetThreads.size() + " left)",
                    e -> (e instanceof ThreadDeathEvent && death.equals(e.request())) || e instanceof VMDeathEvent);
            if (hit == null) {
                break;
            }
            for (Event e : hit.set) {
                if (e instanceof VMDeathEvent) {
                    problems.add("VMDeath delivered");
                } else if (e instanceof ThreadDeathEvent) {
                    pending.remove(((ThreadDeathEvent) e).thread());
                }
            }
            if (hit.set.suspendPolicy() != EventRequest.SUSPEND_NONE) {
                hit.set.resume();
            }
        }
        report.check("ThreadDeath for every thread of the killed " + target, pending.isEmpty() && problems.isEmpty(),
                (problems.isEmpty() ? "" : "PROBLEMS: " + problems + " | ") + (targetThreads.size() - pending.size()) + " of " + targetThreads.size() + " threads");

        Probe left = new Probe(report, "after the kill: attached, " + target + "'s threads gone, the others listed");
        left.attempt("allThreads", () -> {
            Set<String> nodes = new TreeSet<>();
            for (ThreadReference t : vm.allThreads()) {
                Matcher m = PREFIX.matcher(safeThreadName(t));
                nodes.add(m.matches() ? m.group(1) : "(no prefix)");
            }
            left.expect(!nodes.contains(target), target + " still has threads");
            left.expect(nodes.size() == options.expectNodes - 1, "threads of " + nodes + ", expected " + (options.expectNodes - 1) + " nodes");
            left.fact("threads of " + nodes);
        });
        left.attempt("allClasses", () -> left.expect(!vm.classesByName(ORDER_SERVICE).isEmpty(), ORDER_SERVICE + " gone"));
        left.done();

        BreakpointRequest bp = breakpoint(demo.process, demo.processEntry, "breakpoint after " + target + " died");
        if (bp != null) {
            Set<String> seen = new TreeSet<>();
            for (int hits = 0; seen.size() < options.expectNodes - 1 && hits < MAX_HITS; hits++) {
                Events.Hit hit = events.await("breakpoint on the remaining nodes (so far " + seen + ")",
                        e -> (e instanceof BreakpointEvent && bp.equals(e.request())) || e instanceof VMDeathEvent);
                if (hit == null) {
                    break;
                }
                if (hit.event instanceof VMDeathEvent) {
                    report.fail("no VMDeath", "VMDeath delivered after " + target + " died");
                    continue;
                }
                String node = inspectProcessFrame(((BreakpointEvent) hit.event).thread(), demo, demo.processEntry, "after the kill, hit " + (hits + 1));
                if (node != null) {
                    seen.add(node);
                }
                hit.set.resume();
            }
            report.check("the remaining nodes keep working: breakpoint hits on each", seen.size() >= options.expectNodes - 1 && !seen.contains(target), "nodes " + seen);
            delete("breakpoint", bp);
        }
        List<Event> tail = events.drain(1500);
        int deaths = 0;
        for (Event e : tail) {
            deaths += e instanceof VMDeathEvent ? 1 : 0;
        }
        report.check("no VMDeath and still attached", deaths == 0 && liveness.attached(vm), deaths + " VMDeath event(s); vm.name() " + liveness.name(vm));
        delete("thread death request", death);
    }

    /** Whether the connection to the virtual VM still answers. */
    private static final class Liveness {
        boolean attached(VirtualMachine vm) {
            try {
                vm.allThreads();
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }

        String name(VirtualMachine vm) {
            try {
                return vm.name();
            } catch (RuntimeException e) {
                return "threw " + e;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- node-joins

    /**
     * A configured node that starts while attached: its threads are announced (ThreadStart), the session's breakpoint
     * and ClassPrepare request reach it, and its events arrive.
     */
    private void nodeJoins() throws Exception {
        String target = requireTarget();
        if (target == null) {
            return;
        }
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        Probe before = new Probe(report, target + " is not up yet");
        before.attempt("allThreads", () -> {
            for (ThreadReference t : vm.allThreads()) {
                before.expect(!safeThreadName(t).startsWith("[" + target + "] "), "thread " + safeThreadName(t) + " already there");
            }
            before.fact(workers().size() + " worker(s): " + names(workers()));
        });
        before.done();
        ThreadStartRequest start = erm.createThreadStartRequest();
        start.setSuspendPolicy(EventRequest.SUSPEND_NONE);
        start.enable();
        ClassPrepareRequest cp = erm.createClassPrepareRequest();
        cp.addClassFilter(LATE_TASK);
        cp.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        cp.enable();
        BreakpointRequest bp = breakpoint(demo.process, demo.processEntry, "breakpoint set before " + target + " joins");
        if (bp == null) {
            return;
        }
        report.signal("join");
        Set<String> started = new TreeSet<>();
        Events.Hit joinedHit = null;
        for (int n = 0; joinedHit == null && n < 200; n++) {
            Events.Hit hit = events.await("ThreadStart of [" + target + "] worker and a breakpoint hit on " + target + " (started " + started + ")",
                    e -> (e instanceof ThreadStartEvent && start.equals(e.request())) || (e instanceof BreakpointEvent && bp.equals(e.request())));
            if (hit == null) {
                break;
            }
            boolean keep = false;
            for (Event e : hit.set) {
                if (e instanceof ThreadStartEvent && start.equals(e.request())) {
                    String name = safeThreadName(((ThreadStartEvent) e).thread());
                    if (name.startsWith("[" + target + "] ")) {
                        started.add(name.substring(target.length() + 3));
                    }
                } else if (e instanceof BreakpointEvent && bp.equals(e.request())) {
                    String name = safeThreadName(((BreakpointEvent) e).thread());
                    keep = name.equals("[" + target + "] worker");
                }
            }
            if (keep) {
                joinedHit = hit;
            } else if (hit.set.suspendPolicy() != EventRequest.SUSPEND_NONE) {
                hit.set.resume();
            }
        }
        report.check("ThreadStart of the joining node's threads (worker, peer-server, control)", started.containsAll(NODE_THREADS), "started on " + target + ": " + started);
        if (joinedHit == null) {
            report.fail("the session's breakpoint hits on the joining " + target, "no hit");
            return;
        }
        String node = inspectProcessFrame(((BreakpointEvent) joinedHit.event).thread(), demo, demo.processEntry, "hit on the joining node");
        report.check("the session's breakpoint hits on the joining " + target, target.equals(node), "hit on " + node);
        joinedHit.set.resume();
        delete("breakpoint", bp);

        report.signal("late");
        Events.Hit prepared = events.await("ClassPrepare of " + LATE_TASK + " on the joined " + target, e -> e instanceof ClassPrepareEvent && cp.equals(e.request()));
        if (prepared != null) {
            String thread = safeThreadName(((ClassPrepareEvent) prepared.event).thread());
            report.check("the session's ClassPrepare request reaches the joined node", thread.equals("[" + target + "] control"),
                    ((ClassPrepareEvent) prepared.event).referenceType().name() + " prepared on " + thread);
            prepared.set.resume();
        }
        delete("class prepare request", cp);
        delete("thread start request", start);
    }

    // --------------------------------------------------------------------------------------------------- redefine

    /** vm.redefineClasses with a compute() that returns at least 1000: every node runs the new code. */
    private void redefine() throws Exception {
        if (options.classFile == null) {
            report.fail("--class-file", "the redefine scenario needs --class-file with the changed OrderService.class");
            return;
        }
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(options.classFile));
        Probe r = new Probe(report, "vm.redefineClasses(OrderService) with compute() returning 1000 + bonus");
        r.expect(vm.canRedefineClasses(), "canRedefineClasses is false");
        boolean done = r.attempt("redefineClasses", () -> vm.redefineClasses(Map.of(demo.orderService, bytes)));
        r.fact(bytes.length + " bytes");
        r.done();
        if (!done) {
            return;
        }
        List<ReferenceType> types = vm.classesByName(ORDER_SERVICE);
        report.check("still one type named " + ORDER_SERVICE + ", the same mirror", types.size() == 1 && types.get(0).equals(demo.orderService), String.valueOf(types));
        Method process = demo.orderService.methodsByName("process").get(0);
        BreakpointRequest bp = breakpoint(process, demo.processCompute + 1, "breakpoint after the compute call");
        if (bp == null) {
            return;
        }
        Set<String> seen = new TreeSet<>();
        for (int hits = 0; seen.size() < options.expectNodes && hits < MAX_HITS; hits++) {
            Events.Hit hit = events.await("the breakpoint after compute on every node (so far " + seen + ")", e -> e instanceof BreakpointEvent && bp.equals(e.request()));
            if (hit == null) {
                break;
            }
            ThreadReference t = ((BreakpointEvent) hit.event).thread();
            Probe p = new Probe(report, "redefined hit " + (hits + 1) + " [" + safeThreadName(t) + "]: total includes the new compute()");
            p.attempt("locals", () -> {
                StackFrame f = t.frame(0);
                Value total = f.getValue(f.visibleVariableByName("total"));
                String node = stringField(f.thisObject(), "nodeName");
                p.expect(total instanceof IntegerValue && ((IntegerValue) total).value() >= 1000, node + " still runs the old compute(): total " + total);
                p.fact(node + ": total " + total);
                seen.add(node);
            });
            p.done();
            hit.set.resume();
        }
        report.check("every node runs the redefined class", seen.size() >= options.expectNodes, "nodes " + seen);
        delete("breakpoint", bp);
    }

    private String requireTarget() {
        if (options.targetNode == null) {
            report.fail("--target-node", "this scenario acts on one node: pass --target-node");
        }
        return options.targetNode;
    }

    // ---------------------------------------------------------------------------------------------------- inspect

    /**
     * What an IDE's variable, memory and class views do beyond stepping, on one suspended worker thread: modules,
     * statics, assignments (primitive and object-valued fields, array elements, a new array), instances and their
     * counts, referring objects, class objects, visible classes, thread group parents, type details, bytecodes,
     * monitors, a static interface method, force early return, interrupt, stop, and finally vm.exit. Every node exits.
     */
    private void inspect() throws Exception {
        Demo demo = demo();
        if (demo == null) {
            return;
        }
        BreakpointRequest bp = breakpoint(demo.process, demo.processCompute, "breakpoint at the compute call of process");
        if (bp == null) {
            return;
        }
        Events.Hit hit = events.await("breakpoint at process:" + demo.processCompute, e -> e instanceof BreakpointEvent && bp.equals(e.request()));
        if (hit == null) {
            return;
        }
        ThreadReference thread = ((BreakpointEvent) hit.event).thread();
        String node = nodeNameAt(thread);
        ClassType orderService = (ClassType) demo.orderService;
        ClassType stringType = (ClassType) vm.classesByName("java.lang.String").get(0);

        // Statics first: they are read on the context node, the node of the last event or object-routed command.
        inspectStatics(thread, node, orderService, demo);
        inspectModules(orderService, stringType);
        inspectAssignments(thread, node);
        inspectArrays(thread);
        inspectInstances(thread, node, orderService);
        inspectTypes(thread, orderService, demo);
        inspectThreads(thread);
        inspectInterfaceInvoke(thread, node);

        Probe all = new Probe(report, "deleteAllBreakpoints, setDefaultStratum(\"Java\")");
        all.attempt("deleteAllBreakpoints", () -> {
            erm.deleteAllBreakpoints();
            all.expect(erm.breakpointRequests().isEmpty(), "breakpoint requests left: " + erm.breakpointRequests());
        });
        all.attempt("setDefaultStratum", () -> {
            vm.setDefaultStratum("Java");
            all.expect("Java".equals(vm.getDefaultStratum()), "default stratum is " + vm.getDefaultStratum());
            all.expect("Java".equals(thread.frame(0).location().declaringType().defaultStratum()), "OrderService's default stratum is "
                    + thread.frame(0).location().declaringType().defaultStratum());
        });
        all.fact("JDI has no API for VirtualMachine.HoldEvents/ReleaseEvents (neither OpenJDK's nor Eclipse's)");
        all.done();

        BreakpointRequest after = breakpoint(demo.process, demo.processCompute + 1, "breakpoint after the compute call on " + safeThreadName(thread),
                r -> r.addThreadFilter(thread));
        Events.Hit stopped = after == null ? null : forceEarlyReturn(hit, thread, demo, after);
        stopped = stopped == null ? null : afterFirstRejection(stopped, thread, after);
        delete("breakpoint after the compute call", after);
        if (stopped != null) {
            stop(stopped, thread);
        }
        interrupt(node);
        exit();
    }

    /** vm.allModules, ReferenceType.module, ModuleReference.name/classLoader (OpenJDK's JDI; Eclipse's has no modules). */
    private void inspectModules(ClassType orderService, ClassType stringType) {
        Probe p = new Probe(report, "modules: vm.allModules(), module() of OrderService and String, their names and loaders");
        List<com.sun.jdi.ModuleReference> modules;
        try {
            modules = vm.allModules();
        } catch (UnsupportedOperationException e) {
            p.expect(options.jdi.equals("eclipse"), "allModules unsupported by " + options.jdi + " JDI: " + e.getMessage());
            p.fact("Eclipse's JDI implements no module API (" + e.getMessage() + ")");
            p.done();
            return;
        }
        p.attempt("modules", () -> {
            com.sun.jdi.ModuleReference app = orderService.module();
            p.expect(app.name() == null, "OrderService is in module '" + app.name() + "', not the unnamed module");
            // The module and the loader are per-node state of a shared type, each read from the context node of its
            // moment (docs/virtual-vm.md): through the gateway they may be two nodes' application loaders.
            p.expect(app.classLoader() != null && orderService.classLoader() != null
                    && app.classLoader().referenceType().equals(orderService.classLoader().referenceType()),
                    "OrderService's unnamed module has loader " + app.classLoader() + ", the class " + orderService.classLoader());
            com.sun.jdi.ModuleReference base = stringType.module();
            p.expect("java.base".equals(base.name()) && base.classLoader() == null, "String is in module " + base.name() + " of loader " + base.classLoader());
            // Through the gateway every node's modules are listed (names are not read for all: a JDK has about 70).
            p.expect(modules.contains(app) && modules.contains(base), "allModules() lacks " + (modules.contains(app) ? base : app));
            p.expect(modules.size() >= 20 * options.expectNodes, modules.size() + " modules for " + options.expectNodes + " node(s)");
            p.fact(modules.size() + " modules; OrderService in the unnamed module of " + app.classLoader());
        });
        p.done();
    }

    /** Static reads (ReferenceType.GetValues) and an object-valued static assignment (ClassType.SetValues). */
    private void inspectStatics(ThreadReference thread, String node, ClassType orderService, Demo demo) {
        Probe p = new Probe(report, "static OrderService.homeNode read, assigned a new string, read back, restored");
        p.attempt("homeNode", () -> {
            Value before = orderService.getValue(demo.homeNode);
            p.expect(before instanceof StringReference && ((StringReference) before).value().equals(node),
                    "homeNode is " + before + " on a thread of " + node);
            StringReference changed = vm.mirrorOf("inspected-" + node);
            orderService.setValue(demo.homeNode, changed);
            Value after = orderService.getValue(demo.homeNode);
            p.expect(changed.equals(after), "homeNode reads back as " + after + " after setting " + changed);
            Value tag = orderService.invokeMethod(thread, demo.tag, List.of(vm.mirrorOf("t")), ObjectReference.INVOKE_SINGLE_THREADED);
            p.expect(tag instanceof StringReference && ((StringReference) tag).value().equals("t@inspected-" + node),
                    "tag(\"t\") after the assignment returned " + tag);
            orderService.setValue(demo.homeNode, before);
            Value restored = orderService.getValue(demo.homeNode);
            p.expect(before.equals(restored), "homeNode reads " + restored + " after restoring " + before);
            p.fact("homeNode " + before + " -> " + after + " (tag " + tag + ") -> " + restored);
        });
        p.done();
    }

    /** Instance field assignments: an int (this.processed) and an object (order.customer, a new Customer). */
    private void inspectAssignments(ThreadReference thread, String node) {
        Probe p = new Probe(report, "assign this.processed (int) and order.customer (a new Customer object), read back, restore");
        p.attempt("fields", () -> {
            StackFrame f = thread.frame(0);
            ObjectReference self = f.thisObject();
            Field processed = self.referenceType().fieldByName("processed");
            IntegerValue count = (IntegerValue) self.getValue(processed);
            self.setValue(processed, vm.mirrorOf(count.value() + 1000));
            Value bumped = self.getValue(processed);
            p.expect(bumped instanceof IntegerValue && ((IntegerValue) bumped).value() == count.value() + 1000,
                    "processed reads " + bumped + " after setting " + (count.value() + 1000));
            self.setValue(processed, count);
            p.expect(count.equals(self.getValue(processed)), "processed not restored to " + count);

            ObjectReference order = (ObjectReference) f.getValue(f.visibleVariableByName("order"));
            Field customerField = order.referenceType().fieldByName("customer");
            ObjectReference customer = (ObjectReference) order.getValue(customerField);
            ClassType customerType = (ClassType) customer.referenceType();
            Method ctor = customerType.concreteMethodByName("<init>", "(Ljava/lang/String;)V");
            ObjectReference zoe = customerType.newInstance(thread, ctor, List.of(vm.mirrorOf("zoe")), ObjectReference.INVOKE_SINGLE_THREADED);
            zoe.disableCollection();
            order.setValue(customerField, zoe);
            Value now = order.getValue(customerField);
            p.expect(zoe.equals(now), "order.customer reads " + now + " after setting " + zoe);
            Method toString = order.referenceType().methodsByName("toString", "()Ljava/lang/String;").get(0);
            Value text = order.invokeMethod(thread, toString, List.of(), ObjectReference.INVOKE_SINGLE_THREADED);
            p.expect(text instanceof StringReference && ((StringReference) text).value().endsWith(" for zoe]"), "order.toString() is " + text);
            order.setValue(customerField, customer);
            p.expect(customer.equals(order.getValue(customerField)), "order.customer not restored to " + customer);
            zoe.enableCollection();
            p.fact("processed " + count + " -> " + bumped + " -> " + count + "; " + text + " (" + node + ")");
        });
        p.done();
    }

    /**
     * Array elements: a long (order.history[2]), a String in a static String[] (Worker.CUSTOMERS[0], read with
     * ReferenceType.GetValues), and a new String[3] (ArrayType.newInstance) filled and read back.
     */
    private void inspectArrays(ThreadReference thread) {
        Probe p = new Probe(report, "assign order.history[2], Worker.CUSTOMERS[0] (a String) and the elements of a new String[3]");
        p.attempt("arrays", () -> {
            StackFrame f = thread.frame(0);
            ObjectReference order = (ObjectReference) f.getValue(f.visibleVariableByName("order"));
            ArrayReference history = (ArrayReference) order.getValue(order.referenceType().fieldByName("history"));
            Value old = history.getValue(2);
            history.setValue(2, vm.mirrorOf(4217L));
            p.expect(vm.mirrorOf(4217L).equals(history.getValue(2)), "history[2] reads " + history.getValue(2) + " after setting 4217");
            history.setValue(2, old);

            ReferenceType worker = vm.classesByName(WORKER).get(0);
            ArrayReference customers = (ArrayReference) worker.getValue(worker.fieldByName("CUSTOMERS"));
            StringReference first = (StringReference) customers.getValue(0);
            p.expect("alice".equals(first.value()), "Worker.CUSTOMERS[0] is " + first);
            StringReference ann = vm.mirrorOf("ann");
            customers.setValue(0, ann);
            Value read = customers.getValue(0);
            p.expect(ann.equals(read) && "ann".equals(((StringReference) read).value()), "CUSTOMERS[0] reads " + read + " after setting " + ann);
            customers.setValue(0, first);
            p.expect(first.equals(customers.getValue(0)), "CUSTOMERS[0] not restored to " + first);

            ArrayType strings = (ArrayType) vm.classesByName("java.lang.String[]").get(0);
            ArrayReference created = strings.newInstance(3);
            created.disableCollection();
            List<Value> values = List.of(vm.mirrorOf("a"), vm.mirrorOf("b"), first);
            created.setValues(values);
            List<Value> back = created.getValues();
            p.expect(back.equals(values), "new String[3] reads " + back + " after setting " + values);
            p.expect(created.length() == 3 && created.referenceType().equals(strings), "new array " + created.referenceType() + " of length " + created.length());
            created.enableCollection();
            p.fact("history[2] " + old + "; CUSTOMERS " + customers.getValues() + "; new " + strings.name() + " " + back);
        });
        p.done();
    }

    /** vm.instanceCounts, ReferenceType.instances, ObjectReference.referringObjects, classObject/reflectedType, visibleClasses. */
    private void inspectInstances(ThreadReference thread, String node, ClassType orderService) {
        Probe p = new Probe(report, "instances and counts of OrderService and Worker, referring objects, class object, visible classes");
        p.attempt("instances", () -> {
            ReferenceType worker = vm.classesByName(WORKER).get(0);
            long[] counts = vm.instanceCounts(List.of(orderService, worker));
            p.expect(counts[0] == options.expectNodes && counts[1] == options.expectNodes,
                    "instance counts " + counts[0] + " OrderService, " + counts[1] + " Worker for " + options.expectNodes + " node(s)");
            List<ObjectReference> services = orderService.instances(0);
            Set<String> nodes = new TreeSet<>();
            for (ObjectReference s : services) {
                nodes.add(stringField(s, "nodeName"));
            }
            // Instances are per-node state of a shared type: the gateway lists those of the context node, the node of
            // the stopped thread (docs/virtual-vm.md); instanceCounts sums over the nodes.
            p.expect(services.size() == 1 && nodes.equals(Set.of(node)),
                    "instances() lists " + services.size() + " OrderService(s) of nodes " + nodes + " while stopped on " + node);

            ObjectReference self = thread.frame(0).thisObject();
            List<ObjectReference> referrers = self.referringObjects(0);
            Set<String> types = new TreeSet<>();
            for (ObjectReference r : referrers) {
                types.add(r.referenceType().name());
            }
            p.expect(types.contains(WORKER) && types.contains("fabric.demo.PeerServer"), "objects referring to this OrderService: " + types);

            com.sun.jdi.ClassObjectReference classObject = orderService.classObject();
            p.expect(orderService.equals(classObject.reflectedType()), "classObject().reflectedType() is " + classObject.reflectedType());
            p.expect(classObject.referenceType().name().equals("java.lang.Class"), "classObject() is a " + classObject.referenceType().name());

            com.sun.jdi.ClassLoaderReference loader = orderService.classLoader();
            List<ReferenceType> visible = loader.visibleClasses();
            p.expect(visible.contains(orderService) && visible.contains(worker), "visibleClasses() of " + loader + " lacks OrderService or Worker");
            p.fact("counts " + counts[0] + "/" + counts[1] + "; services of " + nodes + "; referrers " + types + "; "
                    + visible.size() + " classes visible to " + loader.referenceType().name());
        });
        p.done();
    }

    /** Type and method details an IDE shows: modifiers, status, variables, bytecodes, class file version. */
    private void inspectTypes(ThreadReference thread, ClassType orderService, Demo demo) {
        Probe p = new Probe(report, "OrderService modifiers, status, class file version; process() variables, bytecodes, isObsolete");
        p.attempt("types", () -> {
            p.expect(orderService.isPublic() && orderService.isFinal(), "OrderService modifiers " + Integer.toHexString(orderService.modifiers()));
            p.expect(orderService.isInitialized() && orderService.isPrepared() && orderService.isVerified(), "OrderService is not initialized");
            int major = orderService.majorVersion();
            p.expect(major >= 61, "class file version " + major + "." + orderService.minorVersion());
            List<String> names = new ArrayList<>();
            for (LocalVariable v : demo.process.variables()) {
                names.add(v.name());
            }
            p.expect(names.containsAll(List.of("order", "total", "label", "parts")), "process() variables " + names);
            byte[] code = demo.process.bytecodes();
            p.expect(code.length > 20, "process() has " + code.length + " bytes of code");
            p.expect(!demo.process.isObsolete() && !thread.frame(0).location().method().isObsolete(), "process() is obsolete");
            p.fact("class file " + major + ", " + code.length + " bytes of code, variables " + names);
        });
        // Not called: nestedTypes(), which both JDIs compute from the list of all classes (no NestedTypes command).
        p.fact("JDI sends Fields, Methods and VariableTable only to VMs without JDWP 1.5 generics");
        p.done();
    }

    /** Thread group parents and the monitors the stopped thread owns, with their frames. */
    private void inspectThreads(ThreadReference thread) {
        Probe p = new Probe(report, "thread group parents up from the worker's group; ownedMonitorsAndFrames");
        p.attempt("groups", () -> {
            List<String> chain = new ArrayList<>();
            ThreadGroupReference g = thread.threadGroup();
            while (g != null && chain.size() < 8) {
                chain.add(g.name());
                g = g.parent();
            }
            // Through the gateway each node's system group hangs under a group named after the node.
            List<String> plain = new ArrayList<>();
            for (String n : chain) {
                Matcher m = PREFIX.matcher(n);
                plain.add(m.matches() ? m.group(2) : n);
            }
            p.expect(plain.size() >= 2 && plain.get(0).equals("main") && plain.get(1).equals("system"), "group chain " + chain);
            p.expect(options.expectNodes < 2 || (plain.size() >= 3 && plain.get(2).equals(nodeNameAt(thread))), "group chain " + chain
                    + " has no node group above system");
            List<com.sun.jdi.MonitorInfo> monitors = thread.ownedMonitorsAndFrames();
            List<ObjectReference> owned = thread.ownedMonitors();
            p.expect(monitors.size() == owned.size(), monitors.size() + " monitors with frames, " + owned.size() + " owned monitors");
            for (com.sun.jdi.MonitorInfo m : monitors) {
                p.expect(owned.contains(m.monitor()) && m.stackDepth() >= -1 && m.stackDepth() < thread.frameCount(), "monitor " + m.monitor() + " at depth " + m.stackDepth());
            }
            p.fact("groups " + chain + "; " + monitors.size() + " monitor(s) owned");
        });
        p.done();
    }

    /** A static interface method of the demo, Labelled.shout(String) (InterfaceType.InvokeMethod): it runs on the thread's node. */
    private void inspectInterfaceInvoke(ThreadReference thread, String node) {
        Probe p = new Probe(report, "static interface method Labelled.shout(\"x\") on " + safeThreadName(thread));
        p.attempt("Labelled.shout", () -> {
            com.sun.jdi.InterfaceType labelled = (com.sun.jdi.InterfaceType) vm.classesByName(LABELLED).get(0);
            Method shout = labelled.methodsByName("shout", "(Ljava/lang/String;)Ljava/lang/String;").get(0);
            StringReference x = vm.mirrorOf("x");
            x.disableCollection();
            Value v = labelled.invokeMethod(thread, shout, List.of(x), ObjectReference.INVOKE_SINGLE_THREADED);
            x.enableCollection();
            p.expect(v instanceof StringReference && ((StringReference) v).value().equals("X@" + node), "Labelled.shout(\"x\") returned " + v);
            p.fact("returned " + v);
        });
        p.done();
    }

    /**
     * Resumes {@code hit}, stops the same worker in compute() and forces it to return 5000; at the line after the
     * compute call, total must be quantity * 10 + 5000. Returns that event's set, still suspended.
     */
    private Events.Hit forceEarlyReturn(Events.Hit hit, ThreadReference thread, Demo demo, BreakpointRequest after) throws InterruptedException {
        BreakpointRequest inCompute = breakpoint(demo.compute, demo.computeBody, "breakpoint in compute() on " + safeThreadName(thread), r -> r.addThreadFilter(thread));
        hit.set.resume();
        if (inCompute == null) {
            return null;
        }
        Events.Hit in = events.await("breakpoint in compute()", e -> e instanceof BreakpointEvent && inCompute.equals(e.request()));
        if (in == null) {
            return null;
        }
        Probe p = new Probe(report, "forceEarlyReturn(5000) from compute(): total is quantity * 10 + 5000 after the call");
        p.expect(vm.canForceEarlyReturn(), "canForceEarlyReturn is false");
        boolean forced = p.attempt("forceEarlyReturn", () -> thread.forceEarlyReturn(vm.mirrorOf(5000)));
        delete("breakpoint in compute()", inCompute);
        in.set.resume();
        Events.Hit next = forced ? events.await("breakpoint after the compute call", e -> e instanceof BreakpointEvent && after.equals(e.request())) : null;
        if (next != null) {
            p.attempt("total", () -> {
                StackFrame f = thread.frame(0);
                int total = ((IntegerValue) f.getValue(f.visibleVariableByName("total"))).value();
                ObjectReference order = (ObjectReference) f.getValue(f.visibleVariableByName("order"));
                int quantity = ((IntegerValue) order.getValue(order.referenceType().fieldByName("quantity"))).value();
                p.expect(total == quantity * 10 + 5000, "total " + total + " for quantity " + quantity);
                p.fact("total " + total + " = " + quantity + " * 10 + 5000");
            });
        }
        p.done();
        return next;
    }

    /**
     * The worker's node prepares IllegalStateException when process() first rejects an order (processed reaches 5);
     * before that the class may be loaded there but not prepared, and a constructor cannot be called on that node.
     * Resumes to the next hit of {@code after} until then; returns that hit, still suspended.
     */
    private Events.Hit afterFirstRejection(Events.Hit hit, ThreadReference thread, BreakpointRequest after) throws InterruptedException {
        for (int i = 0; i < MAX_HITS; i++) {
            int processed;
            try {
                ObjectReference self = thread.frame(0).thisObject();
                processed = ((IntegerValue) self.getValue(self.referenceType().fieldByName("processed"))).value();
            } catch (Exception e) {
                report.fail("reading this.processed on " + safeThreadName(thread), describe(e));
                hit.set.resume();
                return null;
            }
            if (processed >= 5) {
                return hit;
            }
            hit.set.resume();
            hit = events.await("breakpoint after the compute call (processed " + processed + " < 5)", e -> e instanceof BreakpointEvent && after.equals(e.request()));
            if (hit == null) {
                return null;
            }
        }
        report.fail("processed reaches 5", "not within " + MAX_HITS + " hits");
        hit.set.resume();
        return null;
    }

    /**
     * ThreadReference.stop with an IllegalStateException made in the stopped worker: the worker catches it (as it does
     * the every-5th rejection) and carries on; the exception event names the debugger's exception object.
     */
    private void stop(Events.Hit hit, ThreadReference thread) throws InterruptedException {
        Probe p = new Probe(report, "thread.stop(new IllegalStateException(\"stopped by the debugger\")) in process(); Worker.run catches it");
        ReferenceType ise = vm.classesByName(ISE).isEmpty() ? null : vm.classesByName(ISE).get(0);
        if (!p.expect(ise != null, ISE + " is not loaded")) {
            p.done();
            hit.set.resume();
            return;
        }
        ObjectReference exception = p.get("new IllegalStateException", () -> {
            ClassType type = (ClassType) ise;
            Method ctor = type.concreteMethodByName("<init>", "(Ljava/lang/String;)V");
            StringReference message = vm.mirrorOf("stopped by the debugger");
            message.disableCollection();
            ObjectReference e = type.newInstance(thread, ctor, List.of(message), ObjectReference.INVOKE_SINGLE_THREADED);
            e.disableCollection();
            message.enableCollection();
            return e;
        });
        ExceptionRequest request = p.get("createExceptionRequest", () -> {
            ExceptionRequest r = erm.createExceptionRequest(ise, true, true);
            r.addThreadFilter(thread);
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            r.enable();
            return r;
        });
        boolean sent = exception != null && request != null && p.attempt("stop", () -> thread.stop(exception));
        hit.set.resume();
        if (sent) {
            Events.Hit thrown = events.await("the exception event of the stopped thread",
                    e -> e instanceof ExceptionEvent && request.equals(e.request()) && exception.equals(((ExceptionEvent) e).exception()));
            if (thrown != null) {
                Location at = ((ExceptionEvent) thrown.event).catchLocation();
                p.expect(at != null && at.declaringType().name().equals(WORKER), "caught at " + at);
                p.fact("thrown at " + ((ExceptionEvent) thrown.event).location() + ", caught at " + at);
                delete("exception request", request);
                thrown.set.resume();
            } else {
                p.problem("no exception event for the stopped thread");
            }
        }
        p.done();
        if (exception != null) {
            try {
                exception.enableCollection();
            } catch (RuntimeException e) {
                // Not a check: the VM exits next.
            }
        }
    }

    /** ThreadReference.interrupt of the node's control thread (blocked reading stdin, which interrupts do not end). */
    private void interrupt(String node) {
        Probe p = new Probe(report, "interrupt() the control thread of " + node + "; its interrupted field reads true");
        p.attempt("interrupt", () -> {
            ThreadReference control = null;
            for (ThreadReference t : vm.allThreads()) {
                String n = safeThreadName(t);
                if (n.equals("control") || n.equals("[" + node + "] control")) {
                    control = t;
                }
            }
            p.expect(control != null, "no control thread of " + node);
            if (control == null) {
                return;
            }
            Field interrupted = control.referenceType().fieldByName("interrupted");
            Value before = control.getValue(interrupted);
            control.interrupt();
            Value after = control.getValue(interrupted);
            p.expect(vm.mirrorOf(true).equals(after), "interrupted reads " + after + " after interrupt() (before: " + before + ")");
            p.fact(safeThreadName(control) + " interrupted " + before + " -> " + after);
        });
        p.done();
    }

    /** vm.exit(0): every node exits, the connection closes. */
    private void exit() throws InterruptedException {
        Probe p = new Probe(report, "vm.exit(0), then the VM disconnects");
        boolean sent = p.attempt("exit", () -> vm.exit(0));
        if (sent) {
            try {
                events.drain(events.remaining());
                p.problem("no disconnection before the deadline");
            } catch (Events.Disconnected e) {
                p.fact("disconnected: " + e.getMessage());
            }
        }
        p.done();
    }

    // -------------------------------------------------------------------------------------------------- helpers

    /** The demo's types and the lines the scenarios stop at, read through JDI and compared with the source markers. */
    private static final class Demo {
        ReferenceType orderService;
        Method process;
        Method compute;
        /** OrderService.homeNode: a static whose value is the node's name, different on every node. */
        Field homeNode;
        /** OrderService.tag(String): a static method whose answer names the node that ran it. */
        Method tag;
        int processEntry;
        int processCompute;
        int computeBody;
    }

    private Demo demo() {
        Probe p = new Probe(report, "line table of OrderService.process/compute matches the source markers");
        Demo d = new Demo();
        p.attempt("reading " + ORDER_SERVICE, () -> {
            List<ReferenceType> types = vm.classesByName(ORDER_SERVICE);
            p.expect(types.size() == 1, types.size() + " types named " + ORDER_SERVICE);
            d.orderService = types.get(0);
            d.process = d.orderService.methodsByName("process").get(0);
            d.compute = d.orderService.methodsByName("compute").get(0);
            d.homeNode = d.orderService.fieldByName("homeNode");
            p.expect(d.homeNode != null && d.homeNode.isStatic(), ORDER_SERVICE + " has no static field homeNode: " + d.homeNode);
            List<Method> tags = d.orderService.methodsByName("tag", "(Ljava/lang/String;)Ljava/lang/String;");
            p.expect(tags.size() == 1 && tags.get(0).isStatic(), ORDER_SERVICE + " has no static tag(String): " + tags);
            d.tag = tags.isEmpty() ? null : tags.get(0);
            List<Integer> lines = distinctLines(d.process);
            p.expect(lines.size() >= 5, "process has lines " + lines);
            d.processEntry = marker(p, "process-entry", lines.get(0));
            // Lines of process in code order: entry, label, parts, the compute call.
            d.processCompute = marker(p, "process-compute", lines.get(3));
            d.computeBody = marker(p, "compute-body", distinctLines(d.compute).get(0));
            p.fact("process lines " + lines + "; entry " + d.processEntry + ", compute call " + d.processCompute + ", compute body " + d.computeBody);
        });
        return p.done() ? d : null;
    }

    private int marker(Probe p, String name, int fromJdi) {
        Integer m = options.markers.get(name);
        if (m == null) {
            return fromJdi;
        }
        p.expect(m == fromJdi, "marker " + name + " is line " + m + " but JDI's line table gives " + fromJdi);
        return m;
    }

    private static List<Integer> distinctLines(Method m) throws AbsentInformationException {
        List<Location> all = new ArrayList<>(m.allLineLocations());
        all.sort((a, b) -> Long.compare(a.codeIndex(), b.codeIndex()));
        List<Integer> lines = new ArrayList<>();
        for (Location l : all) {
            if (!lines.contains(l.lineNumber())) {
                lines.add(l.lineNumber());
            }
        }
        return lines;
    }

    private BreakpointRequest breakpoint(Method method, int line, String what) {
        return breakpoint(method, line, what, r -> { });
    }

    /** A SUSPEND_ALL breakpoint at the line, adjusted by {@code configure} before it is enabled. */
    private BreakpointRequest breakpoint(Method method, int line, String what, java.util.function.Consumer<BreakpointRequest> configure) {
        Probe p = new Probe(report, what + " (line " + line + ")");
        BreakpointRequest bp = p.get("createBreakpointRequest", () -> {
            List<Location> at = method.locationsOfLine(line);
            BreakpointRequest r = erm.createBreakpointRequest(at.get(0));
            r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
            configure.accept(r);
            r.enable();
            p.fact("at " + at.get(0) + " code index " + at.get(0).codeIndex());
            return r;
        });
        p.done();
        return bp;
    }

    /** A type that may not be loaded yet: waits for its ClassPrepare (bounded). */
    private ReferenceType loadedType(String name) throws InterruptedException {
        List<ReferenceType> types = vm.classesByName(name);
        if (!types.isEmpty()) {
            return types.get(0);
        }
        ClassPrepareRequest cp = erm.createClassPrepareRequest();
        cp.addClassFilter(name);
        cp.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        cp.enable();
        Events.Hit hit = events.await("ClassPrepare of " + name, e -> e instanceof ClassPrepareEvent && cp.equals(e.request()));
        delete("class prepare request", cp);
        if (hit == null) {
            return null;
        }
        hit.set.resume();
        return ((ClassPrepareEvent) hit.event).referenceType();
    }

    private List<ThreadReference> workers() {
        List<ThreadReference> workers = new ArrayList<>();
        for (ThreadReference t : vm.allThreads()) {
            String n = safeThreadName(t);
            Matcher m = PREFIX.matcher(n);
            if ((m.matches() ? m.group(2) : n).equals("worker")) {
                workers.add(t);
            }
        }
        workers.sort((a, b) -> safeThreadName(a).compareTo(safeThreadName(b)));
        return workers;
    }

    /** The worker of the last node (by name): node-b of two; the only worker when attached to one node. */
    private ThreadReference chooseWorker() {
        List<ThreadReference> workers = workers();
        report.check("worker threads", workers.size() >= Math.max(1, options.expectNodes), names(workers).toString());
        return workers.isEmpty() ? null : workers.get(workers.size() - 1);
    }

    private String nodeNameAt(ThreadReference thread) {
        try {
            return stringField(thread.frame(0).thisObject(), "nodeName");
        } catch (Exception e) {
            report.fail("reading this.nodeName on " + safeThreadName(thread), describe(e));
            return null;
        }
    }

    /** Through the gateway a thread's name is "[node] name": the prefix must name the node the values come from. */
    private void checkPrefix(Probe p, String threadName, String nodeName) {
        Matcher m = PREFIX.matcher(threadName);
        if (m.matches()) {
            p.expect(m.group(1).equals(nodeName), "thread prefix [" + m.group(1) + "] but this.nodeName is " + nodeName);
        } else {
            p.expect(options.expectNodes < 2, "thread '" + threadName + "' has no [node] prefix");
        }
    }

    private static String stringField(ObjectReference object, String field) {
        Field f = object.referenceType().fieldByName(field);
        if (f == null) {
            throw new IllegalStateException(object.referenceType().name() + " has no field " + field);
        }
        return stringField(object, f);
    }

    private static String stringField(ObjectReference object, Field f) {
        Value v = object.getValue(f);
        return v == null ? null : v instanceof StringReference ? ((StringReference) v).value() : v.toString();
    }

    private void delete(String what, EventRequest request) {
        if (request == null) {
            return;
        }
        try {
            erm.deleteEventRequest(request);
        } catch (RuntimeException e) {
            report.fail("delete " + what, describe(e));
        }
    }

    private static boolean isZombie(ThreadReference t) {
        try {
            return t.status() == ThreadReference.THREAD_STATUS_ZOMBIE;
        } catch (RuntimeException e) {
            return true;
        }
    }

    private static List<String> names(List<ThreadReference> threads) {
        List<String> names = new ArrayList<>();
        for (ThreadReference t : threads) {
            names.add(safeThreadName(t));
        }
        return names;
    }

    static String safeThreadName(ThreadReference t) {
        try {
            return t.name();
        } catch (RuntimeException e) {
            return "#" + t.uniqueID() + " (name threw " + e.getClass().getSimpleName() + ")";
        }
    }

    private static String safeName(ThreadGroupReference g) {
        if (g == null) {
            return "null";
        }
        try {
            return g.name();
        } catch (RuntimeException e) {
            return "#" + g.uniqueID() + " (name threw " + e.getClass().getSimpleName() + ")";
        }
    }

    /** An exception as a one-line description: type, message, JDWP error code, where in this client it surfaced. */
    static String describe(Throwable t) {
        StringBuilder b = new StringBuilder(t.getClass().getName());
        if (t.getMessage() != null) {
            b.append(": ").append(t.getMessage());
        }
        if (t instanceof InternalException) {
            b.append(" (JDWP error ").append(((InternalException) t).errorCode()).append(')');
        }
        Throwable cause = t.getCause();
        if (cause != null && cause != t) {
            b.append(" caused by ").append(cause.getClass().getName()).append(": ").append(cause.getMessage());
        }
        StackTraceElement[] stack = t.getStackTrace();
        List<String> frames = new ArrayList<>();
        for (StackTraceElement f : stack) {
            if (frames.size() < 6) {
                frames.add(f.toString());
            }
            if (f.getClassName().startsWith("fabric.jdiclient.")) {
                if (frames.size() >= 6) {
                    frames.add(f.toString());
                }
                break;
            }
        }
        b.append(" at ").append(String.join(" < ", frames));
        return b.toString();
    }
}
