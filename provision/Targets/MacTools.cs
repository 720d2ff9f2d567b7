namespace Appliance.Provision.Targets;

/// <summary>Where macOS keeps the programs the provisioner runs (full paths: root's PATH is not trusted).</summary>
public static class MacTools
{
    public const string Launchctl = "/bin/launchctl";
    public const string Pfctl = "/sbin/pfctl";
    public const string Sysctl = "/usr/sbin/sysctl";
    public const string Pmset = "/usr/bin/pmset";
    public const string Mdutil = "/usr/bin/mdutil";
    public const string Dscl = "/usr/bin/dscl";
    public const string Sysadminctl = "/usr/sbin/sysadminctl";
    public const string Dseditgroup = "/usr/sbin/dseditgroup";
    public const string Id = "/usr/bin/id";
    public const string Socketfilterfw = "/usr/libexec/ApplicationFirewall/socketfilterfw";
    public const string Csrutil = "/usr/bin/csrutil";
    public const string Fdesetup = "/usr/bin/fdesetup";
    public const string Plutil = "/usr/bin/plutil";
    public const string SwVers = "/usr/bin/sw_vers";
    public const string Uname = "/usr/bin/uname";
    public const string Defaults = "/usr/bin/defaults";
    public const string Sshd = "/usr/sbin/sshd";
    public const string Chown = "/usr/sbin/chown";
    public const string Chmod = "/bin/chmod";
    public const string Stat = "/usr/bin/stat";
    public const string Mkdir = "/bin/mkdir";
    public const string Rm = "/bin/rm";
    public const string Mv = "/bin/mv";
    public const string Shasum = "/usr/bin/shasum";
    public const string Df = "/bin/df";
    public const string Install = "/usr/bin/install";
    public const string Tar = "/usr/bin/tar";
    public const string Cat = "/bin/cat";
    public const string Ls = "/bin/ls";
    public const string Sqlite3 = "/usr/bin/sqlite3";
    public const string Readlink = "/usr/bin/readlink";
}
