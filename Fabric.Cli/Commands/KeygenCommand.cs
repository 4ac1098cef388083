using System.CommandLine;
using Fabric.Registry.Signing;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary><c>fabric keygen --out DIR</c>: a new P-256 signing key pair.</summary>
internal static class KeygenCommand
{
    public static Command Build()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for signing-key.pem (private) and signing-key.pub.pem", Required = true };
        var command = new Command("keygen", "Generate an ECDSA P-256 key pair for signing manifests") { output };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(output)!;
            Directory.CreateDirectory(dir.FullName);
            var priv = Path.Combine(dir.FullName, "signing-key.pem");
            var pub = Path.Combine(dir.FullName, "signing-key.pub.pem");
            if (File.Exists(priv) || File.Exists(pub))
            {
                throw new UserErrorException($"{dir.FullName} already holds a key; refusing to overwrite it");
            }

            using var key = SigningKey.Generate();
            key.Save(priv, pub);
            AnsiConsole.MarkupLineInterpolated($"key [bold]{key.KeyId}[/]: private {priv}, public {pub}");
            AnsiConsole.MarkupLine("Put the public key in the registry's trustedKeys for the namespace (or in DATA/trusted-keys without a config).");
            return 0;
        });
        return command;
    }
}
