namespace Appliance.Agent.Audit;

/// <summary>How a logged call ended, as a DPO asks about it: answered (2xx), refused (4xx: denied, invalid, busy) or failed (5xx).</summary>
public enum LogOutcome { Answered, Refused, Failed }

/// <summary>
/// What the DPO looks for in the query log: one user, one route, one outcome, a period (from
/// inclusive, to exclusive), calls that returned one of some documents (a collection's, erased ones
/// included). Empty parts select everything; the retention purge's own entries have no user or route
/// and drop out as soon as either is asked for.
/// </summary>
public sealed record LogFilter(string? User, string? Route, LogOutcome? Outcome, DateTimeOffset? From, DateTimeOffset? To)
{
    public static LogFilter All { get; } = new(null, null, null, null, null);

    /// <summary>Only calls that returned at least one of these documents (null: any call).</summary>
    public IReadOnlyCollection<string>? ReturnedAnyOf { get; init; }

    /// <summary>The filter as a WHERE clause over the entries table, with its parameters (never text pasted into SQL).</summary>
    internal (string Where, List<(string Name, object? Value)> Parameters) Sql()
    {
        var conditions = new List<string> { "1 = 1" };
        var parameters = new List<(string Name, object? Value)>();
        if (!string.IsNullOrEmpty(User)) { conditions.Add("user = $user"); parameters.Add(("$user", User)); }
        if (!string.IsNullOrEmpty(Route)) { conditions.Add("route = $route"); parameters.Add(("$route", Route)); }
        if (Outcome is { } outcome)
        {
            var (low, high) = outcome switch { LogOutcome.Answered => (200, 299), LogOutcome.Refused => (400, 499), _ => (500, 599) };
            conditions.Add("kind = 'query' AND status BETWEEN $low AND $high");
            parameters.Add(("$low", low));
            parameters.Add(("$high", high));
        }
        if (From is { } from) { conditions.Add("at >= $from"); parameters.Add(("$from", Time.Format(from))); }
        if (To is { } to) { conditions.Add("at < $to"); parameters.Add(("$to", Time.Format(to))); }
        if (ReturnedAnyOf is { } documents)
        {
            conditions.Add("EXISTS (SELECT 1 FROM json_each(entries.document_ids) AS d WHERE d.value IN (SELECT value FROM json_each($documents)))");
            parameters.Add(("$documents", System.Text.Json.JsonSerializer.Serialize(documents)));
        }
        return (string.Join(" AND ", conditions), parameters);
    }
}
