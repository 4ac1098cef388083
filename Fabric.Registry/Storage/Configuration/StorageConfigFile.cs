using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Fabric.Registry.Storage.Configuration;

/// <summary>
/// Binds YAML whose top level is a <c>storage:</c> section. A registry configuration with more sections embeds
/// <see cref="StorageDocument"/> in its own document instead. Unknown keys are errors, so a typo never falls back to
/// the embedded default silently.
/// </summary>
public static partial class StorageConfigFile
{
    public static StorageOptions Parse(string yaml, string source = "<yaml>")
    {
        var deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build();
        Document? document;
        try
        {
            document = deserializer.Deserialize<Document?>(yaml);
        }
        catch (YamlException ex)
        {
            throw new StorageConfigException($"{source}: line {ex.Start.Line}, column {ex.Start.Column}: {Explain(ex)}", ex);
        }

        return StorageDocument.ToOptions(document?.Storage, source);
    }

    /// <summary>YamlDotNet's messages name our types; say what is wrong in the file's own terms.</summary>
    public static string Explain(YamlException ex)
    {
        var message = ex.InnerException?.Message ?? ex.Message;
        var unknown = UnknownProperty().Match(message);
        if (unknown.Success)
        {
            var known = unknown.Groups[2].Value switch
            {
                nameof(StorageDocument) => StorageDocument.KnownKeys,
                nameof(S3Document) => S3Document.KnownKeys,
                _ => "storage",
            };
            return $"unknown key '{unknown.Groups[1].Value}' (known keys here: {known})";
        }

        if (message.StartsWith("No node deserializer", StringComparison.Ordinal) || message.StartsWith("Invalid cast from", StringComparison.Ordinal))
        {
            return "expected 'key: value' lines here, found a list or a plain value";
        }

        var number = NotANumber().Match(message);
        if (number.Success)
        {
            return $"'{number.Groups[1].Value}' is not a whole number";
        }

        return ex.InnerException is OverflowException ? "number out of range" : message;
    }

    [GeneratedRegex(@"The input string '([^']*)' was not in a correct format")]
    private static partial Regex NotANumber();

    [GeneratedRegex(@"Property '([^']*)' not found on type '[^']*?(\w+)'")]
    private static partial Regex UnknownProperty();

    private sealed class Document
    {
        public StorageDocument? Storage { get; set; }
    }
}
