using System.CommandLine;
using Appliance.Config;
using Appliance.Provision.Controls;
using Appliance.Provision.Desired;
using Appliance.Provision.Templates;

namespace Appliance.Provision.Cli;

/// <summary>`provision controls`: the controls a config asks for, from <see cref="ControlCatalogue"/> (the README's list is this output).</summary>
internal static class ControlsCommand
{
    public static Command Create()
    {
        var file = CommonOptions.ConfigFile();
        var command = new Command("controls", """
            List every control this config asks for, as a Markdown table: id, title, the check command
            verify runs, the expected value, and the measures (Art. 32) it proves. Each control is
            defined once, in provision/Controls/ControlCatalogue.cs. Reads no box.
            """) { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var loaded = ConfigLoader.Load(path, [ProvisioningSession.DefaultModelCache(path)]);
            if (!loaded.IsValid)
            {
                foreach (var error in loaded.Errors) Console.Error.WriteLine(error);
                return ConfigCommands.Invalid;
            }
            var desired = DesiredState.From(loaded.Config!, File.ReadAllText(path), TemplateSet.Load(), ProvisioningSession.DefaultModelCache(path));
            Console.Write(ControlCatalogue.Markdown(desired.Resources.SelectMany(r => r.Controls)));
            return 0;
        });
        return command;
    }
}
