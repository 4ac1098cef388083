package fabric.demo;

/**
 * Loaded only when the control thread receives "late" (via Class.forName), so a debugger can
 * set a deferred breakpoint here and watch it resolve when the class is prepared.
 */
public final class LateTask {
    private LateTask() {
    }

    public static void run(String nodeName) {
        String greeting = "late task running on " + nodeName; // @bp:late
        System.out.println(greeting);
        System.out.flush();
    }
}
