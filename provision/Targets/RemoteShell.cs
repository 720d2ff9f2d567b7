namespace Appliance.Provision.Targets;

/// <summary>
/// ssh hands the remote login shell (zsh on a Mac, sh elsewhere) one string: every word that is not
/// plainly safe is single-quoted, so an argument list arrives as the same argument list.
/// </summary>
public static class RemoteShell
{
    public static string Line(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    public static string Quote(string word) =>
        // '=' is safe inside a word but not at its start: zsh expands `=name` to the path of a command.
        word.Length > 0 && word[0] != '=' && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@,+%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";
}
