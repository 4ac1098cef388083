using System.CommandLine;
using System.Net;
using System.Text.Json;
using JdwpGateway.Symbols;

namespace JdwpGateway.Cli;

/// <summary>
/// <c>jdwp-gateway symbols</c>: which code version runs where. <c>--registry URL [--manifest M]</c> reads a fabric
/// registry directly (no gateway needed); <c>--admin URL</c> asks a running gateway's admin listener, which adds what
/// the attached debugger's virtual VM knows.
/// </summary>
public static class SymbolsCommand
{
    /// <summary>How reports are written with <c>--json</c>: the admin listener's shape, indented.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var registry = new Option<string?>("--registry") { Description = "Read this fabric registry directly, http(s)://host:port" };
        var manifest = new Option<string?>("--manifest") { Description = "With --registry: the manifest, [namespace/]name:tag; nodes running other tags of its name are compared with it (default: every registered node)" };
        var token = new Option<string?>("--token") { Description = "With --registry: API token for reading the registry" };
        var admin = new Option<string?>("--admin") { Description = "Ask a running gateway's admin listener instead, http://host:port" };
        var classes = new Option<string?>("--class") { Description = "Only classes starting with this prefix, or matching this glob (* and ?), e.g. com.shop. or *Service" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var full = new Option<bool>("--full") { Description = "Print whole hashes (64 hex digits) instead of their first 12" };
        var command = new Command("symbols", "Show which code version runs where: class, symbol hash, nodes") { registry, manifest, token, admin, classes, json, full };
        command.SetAction((result, cancellationToken) => RunAsync(
            new SymbolsRequest(result.GetValue(registry), result.GetValue(manifest), result.GetValue(token), result.GetValue(admin), result.GetValue(classes), result.GetValue(json), result.GetValue(full)),
            Console.Out,
            Console.Error,
            cancellationToken));
        return command;
    }

    /// <summary>Runs the command; returns 0 when the report was printed, 1 when it could not be read, 2 for bad usage.</summary>
    public static async Task<int> RunAsync(SymbolsRequest request, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        if (request.Usage() is { } usage)
        {
            await errors.WriteLineAsync($"jdwp-gateway symbols: {usage}").ConfigureAwait(false);
            return 2;
        }

        try
        {
            if (request.Registry is { } registryAddress)
            {
                using var client = new RegistryClient(registryAddress, request.Token);
                var report = await RegistrySymbolsReport.ReadAsync(client, registryAddress, request.Manifest, ClassPattern.Parse(request.Class), cancellationToken).ConfigureAwait(false);
                if (request.Json)
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(report, Json)).ConfigureAwait(false);
                }
                else
                {
                    SymbolsTable.Write(output, report, request.Full);
                }

                return 0;
            }

            var response = await AskAdminAsync(request.Admin!, request.Class, cancellationToken).ConfigureAwait(false);
            if (request.Json)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(response, Json)).ConfigureAwait(false);
                return 0;
            }

            if (response.Session is { } session)
            {
                SymbolsTable.Write(output, session, response.Symbols, request.Full);
            }
            else
            {
                await output.WriteLineAsync(response.Message ?? Admin.SymbolsEndpoints.NoSession).ConfigureAwait(false);
            }

            if (response.Registry is { } registryReport)
            {
                await output.WriteLineAsync().ConfigureAwait(false);
                SymbolsTable.Write(output, registryReport, request.Full);
            }
            else if (response.RegistryError is { } registryError)
            {
                await output.WriteLineAsync().ConfigureAwait(false);
                await output.WriteLineAsync($"registry view unavailable: {registryError}").ConfigureAwait(false);
            }

            return 0;
        }
        catch (Exception ex) when (ex is RegistryReadException or AdminReadException)
        {
            await errors.WriteLineAsync($"jdwp-gateway symbols: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>Asks <c>GET /v1/symbols</c> of a gateway's admin listener.</summary>
    private static async Task<SymbolsResponse> AskAdminAsync(string admin, string? classPattern, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(admin.EndsWith('/') ? admin : admin + "/", UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            throw new AdminReadException($"admin address '{admin}' is not an http:// address, e.g. http://127.0.0.1:5080");
        }

        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var path = "v1/symbols" + (string.IsNullOrEmpty(classPattern) ? string.Empty : "?class=" + Uri.EscapeDataString(classPattern));
        string body;
        HttpStatusCode status;
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = ex is TaskCanceledException ? "no answer within 30 s" : ex.Message;
            throw new AdminReadException($"cannot reach the gateway's admin listener at {admin}: {reason}", ex);
        }

        if (status != HttpStatusCode.OK)
        {
            throw new AdminReadException($"the gateway's admin listener at {admin} answered {(int)status} for GET /{path}: is it a jdwp-gateway admin listener?");
        }

        try
        {
            return JsonSerializer.Deserialize<SymbolsResponse>(body, Json) ?? throw new JsonException("empty");
        }
        catch (JsonException ex)
        {
            throw new AdminReadException($"the answer of {admin} to GET /{path} is not a symbols report: {ex.Message}", ex);
        }
    }
}

/// <summary>The options of <c>jdwp-gateway symbols</c>.</summary>
/// <param name="Registry">Registry to read directly.</param>
/// <param name="Manifest">With a registry: the manifest in question.</param>
/// <param name="Token">With a registry: its API token.</param>
/// <param name="Admin">A running gateway's admin listener to ask instead.</param>
/// <param name="Class">Class filter (see <see cref="ClassPattern"/>).</param>
/// <param name="Json">JSON instead of a table.</param>
/// <param name="Full">Whole hashes.</param>
public sealed record SymbolsRequest(string? Registry, string? Manifest, string? Token, string? Admin, string? Class, bool Json, bool Full)
{
    /// <summary>What is wrong with the combination of options, or null.</summary>
    public string? Usage() => (Registry, Admin) switch
    {
        (null, null) => "say where to look: --registry URL [--manifest NAME:TAG] or --admin http://HOST:PORT",
        (not null, not null) => "--registry and --admin exclude each other",
        (null, _) when Manifest is not null || Token is not null => "--manifest and --token go with --registry",
        _ => null,
    };
}

/// <summary>The admin listener could not be asked; the message says which and why.</summary>
internal sealed class AdminReadException(string message, Exception? inner = null) : Exception(message, inner);
