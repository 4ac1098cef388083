package fabric.demo;

/**
 * One order flowing through the cluster. Fields are package-private so `dump order` shows them all; customer is not
 * final so that a debugger can assign it (JDI refuses to set final fields).
 */
public final class Order {
    final String id;
    final int quantity;
    final long[] history;
    Customer customer;

    Order(String id, int quantity, long[] history, Customer customer) {
        this.id = id;
        this.quantity = quantity;
        this.history = history;
        this.customer = customer;
    }

    @Override
    public String toString() {
        return "Order[" + id + " x" + quantity + " for " + customer.name + "]";
    }
}
