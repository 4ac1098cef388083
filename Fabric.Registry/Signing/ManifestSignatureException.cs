namespace Fabric.Registry.Signing;

/// <summary>A manifest that must not be trusted: unsigned, signed by a key outside the trust set, or whose signature
/// does not match its bytes. Also raised for unusable key files.</summary>
public sealed class ManifestSignatureException(string message, Exception? inner = null) : Exception(message, inner);
