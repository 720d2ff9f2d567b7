using Appliance.Config;

namespace Appliance.Agent.Identity;

/// <summary>The spelling of roles in claims, policies, the database and JSON (as in appliance.yaml).</summary>
public static class RoleNames
{
    public const string Employee = "employee";
    public const string Admin = "admin";
    public const string Dpo = "dpo";

    public static string Of(Role role) => role switch
    {
        Role.Employee => Employee,
        Role.Admin => Admin,
        Role.Dpo => Dpo,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static Role Parse(string name) => name switch
    {
        Employee => Role.Employee,
        Admin => Role.Admin,
        Dpo => Role.Dpo,
        _ => throw new FormatException($"unknown role '{name}'"),
    };
}
