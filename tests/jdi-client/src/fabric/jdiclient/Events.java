package fabric.jdiclient;

import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.LocatableEvent;
import com.sun.jdi.event.ThreadDeathEvent;
import com.sun.jdi.event.ThreadStartEvent;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.EventRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Bounded waits on the event queue. Event sets that do not match are resumed (as a debugger would) and remembered. */
final class Events {
    /** A matching event and its set, still suspended per its policy. */
    static final class Hit {
        final EventSet set;
        final Event event;

        Hit(EventSet set, Event event) {
            this.set = set;
            this.event = event;
        }
    }

    /** The VM disconnected while a scenario waited for an event. */
    static final class Disconnected extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Disconnected(String message) {
            super(message);
        }
    }

    private final VirtualMachine vm;
    private final Report report;
    private final long deadline;
    private final List<String> other = new ArrayList<>();
    private int otherCount;

    Events(VirtualMachine vm, Report report, long deadline) {
        this.vm = vm;
        this.report = report;
        this.deadline = deadline;
    }

    long deadline() {
        return deadline;
    }

    long remaining() {
        return Math.max(0, deadline - System.currentTimeMillis());
    }

    /**
     * Waits until the scenario's deadline for an event matching {@code match}; on timeout prints a failed check
     * "timeout: what" and returns null.
     */
    Hit await(String what, Predicate<Event> match) throws InterruptedException {
        return await(what, match, Long.MAX_VALUE, true);
    }

    /**
     * Waits at most {@code maxMillis} (and never past the deadline). If {@code failOnTimeout}, a timeout prints a failed
     * check; otherwise null is returned quietly.
     */
    Hit await(String what, Predicate<Event> match, long maxMillis, boolean failOnTimeout) throws InterruptedException {
        long start = System.currentTimeMillis();
        long until = Math.min(deadline, maxMillis == Long.MAX_VALUE ? Long.MAX_VALUE : start + maxMillis);
        report.step = "waiting for " + what;
        int otherBefore = otherCount;
        while (true) {
            long left = until - System.currentTimeMillis();
            if (left <= 0) {
                if (failOnTimeout) {
                    report.fail("timeout: " + what, "waited " + (System.currentTimeMillis() - start) + " ms for " + what
                            + (until == deadline ? " (until the scenario's deadline)" : "") + "; other event sets meanwhile: "
                            + (otherCount - otherBefore) + "; last ones: " + recentOther());
                }
                return null;
            }
            EventSet set = vm.eventQueue().remove(left);
            if (set == null) {
                continue;
            }
            for (Event e : set) {
                if (e instanceof VMDisconnectEvent) {
                    throw new Disconnected("VM disconnected while waiting for " + what + "; other events before: " + recentOther());
                }
                if (match.test(e)) {
                    return new Hit(set, e);
                }
            }
            remember(set);
            if (set.suspendPolicy() != EventRequest.SUSPEND_NONE) {
                set.resume();
            }
        }
    }

    /** Removes and resumes whatever arrives for up to {@code millis}; returns every event seen. */
    List<Event> drain(long millis) throws InterruptedException {
        List<Event> seen = new ArrayList<>();
        long until = Math.min(deadline, System.currentTimeMillis() + millis);
        while (true) {
            long left = until - System.currentTimeMillis();
            if (left <= 0) {
                return seen;
            }
            EventSet set = vm.eventQueue().remove(left);
            if (set == null) {
                continue;
            }
            for (Event e : set) {
                if (e instanceof VMDisconnectEvent) {
                    throw new Disconnected("VM disconnected while draining events");
                }
                seen.add(e);
            }
            if (set.suspendPolicy() != EventRequest.SUSPEND_NONE) {
                set.resume();
            }
        }
    }

    private void remember(EventSet set) {
        otherCount++;
        StringBuilder b = new StringBuilder();
        for (Event e : set) {
            if (b.length() > 0) {
                b.append('+');
            }
            b.append(describe(e));
        }
        other.add(b.toString());
        if (other.size() > 5) {
            other.remove(0);
        }
    }

    private String recentOther() {
        return other.isEmpty() ? "none" : String.join(" | ", other);
    }

    static String describe(Event e) {
        String name = e.getClass().getSimpleName();
        for (Class<?> i : e.getClass().getInterfaces()) {
            if (i.getName().startsWith("com.sun.jdi.event.")) {
                name = i.getSimpleName();
                break;
            }
        }
        if (e instanceof VMDeathEvent) {
            return name;
        }
        if (e instanceof ThreadStartEvent || e instanceof ThreadDeathEvent) {
            try {
                return name + " thread=" + (e instanceof ThreadStartEvent ? ((ThreadStartEvent) e).thread() : ((ThreadDeathEvent) e).thread()).name();
            } catch (RuntimeException ex) {
                return name + " (" + ex + ")";
            }
        }
        if (e instanceof LocatableEvent) {
            try {
                LocatableEvent le = (LocatableEvent) e;
                return name + "@" + le.location().declaringType().name() + "." + le.location().method().name() + ":"
                        + le.location().lineNumber() + " thread=" + le.thread().name();
            } catch (RuntimeException ex) {
                return name + " (" + ex + ")";
            }
        }
        return name;
    }
}
