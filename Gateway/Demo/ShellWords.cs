using System.Text.RegularExpressions;

namespace JdwpGateway.Demo;

/// <summary>Writes arguments as a POSIX shell reads them back, so a printed command can be pasted into a terminal.</summary>
public static partial class ShellWords
{
    /// <summary>The words joined by spaces, each quoted when the shell would otherwise change it.</summary>
    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    /// <summary>The word unchanged when it holds only characters the shell leaves alone, else in single quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && Plain().IsMatch(word) ? word : "'" + word.Replace("'", @"'\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^[A-Za-z0-9_./:=,@%+-]+$")]
    private static partial Regex Plain();
}
