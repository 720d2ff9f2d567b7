using Appliance.Config;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Preflight;
using Appliance.Provision.Resources;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Ssh;

/// <summary>
/// The SSH login provision itself uses must still work after apply: the appliance's sshd drop-in
/// refuses root, and com.apple.access_ssh admits only the accounts in system.ssh.users. A plan that
/// would lock the current login out is refused, naming the config field to change. It has no
/// controls of its own: it only asks the target which account it is logged in as.
/// </summary>
public sealed class ProvisioningLogin(IReadOnlyList<string> users, ConfigLocations? locations) : Resource
{
    public const string UsersField = "system.ssh.users";
    private const string AccessGroup = "com.apple.access_ssh";

    public override string Id => "provision's own SSH login";
    public override IReadOnlyList<Control> Controls => [];

    /// <summary>Why the next SSH login as this account would be refused once apply has run, or null when it keeps working.</summary>
    public string? LockoutOf(string login)
    {
        var allowed = users.Count == 0 ? "none listed" : string.Join(", ", users);
        if (login == "root")
            return Located("provision is logged in as root, but the appliance's sshd drop-in sets PermitRootLogin no (and macOS never lets root log in over SSH), " +
                           $"so the next run would be refused. Log in as an admin listed here ({allowed}) who has a NOPASSWD sudoers rule: provision runs every command through sudo -n.");
        if (!users.Contains(login, StringComparer.Ordinal))
            return Located($"does not list '{login}', the account provision is logged in as: after apply only these accounts may log in over SSH ({AccessGroup}), " +
                           $"so the next run as {login} would be refused. Add {login} here, or log in as one of: {allowed}.");
        return null;
    }

    public override Task<Reading> ReadAsync(LiveBox box, CancellationToken cancellationToken) =>
        Task.FromResult(new Reading([], Exists: true) { Conflict = box.Target.SshLogin is { } login ? LockoutOf(login) : null });

    public override IReadOnlyList<Step> Converge(Reading reading) => [];

    /// <summary>Pre-flight: will this login survive apply, and is it in the SSH access group already?</summary>
    public async Task<Finding?> CheckAsync(ITarget target, CancellationToken cancellationToken)
    {
        if (target.SshLogin is not { } login) return null;
        const string check = "SSH login";
        if (LockoutOf(login) is { } lockout) return new Finding(check, Severity.Error, $"{login} would be locked out by apply", lockout);
        var how = login == "root" ? "root" : "sudo -n works";
        var member = await target.RunAsync(Command.Of(MacTools.Dseditgroup, "-o", "checkmember", "-m", login, AccessGroup), cancellationToken);
        if (member.Succeeded) return new Finding(check, Severity.Ok, $"{login}: {how}, in {UsersField} and in {AccessGroup}");
        if ((member.StandardOutput + member.StandardError).Contains("not found", StringComparison.OrdinalIgnoreCase))
            return new Finding(check, Severity.Warning, $"{login}: {how}, but {AccessGroup} does not exist (Remote Login admits all users)",
                $"apply adds {string.Join(", ", users)} to {AccessGroup}, which needs the group: in System Settings → General → Sharing → Remote Login, " +
                $"choose \"Only these users\" and add {login}, then run apply again");
        return new Finding(check, Severity.Ok, $"{login}: {how}, in {UsersField}; not yet in {AccessGroup} (apply adds it)");
    }

    private string Located(string message) =>
        locations is null ? $"{UsersField}: {message}" : locations.ErrorAt(UsersField, message).ToString();
}
