using System.CommandLine;
using Fabric.Registry.Server.Telemetry;
using Fabric.Registry.Storage;
using Fabric.Registry.Storage.Configuration;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary><c>fabric gc</c> and <c>fabric verify</c>: run on the registry host against its storage.</summary>
internal static class MaintenanceCommands
{
    public static Command BuildGc()
    {
        var config = CommonOptions.Config();
        var data = CommonOptions.Data();
        var dryRun = new Option<bool>("--dry-run") { Description = "Only report what would be removed" };
        var grace = new Option<TimeSpan?>("--grace") { Description = "Keep unreferenced blobs younger than this (default 1 hour), e.g. 00:10:00" };
        var command = new Command("gc", "Remove blobs no manifest references (older than the grace period)") { config, data, dryRun, grace };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = CommonOptions.Load(parse.GetValue(config), parse.GetValue(data));
            using var telemetry = TelemetrySetup.ExportCommand(options.Telemetry, GarbageCollectorTelemetry.Name);
            await using var storage = await OpenedStorage.OpenAsync(options.Storage, cancellationToken: cancellationToken).ConfigureAwait(false);
            var gcOptions = parse.GetValue(grace) is { } g ? new GarbageCollectorOptions { GracePeriod = g } : new GarbageCollectorOptions();
            var report = await new GarbageCollector(storage.Blobs, storage.Metadata, gcOptions).CollectAsync(parse.GetValue(dryRun), cancellationToken).ConfigureAwait(false);
            AnsiConsole.MarkupLineInterpolated($"{(report.DryRun ? "would remove" : "removed")} {report.Removed.Count} of {report.BlobsExamined} blobs ({report.Bytes:N0} bytes); {report.Spared.Count} spared by the grace period");
            return 0;
        });
        return command;
    }

    public static Command BuildVerify()
    {
        var config = CommonOptions.Config();
        var data = CommonOptions.Data();
        var command = new Command("verify", "Re-hash every blob and check every manifest's symbols are held; exit 1 on any problem") { config, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = CommonOptions.Load(parse.GetValue(config), parse.GetValue(data));
            await using var storage = await OpenedStorage.OpenAsync(options.Storage, cancellationToken: cancellationToken).ConfigureAwait(false);
            var report = await new BlobVerifier(storage.Blobs, storage.Metadata).VerifyAsync(cancellationToken).ConfigureAwait(false);
            foreach (var corrupt in report.Corrupt)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]corrupt[/] {corrupt.Id}: hashes to {corrupt.Actual}");
            }

            foreach (var missing in report.Missing)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]missing[/] {missing}: a manifest needs it");
            }

            AnsiConsole.MarkupLineInterpolated($"checked {report.Checked} blobs ({report.Bytes:N0} bytes): {report.Corrupt.Count} corrupt, {report.Missing.Count} missing");
            return report.Corrupt.Count + report.Missing.Count == 0 ? 0 : 1;
        });
        return command;
    }
}
