using Spectre.Console;

namespace Appliance.Provision.Cli;

/// <summary>Colour and tables on a terminal, plain lines when output goes to a file or pipe.</summary>
internal sealed class Terminal
{
    public bool Interactive { get; } = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Ansi;

    public void Line(string text = "", string? style = null)
    {
        if (Interactive && style is not null) AnsiConsole.MarkupLine($"[{style}]{Markup.Escape(text)}[/]");
        else Console.WriteLine(text);
    }

    public void Error(string text) => Line(text, "red");

    public bool Confirm(string question) => Interactive && AnsiConsole.Confirm(question, defaultValue: false);

    /// <summary>Printed whenever the sandbox test double is in use: nothing here touched a real Mac.</summary>
    public void SimulatedBanner(bool simulated, string target)
    {
        if (simulated) Line($"simulated macOS — {target}: a test double, no real Mac is changed", "yellow");
    }
}
