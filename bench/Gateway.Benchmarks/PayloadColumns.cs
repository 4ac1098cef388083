using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace JdwpGateway.Benchmarks;

/// <summary>Body bytes of the packet a row measures, and the payload rate that follows from its mean time.</summary>
public sealed class PayloadColumn(bool rate) : IColumn
{
    /// <summary>Body size in bytes.</summary>
    public static readonly IColumn Size = new PayloadColumn(false);

    /// <summary>Body bytes per second, in MB/s (10^6 bytes), from the mean time per packet.</summary>
    public static readonly IColumn Rate = new PayloadColumn(true);

    public string Id => rate ? "PayloadRate" : "PayloadSize";

    public string ColumnName => rate ? "Payload MB/s" : "Body B";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => rate ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => rate
        ? "Body bytes per second (10^6 bytes = 1 MB) computed from the mean time per packet"
        : "Body bytes of one packet (after the 11-byte header)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (benchmarkCase.Parameters["Packet"] is not string name)
        {
            return "-";
        }

        var bytes = SamplePackets.Get(name).Body.Length;
        if (!rate)
        {
            return bytes.ToString("N0", style.CultureInfo);
        }

        var meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return meanNs is > 0 ? (bytes / meanNs.Value * 1e9 / 1e6).ToString("N0", style.CultureInfo) : "NA";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;
}
