using Appliance.Config;
using Microsoft.Extensions.Logging;

namespace Appliance.Agent.Identity;

/// <summary>
/// Checks a name and password: a local password first (configured users), else the directory for
/// names appliance.yaml does not list. Repeated failures lock the account for a while.
/// </summary>
public sealed class SignIn(IdentityStore store, AuthSettings auth, LdapDirectory? directory, ILogger<SignIn> log)
{
    public async Task<SignInOutcome> AttemptAsync(string name, string password, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name) || string.IsNullOrEmpty(password)) return new SignInOutcome.Failed();
        var outcome = await store.CheckPasswordAsync(name, password, auth.Lockout, ct) ?? await AskDirectoryAsync(name, password, ct);
        switch (outcome)
        {
            case SignInOutcome.Success:
                log.LogInformation("sign-in of {User} succeeded", name);
                break;
            case SignInOutcome.LockedOut locked:
                log.LogWarning("sign-in of {User} refused: locked until {Until:o}", name, locked.Until);
                break;
            case SignInOutcome.DirectoryUnavailable unavailable:
                log.LogError("sign-in of {User} impossible: {Reason}", name, unavailable.Reason);
                break;
            default:
                log.LogWarning("sign-in of {User} failed", name);
                break;
        }
        return outcome;
    }

    private async Task<SignInOutcome> AskDirectoryAsync(string name, string password, CancellationToken ct)
    {
        var known = await store.FindAsync(name, ct);
        // Configured accounts sign in with their local password only, so a directory entry of the
        // same name cannot take over an admin account.
        if (directory is null || known is { Source: UserSource.Config }) return new SignInOutcome.Failed();
        if (await store.LockedUntilAsync(name, ct) is { } until) return new SignInOutcome.LockedOut(until);
        DirectoryAccount? account;
        try
        {
            account = await directory.AuthenticateAsync(name, password, ct);
        }
        catch (DirectoryUnavailableException e)
        {
            return new SignInOutcome.DirectoryUnavailable(e.Message);
        }
        if (account is null)
            return known is null ? new SignInOutcome.Failed() : await store.CountFailureAsync(name, auth.Lockout, ct);
        var configuredGroups = auth.Groups.Select(g => g.Id).ToHashSet(StringComparer.Ordinal);
        var user = await store.RecordDirectoryUserAsync(account.Name, account.DisplayName, auth.Ldap!.DefaultRoles,
            account.Groups.Where(configuredGroups.Contains).ToList(), ct);
        await store.RecordSuccessAsync(name, ct);
        return new SignInOutcome.Success(user);
    }
}
