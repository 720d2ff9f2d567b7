using Appliance.Agent.Audit;
using Appliance.Audit.Evidence;
using Appliance.Config;
using Microsoft.Extensions.Logging;

namespace Appliance.Agent.Identity;

/// <summary>
/// Checks a name and password: a local password first (configured users), else the directory for
/// names appliance.yaml does not list. Repeated failures lock the account for a while. Every attempt
/// is counted in the security events; a name that matches no account is recorded as "unknown",
/// because people type their password into the name field.
/// </summary>
public sealed class SignIn(IdentityStore store, AuthSettings auth, LdapDirectory? directory, SecurityEvents events, ILogger<SignIn> log)
{
    public async Task<SignInOutcome> AttemptAsync(string name, string password, CancellationToken ct)
    {
        var outcome = string.IsNullOrWhiteSpace(name) || string.IsNullOrEmpty(password)
            ? new SignInOutcome.Failed(KnownAccount: !string.IsNullOrWhiteSpace(name) && await store.FindAsync(name, ct) is not null)
            : await store.CheckPasswordAsync(name, password, auth.Lockout, ct) ?? await AskDirectoryAsync(name, password, ct);
        await RecordAsync(name, outcome, ct);
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
            case SignInOutcome.Failed { KnownAccount: true }:
                log.LogWarning("sign-in of {User} failed: wrong password", name);
                break;
            default:
                log.LogWarning("sign-in failed: the name matches no account (not logged: it may be a password)");
                break;
        }
        return outcome;
    }

    private async Task<SignInOutcome> AskDirectoryAsync(string name, string password, CancellationToken ct)
    {
        var known = await store.FindAsync(name, ct);
        // Configured accounts sign in with their local password only, so a directory entry of the
        // same name cannot take over an admin account.
        if (directory is null || known is { Source: UserSource.Config }) return new SignInOutcome.Failed(KnownAccount: known is not null);
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
            return known is null ? new SignInOutcome.Failed(KnownAccount: false) : await store.CountFailureAsync(name, auth.Lockout, ct);
        var configuredGroups = auth.Groups.Select(g => g.Id).ToHashSet(StringComparer.Ordinal);
        var user = await store.RecordDirectoryUserAsync(account.Name, account.DisplayName, auth.Ldap!.DefaultRoles,
            account.Groups.Where(configuredGroups.Contains).ToList(), ct);
        await store.RecordSuccessAsync(name, ct);
        return new SignInOutcome.Success(user);
    }

    private async Task RecordAsync(string name, SignInOutcome outcome, CancellationToken ct)
    {
        // Recorded whatever the client does next: an attacker hanging up must not erase the attempt.
        var none = CancellationToken.None;
        switch (outcome)
        {
            case SignInOutcome.Success success:
                await events.RecordSignInAsync(success.User.Name, SignInOutcomes.SignedIn, none);
                break;
            case SignInOutcome.Failed { KnownAccount: true }:
                await events.RecordSignInAsync(name, SignInOutcomes.WrongPassword, none);
                break;
            case SignInOutcome.Failed:
                await events.RecordSignInAsync(SecurityEvents.Unknown, SignInOutcomes.UnknownUser, none);
                break;
            case SignInOutcome.LockedOut { ByThisAttempt: true }:
                await events.RecordSignInAsync(name, SignInOutcomes.WrongPassword, none);
                await events.RecordSignInAsync(name, SignInOutcomes.Lockout, none);
                break;
            case SignInOutcome.LockedOut:
                await events.RecordSignInAsync(name, SignInOutcomes.Locked, none);
                break;
            case SignInOutcome.DirectoryUnavailable:
                await events.RecordSignInAsync(await store.FindAsync(name, none) is null ? SecurityEvents.Unknown : name, SignInOutcomes.DirectoryUnavailable, none);
                break;
        }
    }
}
