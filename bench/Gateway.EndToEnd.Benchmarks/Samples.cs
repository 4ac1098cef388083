namespace JdwpGateway.EndToEnd.Benchmarks;

/// <summary>Measurements of one quantity, with the order statistics the report uses.</summary>
public sealed class Samples
{
    private readonly List<double> _values = [];

    /// <summary>Number of measurements.</summary>
    public int Count => _values.Count;

    /// <summary>Adds a measurement.</summary>
    public void Add(double value) => _values.Add(value);

    /// <summary>The arithmetic mean.</summary>
    public double Mean => _values.Count == 0 ? double.NaN : _values.Average();

    /// <summary>The median (mean of the middle two for an even count).</summary>
    public double Median => Quantile(0.5);

    /// <summary>The q-quantile by linear interpolation between order statistics.</summary>
    public double Quantile(double q)
    {
        if (_values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = _values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}

/// <summary>Samples keyed by (target, phase), in the order keys first appear.</summary>
public sealed class SampleTable
{
    private readonly Dictionary<(string Target, string Phase), Samples> _samples = [];
    private readonly List<string> _phases = [];

    /// <summary>Phases in first-seen order.</summary>
    public IReadOnlyList<string> Phases => _phases;

    /// <summary>The samples of a target's phase (empty if none).</summary>
    public Samples this[string target, string phase] =>
        _samples.TryGetValue((target, phase), out var s) ? s : new Samples();

    /// <summary>Adds a measurement.</summary>
    public void Add(string target, string phase, double value)
    {
        lock (_samples)
        {
            if (!_samples.TryGetValue((target, phase), out var samples))
            {
                _samples[(target, phase)] = samples = new Samples();
                if (!_phases.Contains(phase))
                {
                    _phases.Add(phase);
                }
            }

            samples.Add(value);
        }
    }
}
