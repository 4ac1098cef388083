package fabric.jdiclient;

import com.sun.jdi.VirtualMachine;
import com.sun.jdi.VirtualMachineManager;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * Chooses the JDI implementation. The scenarios see only the com.sun.jdi interfaces (module jdk.jdi); the Eclipse
 * implementation (org.eclipse.jdi.internal.*) implements those same interfaces and is reached by reflection, so this
 * client compiles without Eclipse's jar.
 */
final class JdiBootstrap {
    /** The attaching connector both implementations name this way. */
    static final String SOCKET_ATTACH = "com.sun.jdi.SocketAttach";

    private JdiBootstrap() {
    }

    static VirtualMachineManager manager(String jdi) throws ReflectiveOperationException {
        switch (jdi) {
            case "openjdk":
                return com.sun.jdi.Bootstrap.virtualMachineManager();
            case "eclipse": {
                // org.eclipse.jdi.Bootstrap looks for an extension in the Eclipse registry first (outside OSGi the
                // core runtime is absent: NoClassDefFoundError, caught) and then uses VirtualMachineManagerImpl.
                Class<?> bootstrap = Class.forName("org.eclipse.jdi.Bootstrap");
                Method m = bootstrap.getMethod("virtualMachineManager");
                return (VirtualMachineManager) m.invoke(null);
            }
            default:
                throw new IllegalArgumentException("unknown JDI " + jdi);
        }
    }

    static AttachingConnector socketAttach(VirtualMachineManager vmm) {
        for (AttachingConnector c : vmm.attachingConnectors()) {
            if (c.name().equals(SOCKET_ATTACH)) {
                return c;
            }
        }
        StringBuilder names = new StringBuilder();
        for (AttachingConnector c : vmm.attachingConnectors()) {
            names.append(' ').append(c.name()).append(" (").append(c.getClass().getName()).append(')');
        }
        throw new IllegalStateException("no attaching connector named " + SOCKET_ATTACH + "; have:" + names);
    }

    static VirtualMachine attach(AttachingConnector connector, String host, int port, int timeoutMillis) throws Exception {
        Map<String, Connector.Argument> args = connector.defaultArguments();
        set(args, "hostname", host);
        set(args, "port", Integer.toString(port));
        if (args.containsKey("timeout")) {
            set(args, "timeout", Integer.toString(timeoutMillis));
        }
        return connector.attach(args);
    }

    private static void set(Map<String, Connector.Argument> args, String key, String value) {
        Connector.Argument a = args.get(key);
        if (a == null) {
            throw new IllegalStateException("connector argument '" + key + "' missing; have " + args.keySet());
        }
        a.setValue(value);
    }

    /** Eclipse's VirtualMachine has a per-request timeout (default 3000 ms, the IDE's preference default); null for OpenJDK. */
    static Integer eclipseRequestTimeout(VirtualMachine vm) {
        try {
            Class<?> eclipseVm = Class.forName("org.eclipse.jdi.VirtualMachine", false, vm.getClass().getClassLoader());
            if (eclipseVm.isInstance(vm)) {
                return (Integer) eclipseVm.getMethod("getRequestTimeout").invoke(vm);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // Not Eclipse's JDI.
        }
        return null;
    }
}
