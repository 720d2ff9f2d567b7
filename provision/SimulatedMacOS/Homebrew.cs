namespace Appliance.SimulatedMacOS;

/// <summary>
/// Tesseract as an admin installs it with Homebrew (`brew install tesseract tesseract-lang`): the
/// formula `tesseract` brings English, `tesseract-lang` the other languages. Absent on a stock Mac.
/// </summary>
public sealed class Homebrew(SimulatedMac mac)
{
    public const string TesseractVersion = "tesseract 5.5.1";

    public int Brew(string[] args)
    {
        if (args is not ["install", .. var formulae] || formulae.Length == 0) return mac.Fail(64, "usage: brew install FORMULA…");
        foreach (var formula in formulae)
        {
            if (formula is not ("tesseract" or "tesseract-lang")) return mac.Fail(1, $"Error: simulated Homebrew knows only tesseract and tesseract-lang, not {formula}");
            if (!mac.State.Homebrew.Contains(formula)) mac.State.Homebrew.Add(formula);
            mac.Out.WriteLine($"==> Pouring {formula} (simulated)");
        }
        return 0;
    }

    public int Tesseract(string[] args)
    {
        if (!mac.State.Homebrew.Contains("tesseract")) return mac.Fail(127, "tesseract: No such file or directory");
        string[] languages = mac.State.Homebrew.Contains("tesseract-lang") ? ["deu", "eng", "fra", "ita", "osd"] : ["eng", "osd"];
        return args switch
        {
            ["--version"] => Print($"{TesseractVersion}\n leptonica-1.85.0"),
            ["--list-langs"] => Print($"List of available languages in \"/opt/homebrew/share/tessdata/\" ({languages.Length}):\n{string.Join('\n', languages)}"),
            _ => mac.Fail(1, "simulated tesseract answers --version and --list-langs only"),
        };
    }

    private int Print(string text)
    {
        mac.Out.WriteLine(text);
        return 0;
    }
}
