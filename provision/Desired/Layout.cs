using Appliance.Config;

namespace Appliance.Provision.Desired;

/// <summary>Where things live on the appliance Mac, derived from the config's storage section.</summary>
public sealed record Layout(string Root, string Models, string Data)
{
    public const string Account = "_appliance";
    public const int AccountId = 420;
    public const string AnchorName = "com.appliance";
    public const string AnchorFile = "/etc/pf.anchors/com.appliance";
    public const string PfConf = "/etc/pf.conf";
    public const string SshDropIn = "/etc/ssh/sshd_config.d/01-appliance.conf";
    public const string StateFolder = "/var/db/appliance";
    public const string DataVolume = "/System/Volumes/Data";
    public const string PfLabel = "com.appliance.pf";
    public const string AgentLabel = "com.appliance.agent";
    public const string WiredLimitLabel = "com.appliance.wired-limit";
    public const string VerifyLabel = "com.appliance.verify";

    public string Bin => Root + "/bin";
    public string Logs => Root + "/logs";
    public string Tls => Root + "/tls";
    public string ConfigFile => Root + "/appliance.yaml";
    public string Evidence => Data + "/evidence";

    /// <summary>The agent exports its usage evidence here (agent-evidence.json).</summary>
    public string AgentAudit => Data + "/audit";

    /// <summary>The nightly job shelves signed packs here for the agent's DPO download.</summary>
    public string PackShelf => Data + "/" + Appliance.Audit.Pack.PackShelf.RelativeFolder;
    public string Collections => Data + "/collections";
    public string Collection(string id) => Collections + "/" + id;
    public string Model(ModelSpec model) => Models + "/" + Path.GetFileName(model.File);

    /// <summary>Storage paths in the config are macOS paths: absolute ones as written, relative ones under root.</summary>
    public static Layout From(ApplianceConfig config)
    {
        var root = config.Storage.Root.TrimEnd('/');
        string Under(string path) => path.StartsWith('/') ? path.TrimEnd('/') : root + "/" + path.TrimEnd('/');
        return new Layout(root, Under(config.Storage.Models), Under(config.Storage.Data));
    }
}
