package fabric.demo;

/** The customer who placed an order. A plain value object for debuggers to inspect. */
public final class Customer implements Labelled {
    final String name;

    Customer(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return "Customer[" + name + "]";
    }
}
