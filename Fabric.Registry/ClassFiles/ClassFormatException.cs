namespace Fabric.Registry.ClassFiles;

/// <summary>
/// The one error <see cref="ClassFileReader"/> raises for bytes that are not a well-formed class file: bad magic,
/// truncation, a constant-pool index out of range or of the wrong kind, an unknown constant tag, a malformed descriptor
/// or trailing bytes. <see cref="Offset"/> is where in the bytes the problem was found.
/// </summary>
public sealed class ClassFormatException(string problem, int offset)
    : Exception($"not a valid class file: {problem} (at byte {offset})")
{
    public string Problem { get; } = problem;

    public int Offset { get; } = offset;
}
