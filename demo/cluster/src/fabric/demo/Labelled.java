package fabric.demo;

import java.util.Locale;

/**
 * Something printed on labels. Its static method is there for debuggers to invoke a static interface method
 * (JDWP InterfaceType.InvokeMethod); the answer names the node that ran it.
 */
interface Labelled {
    static String shout(String text) {
        return text.toUpperCase(Locale.ROOT) + "@" + OrderService.homeNode;
    }
}
