using System.CommandLine;
using Fabric.Registry.Dependencies;
using Fabric.Registry.Manifests;
using Fabric.Registry.Publishing;
using Fabric.Registry.Signing;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary><c>fabric publish PATH... --manifest ns/name:tag --key KEY</c>: symbolize, upload what the registry lacks
/// over gRPC, sign and publish.</summary>
internal static class PublishCommand
{
    public static Command Build()
    {
        var paths = new Argument<string[]>("PATH") { Description = "JARs and class directories (the first is the primary one)", Arity = ArgumentArity.OneOrMore };
        var manifest = new Option<string>("--manifest") { Description = "The release's name, [namespace/]name:tag", Required = true };
        var parent = new Option<string?>("--parent") { Description = "Publish as a fork of this published manifest" };
        var key = new Option<FileInfo>("--key") { Description = "PEM PKCS#8 private key (fabric keygen)", Required = true };
        var registry = CommonOptions.Registry();
        var token = CommonOptions.Token();
        var javaHome = new Option<string?>("--java-home") { Description = "JDK whose platform classes count as present (default: $JAVA_HOME, else the JDK of javac on PATH)" };
        var firstWins = new Option<bool>("--first-wins") { Description = "A class defined differently in two inputs: take the first, as a class path would (default: refuse)" };
        var command = new Command("publish", "Publish JARs/class directories as a signed release") { paths, manifest, parent, key, registry, token, javaHome, firstWins };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = ManifestName.Parse(parse.GetValue(manifest)!);
            var parentName = parse.GetValue(parent) is { } p ? ManifestName.Parse(p) : null;
            var inputs = parse.GetValue(paths)!;
            foreach (var input in inputs)
            {
                if (!File.Exists(input) && !Directory.Exists(input))
                {
                    throw new UserErrorException($"{input}: no such file or directory");
                }
            }

            var jdk = parse.GetValue(javaHome) ?? Environment.GetEnvironmentVariable("JAVA_HOME") ?? JdkFromPath()
                ?? throw new UserErrorException("no JDK found: pass --java-home or set JAVA_HOME");
            using var signingKey = SigningKey.Load(parse.GetValue(key)!.FullName);
            var platform = PlatformClasses.Load(jdk);
            using var store = new GrpcRegistryStore(CommonOptions.RegistryUri(parse.GetValue(registry)!), CommonOptions.TokenOf(parse.GetValue(token)), name.Namespace);
            var publisher = new Publisher(store, store, signingKey, platform);
            var symbolizer = new Fabric.Registry.Symbolization.SymbolizerOptions
            {
                DuplicateClasses = parse.GetValue(firstWins) ? Fabric.Registry.Symbolization.DuplicateClassPolicy.FirstWins : Fabric.Registry.Symbolization.DuplicateClassPolicy.Error,
            };
            var request = new PublishRequest(name, inputs, parentName, Symbolizer: symbolizer);
            PublishSummary summary;
            if (Console.IsOutputRedirected)
            {
                summary = await publisher.PublishAsync(request, new StageLines(), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                summary = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask("symbolizing");
                        var progress = new Progress<PublishProgress>(p =>
                        {
                            task.Description = $"{p.Stage.ToString().ToLowerInvariant()} ({p.BytesUploaded:N0} bytes sent)";
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Done;
                        });
                        return await publisher.PublishAsync(request, progress, cancellationToken).ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }

            var table = new Table().AddColumns("", "");
            table.AddRow("manifest", $"{summary.Name} ({(summary.Outcome == Fabric.Registry.Storage.PublishOutcome.Published ? "published" : "already published, unchanged")})");
            table.AddRow("signed by", summary.KeyId);
            table.AddRow("symbols", summary.SymbolsTotal.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            table.AddRow("new symbols", summary.NewSymbols.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            table.AddRow("deduplicated", summary.DeduplicatedSymbols.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            table.AddRow("bytes uploaded", summary.BytesUploaded.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            Console.WriteLine($"summary new={summary.NewSymbols} deduplicated={summary.DeduplicatedSymbols} bytes={summary.BytesUploaded}");
            foreach (var warning in summary.Warnings)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
            }

            return 0;
        });
        return command;
    }

    private static string? JdkFromPath()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var javac = Path.Combine(dir, "javac");
            if (File.Exists(javac))
            {
                var real = File.ResolveLinkTarget(javac, returnFinalTarget: true)?.FullName ?? javac;
                return Path.GetDirectoryName(Path.GetDirectoryName(real));
            }
        }

        return null;
    }

    /// <summary>Without a terminal: one line per stage, so logs and scripts can follow a publish.</summary>
    private sealed class StageLines : IProgress<PublishProgress>
    {
        private PublishStage? _stage;

        public void Report(PublishProgress value)
        {
            if (value.Stage != _stage)
            {
                _stage = value.Stage;
                Console.WriteLine($"{value.Stage.ToString().ToLowerInvariant()} {value.Total}");
                Console.Out.Flush();
            }
        }
    }
}
