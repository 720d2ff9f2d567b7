using Appliance.Inference;

namespace Appliance.Agent.Identity;

/// <summary>A token's class of work by name, as the admin route, /api/tokens and `appliance users token --class` take it.</summary>
public static class TokenWorkClass
{
    public const string Choices = "interactive, api or background";

    /// <summary>Absent means api; otherwise one of the class names (any case), never a number.</summary>
    public static bool TryParse(string? name, out WorkPriority workClass)
    {
        workClass = WorkPriority.Api;
        if (string.IsNullOrWhiteSpace(name)) return true;
        return !char.IsAsciiDigit(name.Trim()[0]) && Enum.TryParse(name.Trim(), ignoreCase: true, out workClass) && Enum.IsDefined(workClass);
    }
}
