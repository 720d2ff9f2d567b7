namespace Appliance.SimulatedMacOS;

/// <summary>
/// launchctl as MACOS.md describes it: `print` exit codes are the truth (0 loaded, 113 unknown),
/// load/unload return 0 on almost everything, a booted-out job lingers for a few polls (bootstrap
/// during that time fails with 37), and plists with bad ownership or mode are refused.
/// </summary>
public sealed class Launchd(SimulatedMac mac)
{
    public const int NotFound = 113;
    private const int LingeringPolls = 2;

    public int Launchctl(string[] args)
    {
        if (args.Length == 0) return mac.Fail(64, "usage: launchctl <subcommand> …");
        return args[0] switch
        {
            "print" when args.Length == 2 => Print(args[1]),
            "bootstrap" when args.Length == 3 && args[1] == "system" => Bootstrap(args[2]),
            "bootout" when args.Length == 2 => Bootout(args[1]),
            "enable" when args.Length == 2 => SetEnabled(args[1], true),
            "disable" when args.Length == 2 => SetEnabled(args[1], false),
            "kickstart" => Kickstart(args[^1]),
            "load" or "unload" => LegacyVerb(args),
            _ => mac.Fail(64, $"launchctl: unsupported invocation: {string.Join(' ', args)}"),
        };
    }

    private static string? Label(string target) =>
        target.StartsWith("system/", StringComparison.Ordinal) ? target["system/".Length..] : null;

    private int Print(string target)
    {
        var label = Label(target);
        if (label is null || !mac.State.Jobs.TryGetValue(label, out var job))
            return mac.Fail(NotFound, $"Could not find service \"{label ?? target}\" in domain for system");
        if (job.StoppingPolls > 0)
        {
            job.StoppingPolls--;
            if (job.StoppingPolls == 0) mac.State.Jobs.Remove(label);
        }
        mac.Out.WriteLine($"system/{label} = {{");
        mac.Out.WriteLine($"\tpath = {job.PlistPath}");
        mac.Out.WriteLine($"\tstate = {(job.Pid is null ? "not running" : "running")}");
        if (job.Pid is not null) mac.Out.WriteLine($"\tpid = {job.Pid}");
        mac.Out.WriteLine($"\tlast exit code = {job.LastExitCode}");
        mac.Out.WriteLine("}");
        return 0;
    }

    public int Bootstrap(string plistPath)
    {
        if (!File.Exists(mac.HostPath(plistPath)))
            return mac.Fail(5, $"Bootstrap failed: 5: Input/output error\n{plistPath}: No such file or directory");
        var ownership = mac.State.OwnershipOf(SimulatedMac.Normalize(plistPath), isDirectory: false);
        if (ownership.Owner != "root" || ownership.Group != "wheel" || (ownership.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            return mac.Fail(5, $"Bootstrap failed: 5: Input/output error\n{plistPath}: Path had bad ownership/permissions");
        var plist = PropertyLists.Read(File.ReadAllText(mac.HostPath(plistPath)), out var problem);
        if (plist is null)
            return mac.Fail(5, $"Bootstrap failed: 5: Input/output error\n{plistPath}: {problem}");
        if (plist.GetValueOrDefault("Label") is not string label)
            return mac.Fail(5, $"Bootstrap failed: 5: Input/output error\n{plistPath}: no Label");
        if (mac.State.Jobs.TryGetValue(label, out var existing))
            return existing.StoppingPolls > 0
                ? mac.Fail(37, "Bootstrap failed: 37: Operation already in progress")
                : mac.Fail(5, "Bootstrap failed: 5: Input/output error");

        var arguments = (plist.GetValueOrDefault("ProgramArguments") as List<object>)?.OfType<string>().ToList() ?? [];
        var job = new LaunchdJob { Label = label, PlistPath = SimulatedMac.Normalize(plistPath), ProgramArguments = arguments };
        mac.State.Jobs[label] = job;
        var runAtLoad = plist.GetValueOrDefault("RunAtLoad") is true;
        var keepAlive = plist.GetValueOrDefault("KeepAlive") is true or Dictionary<string, object>;
        if (keepAlive) job.Pid = mac.State.NextPid++;
        else if (runAtLoad && arguments.Count > 0) job.LastExitCode = RunOnce(arguments);
        return 0;
    }

    /// <summary>One-shot jobs (pf enable, wired limit) really run their program, if it is a simulated one.</summary>
    private int RunOnce(List<string> arguments)
    {
        var name = Path.GetFileName(arguments[0]);
        if (!Commands.Names.Contains(name)) return 0;
        var quiet = new SimulatedMac(mac.Root, mac.State, TextWriter.Null, TextWriter.Null);
        return new Commands(quiet).Run(name, [.. arguments.Skip(1)]);
    }

    private int Bootout(string target)
    {
        var label = Label(target);
        if (label is null || !mac.State.Jobs.TryGetValue(label, out var job) || job.StoppingPolls > 0)
            return mac.Fail(NotFound, $"Boot-out failed: 113: Could not find specified service");
        job.StoppingPolls = LingeringPolls;
        job.Pid = null;
        return 0;
    }

    private int SetEnabled(string target, bool enabled)
    {
        if (Label(target) is null) return mac.Fail(64, "launchctl: expected system/<label>");
        // Enabled/disabled overrides are not modelled: every job the provisioner writes is enabled.
        _ = enabled;
        return 0;
    }

    private int Kickstart(string target)
    {
        var label = Label(target);
        if (label is null || !mac.State.Jobs.TryGetValue(label, out var job))
            return mac.Fail(NotFound, $"Could not find service \"{label}\" in domain for system");
        if (job.Pid is not null) job.Pid = mac.State.NextPid++;
        return 0;
    }

    /// <summary>The legacy verbs print a complaint and still exit 0 — never use them for decisions.</summary>
    private int LegacyVerb(string[] args)
    {
        var path = args[^1];
        if (args[0] == "load")
        {
            var result = Bootstrap(path);
            if (result != 0) mac.Err.WriteLine($"Load failed: {result}: Input/output error");
        }
        else mac.Err.WriteLine("Unload failed: 5: Input/output error");
        return 0;
    }

    /// <summary>At boot launchd loads every valid plist in /Library/LaunchDaemons.</summary>
    public void BootAll()
    {
        mac.State.Jobs.Clear();
        var folder = mac.HostPath("/Library/LaunchDaemons");
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.GetFiles(folder, "*.plist").Order(StringComparer.Ordinal))
            Bootstrap("/Library/LaunchDaemons/" + Path.GetFileName(file));
    }
}
