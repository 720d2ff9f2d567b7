using System.Net;

namespace Appliance.Config;

// appliance.yaml's auth: roles, groups, users, lockout, LDAP.
public enum Role { Employee, Admin, Dpo }

public sealed record AuthSettings
{
    public IReadOnlyList<GroupSpec> Groups { get; init; } = [];
    public IReadOnlyList<UserSpec> Users { get; init; } = [];
    public LockoutPolicy Lockout { get; init; } = new();
    public LdapSettings? Ldap { get; init; }

    [Doc("minutes a web session lasts without activity"), Range(5, 1440)]
    public int SessionMinutes { get; init; } = 480;
}

public sealed record GroupSpec
{
    [Identifier]
    public required string Id { get; init; }

    public string? Title { get; init; }
}

public sealed record UserSpec
{
    [Identifier]
    public required string Name { get; init; }

    public string? DisplayName { get; init; }

    public IReadOnlyList<Role> Roles { get; init; } = [Role.Employee];

    public IReadOnlyList<string> Groups { get; init; } = [];
}

public sealed record LockoutPolicy
{
    [Range(1, 100)]
    public int Attempts { get; init; } = 5;

    [Range(1, 1440)]
    public int Minutes { get; init; } = 15;
}

public sealed record LdapSettings
{
    [Doc("ldap:// or ldaps:// URL of the directory")]
    public required Uri Url { get; init; }

    [Doc("DN pattern to bind as the user; {user} is replaced")]
    public required string UserDnTemplate { get; init; }

    public required string BaseDn { get; init; }

    [Doc("LDAP group DN or cn → appliance group id")]
    public IReadOnlyDictionary<string, string> GroupMapping { get; init; } = new Dictionary<string, string>();

    [Doc("roles given to every LDAP user")]
    public IReadOnlyList<Role> DefaultRoles { get; init; } = [Role.Employee];
}
