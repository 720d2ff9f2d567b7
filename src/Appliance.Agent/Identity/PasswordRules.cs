namespace Appliance.Agent.Identity;

/// <summary>What a new password must satisfy; length beats composition rules (NIST SP 800-63B).</summary>
public static class PasswordRules
{
    public const int MinimumLength = 10;

    /// <returns>Why the password is refused, or null when it is acceptable.</returns>
    public static string? Problem(string? password) =>
        string.IsNullOrEmpty(password) ? "the password is empty"
        : password.Length < MinimumLength ? $"the password is shorter than {MinimumLength} characters"
        : password.Length > 1024 ? "the password is longer than 1024 characters"
        : null;
}
