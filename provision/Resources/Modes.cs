namespace Appliance.Provision.Resources;

/// <summary>The Unix modes the appliance uses, by what they allow (octal in comments, as stat and chmod print them).</summary>
public static class Modes
{
    private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Rwx = Rw | UnixFileMode.UserExecute;

    /// <summary>0600: the owner only (keys, the state record, the journal).</summary>
    public const UnixFileMode FileOwnerOnly = Rw;

    /// <summary>0640: the owner writes, the group (the agent's role account) reads.</summary>
    public const UnixFileMode FileGroupReads = Rw | UnixFileMode.GroupRead;

    /// <summary>0644: everyone reads (launchd refuses daemons' plists otherwise).</summary>
    public const UnixFileMode FileWorldReads = FileGroupReads | UnixFileMode.OtherRead;

    /// <summary>0700: a folder for its owner only.</summary>
    public const UnixFileMode FolderOwnerOnly = Rwx;

    /// <summary>0750: the group may list and enter, not change.</summary>
    public const UnixFileMode FolderGroupReads = Rwx | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>0755: everyone may list and enter.</summary>
    public const UnixFileMode FolderWorldReads = FolderGroupReads | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>As stat -f %Lp and chmod write it: "644".</summary>
    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(3, '0');

    public static UnixFileMode FromOctal(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);
}
