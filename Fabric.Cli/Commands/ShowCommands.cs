using System.CommandLine;
using Fabric.Registry.ClassFiles;
using Fabric.Registry.Manifests;
using Fabric.Registry.Symbols;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary><c>fabric manifest show</c> and <c>fabric symbol show</c>: read from a running registry over gRPC.</summary>
internal static class ShowCommands
{
    public static Command BuildManifest()
    {
        var name = new Argument<string>("NAME") { Description = "[namespace/]name:tag" };
        var registry = CommonOptions.Registry();
        var token = CommonOptions.Token();
        var show = new Command("show", "Print a manifest's canonical text and its signature") { name, registry, token };
        show.SetAction(async (parse, cancellationToken) =>
        {
            var manifestName = ManifestName.Parse(parse.GetValue(name)!);
            using var store = new GrpcRegistryStore(CommonOptions.RegistryUri(parse.GetValue(registry)!), CommonOptions.TokenOf(parse.GetValue(token)), manifestName.Namespace);
            var stored = await store.GetManifestAsync(manifestName, cancellationToken).ConfigureAwait(false)
                ?? throw new UserErrorException($"{manifestName} is not published");
            Console.Out.Write(System.Text.Encoding.UTF8.GetString(stored.CanonicalBytes));
            Console.Error.WriteLine($"signed by key {stored.KeyId}, published {stored.PublishedAt:u}, signature {Convert.ToBase64String(stored.Signature)}");
            return 0;
        });
        return new Command("manifest", "Manifests") { show };
    }

    public static Command BuildSymbol()
    {
        var hash = new Argument<string>("HASH") { Description = "Symbol ID (64 hex digits)" };
        var registry = CommonOptions.Registry();
        var token = CommonOptions.Token();
        var output = new Option<FileInfo?>("--out") { Description = "Write the bytes to this file" };
        var show = new Command("show", "Describe a symbol (size, and for a class file its name and version)") { hash, registry, token, output };
        show.SetAction(async (parse, cancellationToken) =>
        {
            if (!SymbolId.TryParse(parse.GetValue(hash)!, out var id))
            {
                throw new UserErrorException($"'{parse.GetValue(hash)}' is not a symbol ID (64 hex digits)");
            }

            using var store = new GrpcRegistryStore(CommonOptions.RegistryUri(parse.GetValue(registry)!), CommonOptions.TokenOf(parse.GetValue(token)), string.Empty);
            var stream = await store.OpenReadAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new UserErrorException($"the registry does not hold {id}");
            var bytes = ((MemoryStream)stream).ToArray();
            AnsiConsole.MarkupLineInterpolated($"symbol {id}: {bytes.Length:N0} bytes, hash {(id.Matches(bytes) ? "verified" : "MISMATCH")}");
            if (bytes.Length >= 4 && bytes[0] == 0xCA && bytes[1] == 0xFE && bytes[2] == 0xBA && bytes[3] == 0xBE)
            {
                try
                {
                    var cls = ClassFileReader.Read(bytes);
                    AnsiConsole.MarkupLineInterpolated($"class {cls.ThisClass}, class file version {cls.MajorVersion}.{cls.MinorVersion}");
                }
                catch (ClassFormatException e)
                {
                    AnsiConsole.MarkupLineInterpolated($"[yellow]starts like a class file but is not one:[/] {e.Message}");
                }
            }

            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllBytesAsync(file.FullName, bytes, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        });
        return new Command("symbol", "Symbols") { show };
    }
}
