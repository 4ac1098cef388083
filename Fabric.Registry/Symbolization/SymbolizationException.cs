namespace Fabric.Registry.Symbolization;

/// <summary>An input that cannot be turned into symbols: unreadable or corrupt JAR, a <c>.class</c> entry that is not
/// a class file, an oversized or badly named entry, or conflicting duplicates. The message names the file and entry.</summary>
public class SymbolizationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Two different class files define the same class.</summary>
public sealed class DuplicateClassException(string className, string firstSource, string secondSource)
    : SymbolizationException(
        $"class {className} is defined twice with different bytes: in {firstSource} and in {secondSource} "
        + "(remove one, or choose first-wins explicitly)")
{
    public string ClassName { get; } = className;

    public string FirstSource { get; } = firstSource;

    public string SecondSource { get; } = secondSource;
}
