using System.Globalization;
using System.Text;

namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>Builds the Markdown report: headings, paragraphs and tables with numbers formatted the same way everywhere.</summary>
public sealed class Markdown
{
    private readonly StringBuilder _text = new();

    /// <summary>Adds a heading.</summary>
    public void Heading(string text) => _text.Append(CultureInfo.InvariantCulture, $"\n### {text}\n\n");

    /// <summary>Adds a paragraph.</summary>
    public void Paragraph(string text) => _text.Append(text).Append("\n\n");

    /// <summary>Adds a table; the first column is left-aligned, the others right-aligned.</summary>
    public void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        _text.Append("| ").AppendJoin(" | ", header).Append(" |\n|");
        for (var i = 0; i < header.Count; i++)
        {
            _text.Append(i == 0 ? " --- |" : " ---: |");
        }

        _text.Append('\n');
        foreach (var row in rows)
        {
            _text.Append("| ").AppendJoin(" | ", row).Append(" |\n");
        }

        _text.Append('\n');
    }

    /// <summary>Milliseconds with precision that suits their size.</summary>
    public static string Ms(double ms) => ms switch
    {
        double.NaN => "-",
        < 10 => ms.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => ms.ToString("0.0", CultureInfo.InvariantCulture),
        _ => ms.ToString("0", CultureInfo.InvariantCulture),
    };

    /// <summary>A ratio such as 1.07×.</summary>
    public static string Ratio(double ratio) => double.IsNaN(ratio) ? "-" : ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    /// <summary>Bytes as MiB.</summary>
    public static string MiB(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    /// <summary>An integer.</summary>
    public static string Int(double value) => value.ToString("0", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => _text.ToString();
}
