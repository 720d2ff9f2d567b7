using System.CommandLine;
using System.Text.Json;
using Appliance.Config;

namespace Appliance.Provision.Cli;

/// <summary>`provision config …`: checking appliance.yaml before anything touches a machine.</summary>
internal static class ConfigCommands
{
    public const int Valid = 0;
    public const int Invalid = 2;

    public static Command Create()
    {
        var config = new Command("config", "check and inspect appliance.yaml");
        config.Subcommands.Add(Validate());
        return config;
    }

    private static Command Validate()
    {
        var file = CommonOptions.ConfigFile();
        var json = CommonOptions.Json();
        var validate = new Command("validate", """
            Check appliance.yaml strictly and report every problem at once, as
            FILE:LINE:COL: field.path: what is wrong (expected …).
            Exit codes: 0 valid, 2 invalid.
            """) { file, json };
        validate.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            // A model file may wait in the provisioning cache (models pull/import) until apply copies it: plan accepts that, so does validate.
            var result = ConfigLoader.Load(path, [ProvisioningSession.DefaultModelCache(path)]);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    file = result.Locations.File,
                    valid = result.IsValid,
                    errors = result.Errors.Select(e => new { file = e.File, line = e.Line, column = e.Column, path = e.Path, message = e.Message }),
                }, JsonOptions.Indented));
            }
            else if (result.IsValid)
            {
                var c = result.Config!;
                Console.WriteLine($"{result.Locations.File}: valid — '{c.Appliance.Name}' on {ConfigNames.EnumValue(c.Machine.Chip)} with {c.Machine.MemoryGb} GB, " +
                                  $"{c.Rag.Collections.Count} collection(s), {c.Auth.Users.Count} user(s), {c.Auth.Groups.Count} group(s)");
            }
            else
            {
                foreach (var error in result.Errors) Console.WriteLine(error);
                Console.WriteLine($"{result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")} in {result.Locations.File}");
            }
            return result.IsValid ? Valid : Invalid;
        });
        return validate;
    }
}

internal static class JsonOptions
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
