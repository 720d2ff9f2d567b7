using System.Web;

namespace Appliance.Provision.Targets;

/// <summary>What `--target` names: local, sandbox:DIR or ssh://user@host[:port][?sandbox=DIR].</summary>
public abstract record TargetAddress
{
    public sealed record Local : TargetAddress;
    public sealed record Sandbox(string Root) : TargetAddress;
    public sealed record Ssh(string User, string Host, int Port, string? SandboxRoot) : TargetAddress;

    public static TargetAddress Parse(string text)
    {
        if (text == "local") return new Local();
        if (text.StartsWith("sandbox:", StringComparison.Ordinal) && text.Length > "sandbox:".Length)
            return new Sandbox(Path.GetFullPath(text["sandbox:".Length..]));
        if (text.StartsWith("ssh://", StringComparison.Ordinal) && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
        {
            var sandbox = HttpUtility.ParseQueryString(uri.Query)["sandbox"];
            return new Ssh(Uri.UnescapeDataString(uri.UserInfo), uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 22 : uri.Port, sandbox);
        }
        throw new FormatException($"--target '{text}': expected local, sandbox:DIR or ssh://user@host[:port] (add ?sandbox=DIR for a simulated macOS behind ssh)");
    }
}
