using System.Text;

namespace Appliance.Provision.Resources;

/// <summary>A compact line diff ("- old", "+ new", unchanged lines omitted) for plans.</summary>
public static class LineDiff
{
    public static string Of(string before, string after, int maxLines = 24)
    {
        var a = Split(before);
        var b = Split(after);
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var lines = new List<string>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { x++; y++; }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y])) lines.Add("+ " + b[y++]);
            else lines.Add("- " + a[x++]);
        }
        var text = new StringBuilder();
        foreach (var line in lines.Take(maxLines)) text.AppendLine(line);
        if (lines.Count > maxLines) text.AppendLine($"… {lines.Count - maxLines} more changed lines");
        return text.ToString();
    }

    private static string[] Split(string text) =>
        text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');
}
