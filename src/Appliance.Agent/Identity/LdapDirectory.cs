using System.DirectoryServices.Protocols;
using System.Net;
using System.Text;
using Appliance.Config;

namespace Appliance.Agent.Identity;

/// <summary>A person the directory vouched for, with the appliance groups their directory groups map to.</summary>
public sealed record DirectoryAccount(string Name, string DisplayName, IReadOnlyList<string> Groups);

/// <summary>The directory could not be asked (down, refused TLS, timed out): not the same as a wrong password.</summary>
public sealed class DirectoryUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Signs people in against the office directory by binding as them (the appliance holds no
/// directory password), then reads which groups list them and maps those to appliance groups.
/// </summary>
public sealed class LdapDirectory(LdapSettings settings)
{
    private const int InvalidCredentials = 49;

    /// <returns>The account, or null when the directory refused the name/password.</returns>
    public Task<DirectoryAccount?> AuthenticateAsync(string name, string password, CancellationToken ct) =>
        // The protocol library is synchronous; keep it off the request thread.
        Task.Run(() => Authenticate(name, password), ct);

    private DirectoryAccount? Authenticate(string name, string password)
    {
        // An empty password is an "unauthenticated bind" that many servers accept: never a sign-in.
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password)) return null;
        var userDn = settings.UserDnTemplate.Replace("{user}", EscapeDnValue(name), StringComparison.Ordinal);
        using var connection = Connect(userDn, password);
        try
        {
            connection.Bind();
        }
        catch (LdapException e) when (e.ErrorCode == InvalidCredentials)
        {
            return null;
        }
        catch (LdapException e)
        {
            throw new DirectoryUnavailableException($"the directory at {settings.Url} did not answer the sign-in: {e.Message}", e);
        }

        var displayName = ReadDisplayName(connection, userDn) ?? name;
        var filter = $"(|(member={EscapeFilterValue(userDn)})(uniqueMember={EscapeFilterValue(userDn)})(memberUid={EscapeFilterValue(name)}))";
        var response = (SearchResponse)connection.SendRequest(new SearchRequest(settings.BaseDn, filter, SearchScope.Subtree, "cn"));
        var groups = new SortedSet<string>(StringComparer.Ordinal);
        foreach (SearchResultEntry entry in response.Entries)
        {
            var cn = entry.Attributes["cn"]?.GetValues(typeof(string)).Cast<string>().FirstOrDefault();
            foreach (var (directoryGroup, applianceGroup) in settings.GroupMapping)
                if (string.Equals(directoryGroup, entry.DistinguishedName, StringComparison.OrdinalIgnoreCase)
                    || (cn is not null && string.Equals(directoryGroup, cn, StringComparison.OrdinalIgnoreCase)))
                    groups.Add(applianceGroup);
        }
        return new DirectoryAccount(name, displayName, groups.ToList());
    }

    private LdapConnection Connect(string userDn, string password)
    {
        var secure = string.Equals(settings.Url.Scheme, "ldaps", StringComparison.OrdinalIgnoreCase);
        var port = settings.Url.IsDefaultPort || settings.Url.Port <= 0 ? (secure ? 636 : 389) : settings.Url.Port;
        var connection = new LdapConnection(new LdapDirectoryIdentifier(settings.Url.Host, port), new NetworkCredential(userDn, password), AuthType.Basic)
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        connection.SessionOptions.ProtocolVersion = 3;
        if (secure) connection.SessionOptions.SecureSocketLayer = true;
        return connection;
    }

    private static string? ReadDisplayName(LdapConnection connection, string userDn)
    {
        try
        {
            var response = (SearchResponse)connection.SendRequest(new SearchRequest(userDn, "(objectClass=*)", SearchScope.Base, "displayName", "cn"));
            if (response.Entries.Count == 0) return null;
            var entry = response.Entries[0];
            foreach (var attribute in new[] { "displayName", "cn" })
                if (entry.Attributes[attribute]?.GetValues(typeof(string)).Cast<string>().FirstOrDefault() is { Length: > 0 } value)
                    return value;
            return null;
        }
        catch (DirectoryOperationException)
        {
            return null;  // some directories do not let users read their own entry; the name will do
        }
    }

    /// <summary>RFC 4514: a user name typed into a form must not be able to change the DN's structure.</summary>
    internal static string EscapeDnValue(string value)
    {
        var escaped = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is ',' or '+' or '"' or '\\' or '<' or '>' or ';' or '=' || (c == '#' && i == 0) || (c == ' ' && (i == 0 || i == value.Length - 1)))
                escaped.Append('\\').Append(c);
            else if (c < ' ')
                escaped.Append('\\').Append(((int)c).ToString("x2"));
            else
                escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>RFC 4515: no wildcards or parentheses smuggled into a search filter.</summary>
    internal static string EscapeFilterValue(string value)
    {
        var escaped = new StringBuilder();
        foreach (var c in value)
            escaped.Append(c switch
            {
                '*' => @"\2a",
                '(' => @"\28",
                ')' => @"\29",
                '\\' => @"\5c",
                '\0' => @"\00",
                _ => c.ToString(),
            });
        return escaped.ToString();
    }
}
