package fabric.jdiclient;

import java.util.ArrayList;
import java.util.List;

/**
 * One check built from several expectations: {@link #expect} records problems, {@link #fact} records what was seen,
 * {@link #attempt} turns an exception of the JDI implementation into a problem. {@link #done} prints one check line.
 */
final class Probe {
    interface Body {
        void run() throws Exception;
    }

    interface Supplier<T> {
        T get() throws Exception;
    }

    private final Report report;
    private final String name;
    private final List<String> problems = new ArrayList<>();
    private final List<String> facts = new ArrayList<>();
    private boolean emitted;

    Probe(Report report, String name) {
        this.report = report;
        this.name = name;
        report.step = name;
    }

    boolean expect(boolean condition, String problem) {
        if (!condition) {
            problems.add(problem);
        }
        return condition;
    }

    void problem(String problem) {
        problems.add(problem);
    }

    void fact(String fact) {
        facts.add(fact);
    }

    boolean ok() {
        return problems.isEmpty();
    }

    /** Runs body; an exception becomes a problem ("what threw ..."). Returns false if it threw. */
    boolean attempt(String what, Body body) {
        try {
            body.run();
            return true;
        } catch (Throwable t) {
            problems.add(what + " threw " + Scenarios.describe(t));
            return false;
        }
    }

    /** Returns the supplier's value, or null (and a problem) if it threw. */
    <T> T get(String what, Supplier<T> supplier) {
        try {
            return supplier.get();
        } catch (Throwable t) {
            problems.add(what + " threw " + Scenarios.describe(t));
            return null;
        }
    }

    /** Prints the check; returns whether it passed. */
    boolean done() {
        if (emitted) {
            return ok();
        }
        emitted = true;
        String detail = problems.isEmpty()
                ? String.join("; ", facts)
                : "PROBLEMS: " + String.join("; ", problems) + (facts.isEmpty() ? "" : " | SEEN: " + String.join("; ", facts));
        report.check(name, problems.isEmpty(), detail);
        return problems.isEmpty();
    }
}
