using System.Globalization;

namespace Fabric.Runtime.Tests.Support;

/// <summary>Reads a node's Prometheus text endpoint.</summary>
public static class Metrics
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<Dictionary<string, double>> ScrapeAsync(int port)
    {
        var text = await Http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            values[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return values;
    }

    public static double Get(this Dictionary<string, double> metrics, string series) =>
        metrics.TryGetValue(series, out var v) ? v : 0;

    public static string Resolutions(string level, string result) =>
        $"fabric_node_resolutions_total{{level=\"{level}\",result=\"{result}\"}}";
}
