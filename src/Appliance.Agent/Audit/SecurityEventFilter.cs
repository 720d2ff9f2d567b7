using Appliance.Audit.Evidence;

namespace Appliance.Agent.Audit;

/// <summary>What a security event is, as the DPO asks about it.</summary>
public enum SecurityEventKind
{
    /// <summary>A sign-in that succeeded.</summary>
    SignedIn,
    /// <summary>A sign-in that failed: unknown name, wrong password, locked account, directory unavailable.</summary>
    Failed,
    /// <summary>An account locked after repeated failures.</summary>
    Lockout,
    /// <summary>A refused request (401, 403, the group filter).</summary>
    Denied,
    /// <summary>A DPO ran an access report about a person (who, when, for whom — never what it found).</summary>
    AccessReport,
}

/// <summary>
/// What the DPO looks for in the security events: one user, one kind, a period (from inclusive, to
/// exclusive). Empty parts select everything.
/// </summary>
public sealed record SecurityEventFilter(string? User, SecurityEventKind? Kind, DateTimeOffset? From, DateTimeOffset? To)
{
    /// <summary>The filter as a WHERE clause over the events table, with its parameters (never text pasted into SQL).</summary>
    internal (string Where, List<(string Name, object? Value)> Parameters) Sql()
    {
        var conditions = new List<string> { "1 = 1" };
        var parameters = new List<(string Name, object? Value)>();
        if (!string.IsNullOrEmpty(User)) { conditions.Add("user = $user"); parameters.Add(("$user", User)); }
        switch (Kind)
        {
            case SecurityEventKind.SignedIn:
                conditions.Add("kind = $kind AND reason = $signedIn");
                parameters.AddRange([("$kind", SecurityEvents.SignInKind), ("$signedIn", SignInOutcomes.SignedIn)]);
                break;
            case SecurityEventKind.Failed:
                conditions.Add("kind = $kind AND reason IN ($f1, $f2, $f3, $f4)");
                parameters.AddRange([("$kind", SecurityEvents.SignInKind), ("$f1", SignInOutcomes.UnknownUser), ("$f2", SignInOutcomes.WrongPassword),
                    ("$f3", SignInOutcomes.Locked), ("$f4", SignInOutcomes.DirectoryUnavailable)]);
                break;
            case SecurityEventKind.Lockout:
                conditions.Add("kind = $kind AND reason = $lockout");
                parameters.AddRange([("$kind", SecurityEvents.SignInKind), ("$lockout", SignInOutcomes.Lockout)]);
                break;
            case SecurityEventKind.Denied:
                conditions.Add("kind = $kind");
                parameters.Add(("$kind", SecurityEvents.DeniedKind));
                break;
            case SecurityEventKind.AccessReport:
                conditions.Add("kind = $kind");
                parameters.Add(("$kind", SecurityEvents.AccessReportKind));
                break;
        }
        if (From is { } from) { conditions.Add("at >= $from"); parameters.Add(("$from", Time.Format(from))); }
        if (To is { } to) { conditions.Add("at < $to"); parameters.Add(("$to", Time.Format(to))); }
        return (string.Join(" AND ", conditions), parameters);
    }
}

/// <summary>One security event as stored: never a password, a token, a question or what an access report found.</summary>
public sealed record SecurityEvent(long Id, DateTimeOffset At, SecurityEventKind Kind, string User, string? Route, string Reason);

/// <summary>How many events of one kind, route and reason the filter selects.</summary>
public sealed record SecurityEventCount(SecurityEventKind Kind, string? Route, string Reason, long Count);
