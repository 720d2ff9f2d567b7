using Appliance.Config;
using Appliance.TestModels;

namespace Appliance.Inference.Tests;

/// <summary>The repository's example appliance.yaml, pointed at the generated test models.</summary>
public static class TestConfigs
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static ApplianceConfig WithTestModels(int parallel = 2, int queueLimit = 4)
    {
        var config = ConfigLoader.Load(Path.Combine(RepositoryRoot, "appliance.yaml")).Require();
        return config with
        {
            Models = new ModelSet
            {
                Chat = new ModelSpec
                {
                    Name = "tiny-chat", File = TestModels.TestModels.TinyChat, Sha256 = Sha256.Parse(TestModelSpec.TinyChat.ExpectedSha256),
                    ContextLength = 1024, Parallel = parallel,
                },
                Embedding = new ModelSpec
                {
                    Name = "tiny-embed", File = TestModels.TestModels.TinyEmbed, Sha256 = Sha256.Parse(TestModelSpec.TinyEmbed.ExpectedSha256),
                    ContextLength = 512,
                },
            },
            Inference = config.Inference with { Backend = InferenceBackend.Llama, Threads = AutoOrNumber.Of(1), QueueLimit = queueLimit },
        };
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Appliance.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }
}
