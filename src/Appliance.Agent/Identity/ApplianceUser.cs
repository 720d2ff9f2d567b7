using Appliance.Config;
using Appliance.Inference;

namespace Appliance.Agent.Identity;

/// <summary>Where an account comes from: appliance.yaml (authoritative for roles and groups) or the directory.</summary>
public enum UserSource { Config, Ldap }

/// <summary>One person who may use the appliance, as the agent's identity store knows them.</summary>
public sealed record ApplianceUser(
    string Name,
    string DisplayName,
    UserSource Source,
    IReadOnlyList<Role> Roles,
    IReadOnlyList<string> Groups,
    bool HasPassword,
    DateTimeOffset? LockedUntil,
    DateTimeOffset? LastSignIn)
{
    public bool IsLockedAt(DateTimeOffset now) => LockedUntil is { } until && until > now;
}

/// <summary>An API token as shown to people: never the secret itself, which is only shown once at creation.</summary>
/// <param name="Class">how the scheduler ranks the token's /v1 requests: api by default, interactive for a tool a person waits on, background for batch work</param>
public sealed record ApiTokenInfo(string Id, string User, string Name, DateTimeOffset Created, DateTimeOffset? LastUsed, DateTimeOffset? Revoked,
    WorkPriority Class = WorkPriority.Api);

/// <summary>Who a valid token acts as, and the class of work it was issued for.</summary>
public sealed record TokenHolder(ApplianceUser User, WorkPriority Class);

/// <summary>What erasing an account removed; <paramref name="StillConfigured"/>: appliance.yaml still names it (IT removes it there).</summary>
public sealed record AccountErased(string Name, UserSource Source, int Tokens, bool StillConfigured);

/// <summary>A freshly issued token: the only moment its secret exists outside the caller's hands.</summary>
public sealed record IssuedToken(ApiTokenInfo Info, string Secret);

public abstract record SignInOutcome
{
    public sealed record Success(ApplianceUser User) : SignInOutcome;
    /// <param name="KnownAccount">the name is an account here (so the password was wrong), not an unknown name</param>
    public sealed record Failed(bool KnownAccount) : SignInOutcome;

    /// <param name="ByThisAttempt">this failed attempt was the one that locked the account</param>
    public sealed record LockedOut(DateTimeOffset Until, bool ByThisAttempt = false) : SignInOutcome;
    public sealed record DirectoryUnavailable(string Reason) : SignInOutcome;
}
