package fabric.jdiclient;

import com.sun.jdi.VMDisconnectedException;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.VirtualMachineManager;
import com.sun.jdi.connect.AttachingConnector;
import java.security.CodeSource;

/**
 * A JDI scenario client for the gateway's end-to-end tests. Runs one scenario against the VM at an address with
 * OpenJDK's JDI (jdk.jdi: IntelliJ, jdb) or Eclipse's JDI (org.eclipse.jdi: Eclipse, VS Code), prints one JSON line per
 * check and a summary line, always disposes the VM, and exits 0 only if every check passed.
 */
public final class Main {
    /** Grace after the deadline before the watchdog gives up on a blocked JDI call. */
    private static final long WATCHDOG_GRACE_MILLIS = 15_000;

    private static volatile VirtualMachine attached;

    private Main() {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (RuntimeException e) {
            System.err.println("jdi-client: " + e.getMessage());
            System.err.println(Options.usage());
            System.exit(2);
            return;
        }
        if (!Scenarios.NAMES.contains(options.scenario)) {
            System.err.println("jdi-client: unknown scenario " + options.scenario);
            System.err.println(Options.usage());
            System.exit(2);
            return;
        }

        Report report = new Report();
        long deadline = System.currentTimeMillis() + options.timeoutSeconds * 1000L;
        Thread mainThread = Thread.currentThread();
        startWatchdog(report, options, deadline, mainThread);

        VirtualMachine vm = null;
        try {
            report.step = "bootstrap " + options.jdi + " JDI";
            VirtualMachineManager vmm = JdiBootstrap.manager(options.jdi);
            AttachingConnector connector = JdiBootstrap.socketAttach(vmm);
            String impl = vmm.getClass().getName();
            boolean implOk = options.jdi.equals("eclipse") ? impl.startsWith("org.eclipse.jdi.") : impl.startsWith("com.sun.tools.jdi.");
            report.check("jdi implementation", implOk, "manager " + impl + " (JDI " + vmm.majorInterfaceVersion() + "."
                    + vmm.minorInterfaceVersion() + "), connector " + connector.name() + " = " + connector.getClass().getName()
                    + "; com.sun.jdi interfaces from " + origin(VirtualMachine.class));

            report.step = "attach to " + options.host + ":" + options.port;
            long t0 = System.nanoTime();
            int attachTimeout = (int) Math.max(1000, Math.min(Integer.MAX_VALUE, deadline - System.currentTimeMillis()));
            vm = JdiBootstrap.attach(connector, options.host, options.port, attachTimeout);
            attached = vm;
            Integer requestTimeout = JdiBootstrap.eclipseRequestTimeout(vm);
            report.pass("attach", options.host + ":" + options.port + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms, vm "
                    + vm.getClass().getName() + (requestTimeout == null ? "" : ", Eclipse request timeout " + requestTimeout + " ms (IDE default 3000)"));

            new Scenarios(vm, options, report, deadline).run(options.scenario);
        } catch (Events.Disconnected e) {
            report.fail("vm disconnected", e.getMessage());
        } catch (Throwable t) {
            report.fail("exception", "during '" + report.step + "': " + Scenarios.describe(t));
        } finally {
            if (vm != null) {
                report.step = "dispose";
                try {
                    vm.dispose();
                    report.pass("dispose", "vm.dispose() returned");
                } catch (VMDisconnectedException e) {
                    report.pass("dispose", "already disconnected: " + e.getMessage());
                } catch (Throwable t) {
                    report.fail("dispose", Scenarios.describe(t));
                }
            }
        }
        int code = report.summary(options.scenario);
        System.out.flush();
        System.exit(code);
    }

    private static String origin(Class<?> type) {
        Module module = type.getModule();
        CodeSource source = type.getProtectionDomain() == null ? null : type.getProtectionDomain().getCodeSource();
        return (module.isNamed() ? "module " + module.getName() : "the class path (unnamed module)")
                + (source == null || source.getLocation() == null ? "" : " at " + source.getLocation());
    }

    private static void startWatchdog(Report report, Options options, long deadline, Thread mainThread) {
        Thread watchdog = new Thread(() -> {
            try {
                long wait = deadline + WATCHDOG_GRACE_MILLIS - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
            } catch (InterruptedException e) {
                return;
            }
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement f : mainThread.getStackTrace()) {
                if (stack.length() > 1500) {
                    break;
                }
                stack.append(" at ").append(f);
            }
            report.fail("watchdog", "the scenario was still running " + WATCHDOG_GRACE_MILLIS / 1000 + " s after its "
                    + options.timeoutSeconds + " s deadline, blocked in: " + report.step + ";" + stack);
            VirtualMachine vm = attached;
            if (vm != null) {
                Thread dispose = new Thread(() -> {
                    try {
                        vm.dispose();
                    } catch (Throwable t) {
                        // Best effort.
                    }
                }, "watchdog-dispose");
                dispose.setDaemon(true);
                dispose.start();
                try {
                    dispose.join(5000);
                } catch (InterruptedException e) {
                    // Exit anyway.
                }
                report.check("dispose", !dispose.isAlive(), dispose.isAlive() ? "vm.dispose() blocked for 5 s" : "disposed by the watchdog");
            }
            report.summary(options.scenario);
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
