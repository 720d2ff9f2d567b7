using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Appliance.SimulatedMacOS;

/// <summary>
/// BSD file tools over the sandbox: contents are real files under the root; macOS owner, group and
/// mode live in the state. SIP-protected paths refuse changes even for root.
/// </summary>
public sealed class FileCommands(SimulatedMac mac)
{
    public int Run(string name, string[] args)
    {
        var flags = args.TakeWhile(a => a.StartsWith('-') && a.Length > 1).ToList();
        var operands = args.Skip(flags.Count).ToList();
        var recursive = flags.Any(f => f.Contains('R') || f.Contains('r'));
        return name switch
        {
            "chown" => Chown(operands, recursive),
            "chmod" => Chmod(operands, recursive),
            "stat" => Stat(flags, operands, args),
            "mkdir" => Mkdir(operands, flags.Any(f => f.Contains('p'))),
            "rm" => Remove(operands, recursive, flags.Any(f => f.Contains('f'))),
            "mv" => Move(operands),
            "shasum" => Shasum(operands),
            "df" => Df(operands),
            "install" => InstallDirectory(args),
            "tar" => Untar(args),
            _ => mac.Fail(127, name + ": not simulated"),
        };
    }

    private int Chown(List<string> operands, bool recursive)
    {
        if (operands.Count < 2) return mac.Fail(64, "usage: chown [-R] owner[:group] file …");
        var spec = operands[0].Split(':');
        foreach (var path in operands.Skip(1))
        {
            if (Refuse("chown", path) is { } refused) return refused;
            if (!mac.Exists(path)) return mac.Fail(1, $"chown: {path}: No such file or directory");
            foreach (var p in Targets(path, recursive))
            {
                var current = mac.State.OwnershipOf(p, mac.IsDirectory(p));
                mac.State.Files[p] = current with { Owner = spec[0], Group = spec.Length > 1 && spec[1].Length > 0 ? spec[1] : current.Group };
            }
        }
        return 0;
    }

    private int Chmod(List<string> operands, bool recursive)
    {
        if (operands.Count < 2 || !int.TryParse(operands[0], NumberStyles.None, null, out _))
            return mac.Fail(64, "usage: chmod [-R] OCTAL-MODE file … (the simulation takes octal modes only)");
        var mode = (UnixFileMode)Convert.ToInt32(operands[0], 8);
        foreach (var path in operands.Skip(1))
        {
            if (Refuse("chmod", path) is { } refused) return refused;
            if (!mac.Exists(path)) return mac.Fail(1, $"chmod: {path}: No such file or directory");
            foreach (var p in Targets(path, recursive))
                mac.State.Files[p] = mac.State.OwnershipOf(p, mac.IsDirectory(p)) with { Mode = mode };
        }
        return 0;
    }

    /// <summary>`stat -f FORMAT path…` with %N %Su %Sg %Lp %z %HT; missing paths report on stderr and exit 1.</summary>
    private int Stat(List<string> flags, List<string> operands, string[] args)
    {
        string format;
        List<string> paths;
        if (args.Length >= 3 && args[0] == "-f") { format = args[1]; paths = [.. args[2..]]; }
        else { format = "%N %Su:%Sg %Lp %z"; paths = operands; _ = flags; }
        var exit = 0;
        foreach (var path in paths)
        {
            var p = SimulatedMac.Normalize(path);
            if (!mac.Exists(p)) { mac.Err.WriteLine($"stat: {path}: stat: No such file or directory"); exit = 1; continue; }
            var isDirectory = mac.IsDirectory(p);
            var o = mac.State.OwnershipOf(p, isDirectory);
            var text = new StringBuilder();
            for (var i = 0; i < format.Length; i++)
            {
                if (format[i] != '%' || i + 1 >= format.Length) { text.Append(format[i]); continue; }
                var rest = format[(i + 1)..];
                var (value, used) = rest switch
                {
                    _ when rest.StartsWith("Su") => (o.Owner, 2),
                    _ when rest.StartsWith("Sg") => (o.Group, 2),
                    _ when rest.StartsWith("Lp") => (Convert.ToString((int)o.Mode, 8), 2),
                    _ when rest.StartsWith("HT") => (isDirectory ? "Directory" : "Regular File", 2),
                    _ when rest.StartsWith('N') => (path, 1),
                    _ when rest.StartsWith('z') => (isDirectory ? "0" : new FileInfo(mac.HostPath(p)).Length.ToString(CultureInfo.InvariantCulture), 1),
                    _ => ("%", 0),
                };
                text.Append(value);
                i += used;
            }
            mac.Out.WriteLine(text.ToString());
        }
        return exit;
    }

    private int Mkdir(List<string> operands, bool parents)
    {
        foreach (var path in operands)
        {
            if (Refuse("mkdir", path) is { } refused) return refused;
            var host = mac.HostPath(path);
            if (Directory.Exists(host)) { if (!parents) return mac.Fail(1, $"mkdir: {path}: File exists"); continue; }
            if (!parents && !Directory.Exists(Path.GetDirectoryName(host))) return mac.Fail(1, $"mkdir: {path}: No such file or directory");
            Directory.CreateDirectory(host);
        }
        return 0;
    }

    /// <summary>`install -d -o OWNER -g GROUP -m MODE dir…` (only the directory form is simulated).</summary>
    private int InstallDirectory(string[] args)
    {
        string? owner = null, group = null, mode = null;
        var directories = new List<string>();
        var makeDirectories = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-d": makeDirectories = true; break;
                case "-o" when i + 1 < args.Length: owner = args[++i]; break;
                case "-g" when i + 1 < args.Length: group = args[++i]; break;
                case "-m" when i + 1 < args.Length: mode = args[++i]; break;
                default: directories.Add(args[i]); break;
            }
        }
        if (!makeDirectories || directories.Count == 0) return mac.Fail(64, "simulated macOS: only `install -d [-o owner] [-g group] [-m mode] directory…` is simulated");
        if (owner is not null && !mac.State.Users.ContainsKey(owner)) return mac.Fail(67, $"install: unknown user {owner}");
        if (group is not null && !mac.State.Groups.ContainsKey(group) && !mac.State.Users.ContainsKey(group)) return mac.Fail(67, $"install: unknown group {group}");
        foreach (var path in directories)
        {
            if (Refuse("install", path) is { } refused) return refused;
            Directory.CreateDirectory(mac.HostPath(path));
            var p = SimulatedMac.Normalize(path);
            var current = mac.State.OwnershipOf(p, true);
            mac.State.Files[p] = new FileOwnership(owner ?? current.Owner, group ?? current.Group, mode is null ? current.Mode : (UnixFileMode)Convert.ToInt32(mode, 8));
        }
        return 0;
    }

    /// <summary>`tar -xzf ARCHIVE -C DIR`: unpack a gzip'd tar inside the sandbox (only extraction is simulated).</summary>
    private int Untar(string[] args)
    {
        if (args is not ["-xzf", var archive, "-C", var folder]) return mac.Fail(64, "simulated macOS: only `tar -xzf ARCHIVE -C DIR` is simulated");
        if (!File.Exists(mac.HostPath(archive))) return mac.Fail(1, $"tar: Error opening archive: Failed to open '{archive}'");
        if (Refuse("tar", folder) is { } refused) return refused;
        Directory.CreateDirectory(mac.HostPath(folder));
        using var file = File.OpenRead(mac.HostPath(archive));
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        System.Formats.Tar.TarFile.ExtractToDirectory(gzip, mac.HostPath(folder), overwriteFiles: true);
        return 0;
    }

    private int Remove(List<string> operands, bool recursive, bool force)
    {
        foreach (var path in operands)
        {
            if (Refuse("rm", path) is { } refused) return refused;
            var p = SimulatedMac.Normalize(path);
            var host = mac.HostPath(p);
            if (Directory.Exists(host))
            {
                if (!recursive) return mac.Fail(1, $"rm: {path}: is a directory");
                Directory.Delete(host, recursive: true);
            }
            else if (File.Exists(host)) File.Delete(host);
            else if (!force) return mac.Fail(1, $"rm: {path}: No such file or directory");
            foreach (var key in mac.State.Files.Keys.Where(k => k == p || k.StartsWith(p + "/", StringComparison.Ordinal)).ToList())
                mac.State.Files.Remove(key);
        }
        return 0;
    }

    private int Move(List<string> operands)
    {
        if (operands.Count != 2) return mac.Fail(64, "usage: mv source target");
        foreach (var path in operands) if (Refuse("mv", path) is { } refused) return refused;
        var (from, to) = (SimulatedMac.Normalize(operands[0]), SimulatedMac.Normalize(operands[1]));
        if (!File.Exists(mac.HostPath(from))) return mac.Fail(1, $"mv: rename {operands[0]} to {operands[1]}: No such file or directory");
        File.Move(mac.HostPath(from), mac.HostPath(to), overwrite: true);
        mac.State.Files[to] = mac.State.OwnershipOf(from, false);
        mac.State.Files.Remove(from);
        return 0;
    }

    private int Shasum(List<string> operands)
    {
        var exit = 0;
        foreach (var path in operands.Where(o => o != "256"))
        {
            var host = mac.HostPath(path);
            if (!File.Exists(host)) { mac.Err.WriteLine($"shasum: {path}: No such file or directory"); exit = 1; continue; }
            using var stream = File.OpenRead(host);
            mac.Out.WriteLine($"{Convert.ToHexStringLower(SHA256.HashData(stream))}  {path}");
        }
        return exit;
    }

    private int Df(List<string> operands)
    {
        var kb = mac.State.FreeDiskBytes / 1024;
        mac.Out.WriteLine("Filesystem   1024-blocks      Used Available Capacity  Mounted on");
        mac.Out.WriteLine($"/dev/disk3s5  {kb * 2,11} {kb,9} {kb,9}    50%    {(operands.Count > 0 ? "/System/Volumes/Data" : "/")}");
        return 0;
    }

    private int? Refuse(string tool, string path) =>
        mac.IsSipProtected(path) ? mac.Fail(1, $"{tool}: {path}: Operation not permitted") : null;

    private IEnumerable<string> Targets(string path, bool recursive)
    {
        var p = SimulatedMac.Normalize(path);
        yield return p;
        if (!recursive || !mac.IsDirectory(p)) yield break;
        foreach (var entry in Directory.EnumerateFileSystemEntries(mac.HostPath(p), "*", SearchOption.AllDirectories))
            yield return p.TrimEnd('/') + "/" + Path.GetRelativePath(mac.HostPath(p), entry).Replace('\\', '/');
    }
}
