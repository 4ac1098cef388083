namespace Fabric.Registry.Tests.Support;

/// <summary>Java sources exercising the constant-pool features the class reader must handle: records (method handle
/// constants, ObjectMethods bootstrap), lambdas and string concatenation (invokedynamic, MethodType), nested and inner
/// classes, 8-byte constants, non-ASCII and supplementary characters, arrays and a module descriptor.</summary>
public static class JavaSamples
{
    public static readonly IReadOnlyDictionary<string, string> Shapes = new Dictionary<string, string>
    {
        ["module-info.java"] = """
            module com.example.shapes {
                requires java.logging;
                exports com.example;
            }
            """,
        ["com/example/Shapes.java"] = """
            package com.example;

            import java.util.List;
            import java.util.function.Supplier;

            public final class Shapes {
                public record Point(int x, int y) {}
                public sealed interface Shape permits Circle, Square {}
                public record Circle(Point center, double radius) implements Shape {}
                public record Square(Point corner, long side) implements Shape {}

                static final long BIG = 1234567890123L;
                static final double TAU = 6.283185307179586;
                static final float HALF = 1.5f;
                static final int LARGE = 100000;
                static final String TEXT = "h\u00e9llo \uD83D\uDE00 nul\u0000";

                final class Inner { int value = LARGE; }

                public static Supplier<List<Point>> points() { return () -> List.of(new Point(1, 2)); }

                public static Object[] arrays() { return new Object[] { new Elem[3], new Elem2[2][2], new int[4] }; }

                public static void onlyInSignature(OnlyInSignature parameter) {}

                public static String describe(Shape shape, int n) { return "shape " + shape + n; }

                public static java.util.logging.Logger log() { return java.util.logging.Logger.getLogger(TEXT); }
            }

            class Elem {}
            class Elem2 {}
            class OnlyInSignature {}
            """,
    };
}
