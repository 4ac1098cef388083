namespace Fabric.Runtime.Tests.Support;

/// <summary>Java sources of the applications the tests publish and run on nodes.</summary>
public static class TestApps
{
    public static readonly IReadOnlyDictionary<string, string> Hello = new Dictionary<string, string>
    {
        ["com/app/Main.java"] = """
            package com.app;

            public class Main {
                public static void main(String[] args) {
                    System.out.println("Hello from the fabric, args=" + String.join(",", args));
                    System.out.println("loader=" + Main.class.getClassLoader().getName());
                    System.out.println("source=" + Main.class.getProtectionDomain().getCodeSource().getLocation());
                }
            }
            """,
    };

    /// <summary>Several packages, an interface, a nested class, a lambda and resources. With the argument
    /// <c>wait</c> it prints <c>ready</c> and waits for a line on stdin before exiting, so a test can look at the
    /// running node.</summary>
    public static readonly IReadOnlyDictionary<string, string> Shop = new Dictionary<string, string>
    {
        ["com/shop/Main.java"] = """
            package com.shop;

            import com.shop.model.Item;
            import com.shop.model.Priced;
            import com.shop.util.Formatter;
            import java.io.InputStream;
            import java.net.URL;
            import java.security.MessageDigest;
            import java.util.Collections;
            import java.util.HexFormat;
            import java.util.List;
            import java.util.Properties;

            public class Main {
                public static void main(String[] args) throws Exception {
                    List<Priced> items = List.of(new Item("apple", 120), new Item("pear", 95), new Item.Bundle(2, new Item("fig", 50)));
                    int total = items.stream().mapToInt(Priced::cents).sum();
                    System.out.println("total=" + Formatter.money(total));
                    // By name only: not in Main's constant pool, so not in its closure; a cold node prefetches the
                    // plugin's own closure when it misses.
                    Object plugin = Class.forName("com.shop.plugins.Discount").getDeclaredConstructor().newInstance();
                    System.out.println("discount=" + plugin);
                    for (int round = 1; round <= 2; round++) {
                        Properties p = new Properties();
                        try (InputStream in = Main.class.getResourceAsStream("/META-INF/shop.properties")) {
                            p.load(in);
                        }
                        System.out.println("greeting" + round + "=" + p.getProperty("greeting"));
                    }
                    ClassLoader loader = Main.class.getClassLoader();
                    URL template = loader.getResource("templates/receipt.txt");
                    try (InputStream in = template.openStream()) {
                        System.out.println("template=" + new String(in.readAllBytes(), "UTF-8").trim());
                    }
                    System.out.println("template-url=" + template);
                    System.out.println("resources=" + Collections.list(loader.getResources("META-INF/shop.properties")).size());
                    System.out.println("missing=" + loader.getResource("no/such/thing.txt"));
                    try (InputStream in = loader.getResourceAsStream("com/shop/Main.class")) {
                        System.out.println("self-sha256=" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes())));
                    }
                    if (args.length > 0 && args[0].equals("wait")) {
                        System.out.println("ready");
                        System.out.flush();
                        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
                    }
                    System.out.println("done");
                }
            }
            """,
        ["com/shop/model/Priced.java"] = """
            package com.shop.model;

            public interface Priced {
                int cents();
            }
            """,
        ["com/shop/model/Item.java"] = """
            package com.shop.model;

            public record Item(String name, int cents) implements Priced {
                public static final class Bundle implements Priced {
                    private final int count;
                    private final Item item;

                    public Bundle(int count, Item item) {
                        this.count = count;
                        this.item = item;
                    }

                    public int cents() {
                        return count * item.cents();
                    }
                }
            }
            """,
        ["com/shop/util/Formatter.java"] = """
            package com.shop.util;

            public final class Formatter {
                private Formatter() {
                }

                public static String money(int cents) {
                    return String.format(java.util.Locale.ROOT, "%d.%02d", cents / 100, cents % 100);
                }
            }
            """,
        ["com/shop/plugins/Discount.java"] = """
            package com.shop.plugins;

            public final class Discount {
                @Override
                public String toString() {
                    return Rate.PERCENT + "%";
                }
            }
            """,
        ["com/shop/plugins/Rate.java"] = """
            package com.shop.plugins;

            final class Rate {
                static final int PERCENT = Integer.parseInt("15");
            }
            """,
        ["com/shop/util/Unused.java"] = """
            package com.shop.util;

            /** Published with the release but never loaded: the loaded-symbols report must not list it. */
            public final class Unused {
                private Unused() {
                }
            }
            """,
    };

    public static readonly IReadOnlyDictionary<string, string> ShopResources = new Dictionary<string, string>
    {
        ["META-INF/shop.properties"] = "greeting=welcome to the shop\n",
        ["templates/receipt.txt"] = "RECEIPT {total}\n",
    };

    /// <summary>What the Shop app prints for its work, before <c>done</c>.</summary>
    public const string ShopTotal = "total=3.15";
}
