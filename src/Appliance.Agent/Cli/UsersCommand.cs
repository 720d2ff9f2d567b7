using System.CommandLine;
using Appliance.Agent.Identity;
using Appliance.Config;

namespace Appliance.Agent.Cli;

/// <summary>`appliance users list|passwd|unlock|token`: account chores on the box itself (as the agent's account).</summary>
internal static class UsersCommand
{
    public static Command Create()
    {
        var command = new Command("users", "Accounts from appliance.yaml: set passwords, unlock, issue API tokens.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Passwd());
        command.Subcommands.Add(Unlock());
        command.Subcommands.Add(Token());
        return command;
    }

    private static Command List()
    {
        var config = ConfigOption.Create();
        var command = new Command("list", "Show every account: source, roles, groups, whether it has a password, lockout.") { config };
        command.SetAction(async (parse, ct) =>
        {
            if (await OpenAsync(parse.GetValue(config)!, ct) is not { } store) return 2;
            foreach (var u in await store.ListAsync(ct))
                Console.WriteLine($"{u.Name,-16} {u.Source.ToString().ToLowerInvariant(),-7} roles={string.Join(',', u.Roles.Select(RoleNames.Of)),-22} " +
                    $"groups={string.Join(',', u.Groups),-24} password={(u.HasPassword ? "set" : "none")}{(u.LockedUntil is { } l ? $" locked-until={l:o}" : "")}");
            return 0;
        });
        return command;
    }

    private static Command Passwd()
    {
        var config = ConfigOption.Create();
        var name = new Argument<string>("name") { Description = "a user listed in appliance.yaml" };
        var command = new Command("passwd", """
            Set a configured user's password, read from standard input (one line), so it never
            appears in the shell history or the process list:
              printf '%s\n' "$PASSWORD" | appliance users passwd mberger
            At least 10 characters. Clears a lockout.
            """) { config, name };
        command.SetAction(async (parse, ct) =>
        {
            if (await OpenAsync(parse.GetValue(config)!, ct) is not { } store) return 2;
            var user = parse.GetValue(name)!;
            if (!Console.IsInputRedirected) Console.Error.Write($"new password for {user}: ");
            var password = Console.In.ReadLine();
            if (PasswordRules.Problem(password) is { } problem)
            {
                Console.Error.WriteLine($"appliance users passwd: {problem}; nothing changed");
                return 1;
            }
            if (!await store.SetPasswordAsync(user, password!, ct))
            {
                Console.Error.WriteLine($"appliance users passwd: '{user}' is not a user configured in appliance.yaml (directory users use their LDAP password)");
                return 1;
            }
            Console.WriteLine($"password of {user} set");
            return 0;
        });
        return command;
    }

    private static Command Unlock()
    {
        var config = ConfigOption.Create();
        var name = new Argument<string>("name");
        var command = new Command("unlock", "Lift a lockout after too many failed sign-ins.") { config, name };
        command.SetAction(async (parse, ct) =>
        {
            if (await OpenAsync(parse.GetValue(config)!, ct) is not { } store) return 2;
            var user = parse.GetValue(name)!;
            if (await store.UnlockAsync(user, ct)) { Console.WriteLine($"{user} unlocked"); return 0; }
            Console.Error.WriteLine($"appliance users unlock: no user '{user}'");
            return 1;
        });
        return command;
    }

    private static Command Token()
    {
        var config = ConfigOption.Create();
        var name = new Argument<string>("name") { Description = "the user the token acts as" };
        var label = new Option<string>("--label") { Description = "what the token is for", DefaultValueFactory = _ => "cli" };
        var workClass = new Option<string>("--class") { Description = $"how the scheduler ranks the token's /v1 requests: {TokenWorkClass.Choices}", DefaultValueFactory = _ => "api" };
        var command = new Command("token", """
            Issue an API token for a user and print it once (it is stored only as a hash). Use it as
            `Authorization: Bearer <token>`, e.g. OPENAI_API_KEY for the openai SDKs. Revoke it on
            the admin page or with DELETE /api/admin/tokens/{id}. --class background for batch work that
            should only use capacity nobody waits for; interactive for a tool a person waits on.
            """) { config, name, label, workClass };
        command.SetAction(async (parse, ct) =>
        {
            if (await OpenAsync(parse.GetValue(config)!, ct) is not { } store) return 2;
            var user = parse.GetValue(name)!;
            if (await store.FindAsync(user, ct) is null)
            {
                Console.Error.WriteLine($"appliance users token: no user '{user}'");
                return 1;
            }
            if (!TokenWorkClass.TryParse(parse.GetValue(workClass), out var chosen))
            {
                Console.Error.WriteLine($"appliance users token: --class is {TokenWorkClass.Choices}");
                return 1;
            }
            var issued = await store.IssueTokenAsync(user, parse.GetValue(label)!, chosen, ct);
            Console.WriteLine(issued.Secret);
            return 0;
        });
        return command;
    }

    private static async Task<IdentityStore?> OpenAsync(FileInfo file, CancellationToken ct)
    {
        if (ConfigOption.Load(file) is not var (config, dir)) return null;
        var store = await IdentityStore.OpenAsync(Path.Combine(ConfigPaths.DataFolder(config, dir), "agent.db"), TimeProvider.System, ct);
        await store.SyncFromConfigAsync(config.Auth, ct);
        return store;
    }
}
