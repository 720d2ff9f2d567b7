namespace Appliance.SimulatedMacOS;

/// <summary>
/// The local directory: dscl, sysadminctl (which exits 0 even when it fails — check with `id`),
/// dseditgroup and id.
/// </summary>
public sealed class DirectoryService(SimulatedMac mac)
{
    public int Sysadminctl(string[] args)
    {
        if (args.Length >= 2 && args[0] == "-addUser")
        {
            var name = args[1];
            var options = Options(args[2..]);
            var uid = int.Parse(options.GetValueOrDefault("-UID", "501"));
            var gid = int.Parse(options.GetValueOrDefault("-GID", "20"));
            if (mac.State.Users.ContainsKey(name))
            {
                mac.Err.WriteLine($"{Stamp()} sysadminctl[{mac.State.NextPid++}] Creating user record failed: user {name} already exists");
                return 0;
            }
            if (mac.State.Users.Values.Any(u => u.Uid == uid))
            {
                mac.Err.WriteLine($"{Stamp()} sysadminctl[{mac.State.NextPid++}] ### Error:-14135 File:/AppleInternal/Library/BuildRoots/…/DSRecord.m Line:563 (UID {uid} in use)");
                return 0;
            }
            if (options.ContainsKey("-roleAccount") && (!name.StartsWith('_') || uid is < 200 or > 400 && uid != 420))
            {
                mac.Err.WriteLine($"{Stamp()} sysadminctl[{mac.State.NextPid++}] Role account names start with _ and use a UID in 200-400");
                return 0;
            }
            mac.State.Users[name] = new MacUser(name, uid, gid, options.GetValueOrDefault("-shell", "/bin/zsh"), options.GetValueOrDefault("-home", "/Users/" + name));
            if (!mac.State.Groups.Values.Any(g => g.Gid == gid))
                mac.State.Groups[name] = new MacGroup { Name = name, Gid = gid };
            mac.Err.WriteLine($"{Stamp()} sysadminctl[{mac.State.NextPid++}] Creating user record…");
            return 0;
        }
        if (args is ["-deleteUser", var user, ..])
        {
            if (!mac.State.Users.Remove(user)) mac.Err.WriteLine($"{Stamp()} sysadminctl: user {user} not found");
            return 0;
        }
        return mac.Fail(64, "usage: sysadminctl -addUser NAME [-UID n] [-GID n] [-shell s] [-home h] [-roleAccount] | -deleteUser NAME");
    }

    public int Dscl(string[] args)
    {
        if (args.Length < 3 || args[0] != ".") return mac.Fail(64, "usage: dscl . -read|-create|-delete|-list PATH [KEY [VALUE]]");
        var path = args[2];
        var user = path.StartsWith("/Users/", StringComparison.Ordinal) ? mac.State.Users.GetValueOrDefault(path["/Users/".Length..]) : null;
        switch (args[1])
        {
            case "-list" when path == "/Users":
                foreach (var name in mac.State.Users.Keys.Order(StringComparer.Ordinal)) mac.Out.WriteLine(name);
                return 0;
            case "-read":
                if (user is null) return mac.Fail(56, "<dscl_cmd> DS Error: -14136 (eDSRecordNotFound)");
                if (args.Length == 4)
                {
                    if (!user.Attributes.TryGetValue(args[3], out var value))
                        return mac.Fail(181, $"No such key: {args[3]}");
                    mac.Out.WriteLine($"{args[3]}: {value}");
                    return 0;
                }
                mac.Out.WriteLine($"RecordName: {user.Name}\nUniqueID: {user.Uid}\nPrimaryGroupID: {user.Gid}\nUserShell: {user.Shell}\nNFSHomeDirectory: {user.Home}");
                foreach (var (k, v) in user.Attributes) mac.Out.WriteLine($"{k}: {v}");
                return 0;
            case "-create" when args.Length == 5:
                if (user is null) return mac.Fail(56, "<dscl_cmd> DS Error: -14136 (eDSRecordNotFound)");
                user.Attributes[args[3]] = args[4];
                return 0;
            case "-delete" when args.Length == 3:
                if (user is null) return mac.Fail(56, "<dscl_cmd> DS Error: -14136 (eDSRecordNotFound)");
                mac.State.Users.Remove(user.Name);
                return 0;
            default:
                return mac.Fail(64, $"dscl: unsupported invocation: {string.Join(' ', args)}");
        }
    }

    public int Dseditgroup(string[] args)
    {
        var options = Options(args);
        var group = args.Length > 0 ? args[^1] : "";
        switch (options.GetValueOrDefault("-o"))
        {
            case "checkmember":
                var member = options.GetValueOrDefault("-m", "");
                if (!mac.State.Groups.TryGetValue(group, out var g)) return mac.Fail(64, $"Group not found: {group}");
                var yes = g.Members.Contains(member);
                mac.Out.WriteLine(yes ? $"yes {member} is a member of {group}" : $"no {member} is NOT a member of {group}");
                return yes ? 0 : 1;
            case "create":
                mac.State.Groups.TryAdd(group, new MacGroup { Name = group, Gid = 400 + mac.State.Groups.Count });
                return 0;
            case "edit":
                if (!mac.State.Groups.TryGetValue(group, out var edited)) return mac.Fail(64, $"Group not found: {group}");
                if (options.TryGetValue("-a", out var add))
                {
                    if (!mac.State.Users.ContainsKey(add)) return mac.Fail(64, $"Record was not found: {add}");
                    if (!edited.Members.Contains(add)) edited.Members.Add(add);
                }
                if (options.TryGetValue("-d", out var remove)) edited.Members.Remove(remove);
                return 0;
            case "read":
                if (!mac.State.Groups.TryGetValue(group, out var read)) return mac.Fail(64, $"Group not found: {group}");
                mac.Out.WriteLine($"dsAttrTypeStandard:RecordName -\n\t\t{read.Name}\ndsAttrTypeStandard:GroupMembership -\n\t\t{string.Join(' ', read.Members)}");
                return 0;
            default:
                return mac.Fail(64, "usage: dseditgroup -o checkmember|create|edit|read …");
        }
    }

    public int Id(string[] args)
    {
        var name = args.LastOrDefault(a => !a.StartsWith('-'));
        if (name is null || !mac.State.Users.TryGetValue(name, out var user)) return mac.Fail(1, $"id: {name}: no such user");
        if (args.Contains("-u")) mac.Out.WriteLine(user.Uid);
        else
        {
            var groups = mac.State.Groups.Values.Where(g => g.Gid == user.Gid || g.Members.Contains(name)).Select(g => $"{g.Gid}({g.Name})");
            var primary = mac.State.Groups.Values.FirstOrDefault(g => g.Gid == user.Gid)?.Name ?? user.Gid.ToString();
            mac.Out.WriteLine($"uid={user.Uid}({user.Name}) gid={user.Gid}({primary}) groups={string.Join(',', groups)}");
        }
        return 0;
    }

    /// <summary>Flags with a value become pairs; flags directly followed by another flag map to "".</summary>
    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith('-')) continue;
            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith('-');
            options[args[i]] = hasValue ? args[++i] : "";
        }
        return options;
    }

    private static string Stamp() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff");
}
