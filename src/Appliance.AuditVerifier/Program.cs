using Appliance.Audit.Pack;

// appliance-audit-verify PACK.zip [--public-key audit-key.pub] [--json]
const string Program = "appliance-audit-verify";
const string Usage = """
    usage: appliance-audit-verify PACK.zip [--public-key audit-key.pub] [--json]

    Checks an audit pack of the appliance: the Ed25519 signatures over manifest.json and index.html,
    the SHA-256 of every file, that no file was added, and the hash chain of the query-log excerpt.
    Names exactly what fails. Without --public-key the key inside the pack is used: compare its
    fingerprint with the one your IT administrator recorded.
    Exit codes: 0 the pack is intact, 1 something fails, 2 the pack or key cannot be read.
    """;

string? pack = null, key = null;
var json = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--public-key" when i + 1 < args.Length:
            key = args[++i];
            break;
        case "--json":
            json = true;
            break;
        case "-h" or "--help" or "/?":
            Console.WriteLine(Usage);
            return PackCheckCommand.Intact;
        case var arg when pack is null && !arg.StartsWith('-'):
            pack = arg;
            break;
        default:
            Console.Error.WriteLine($"{Program}: unexpected argument '{args[i]}'\n\n{Usage}");
            return PackCheckCommand.Unreadable;
    }
}
if (pack is null)
{
    Console.Error.WriteLine(Usage);
    return PackCheckCommand.Unreadable;
}
return PackCheckCommand.Run(Program, pack, key, json, Console.Out, Console.Error);
