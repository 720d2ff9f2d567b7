namespace Appliance.Config;

/// <summary>Rules that span fields: references, uniqueness, files that must exist.</summary>
internal static class ConfigRules
{
    /// <remarks>
    /// Runs on a partially bound config too, so that reference errors show up together with type
    /// errors: fields the binder could not fill are null here and are skipped.
    /// </remarks>
    public static IEnumerable<ConfigError> Check(ApplianceConfig config, ConfigLocations at, string configDirectory, IReadOnlyList<string> modelFolders)
    {
        var groups = config.Auth.Groups.Select(g => g.Id).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var defined = groups.Count == 0 ? "none are defined under auth.groups" : "defined: " + string.Join(", ", groups.Order());

        foreach (var error in Duplicates(config.Rag.Collections.Select(c => c.Id), "rag.collections", "id", at)) yield return error;
        foreach (var error in Duplicates(config.Auth.Groups.Select(g => g.Id), "auth.groups", "id", at)) yield return error;
        foreach (var error in Duplicates(config.Auth.Users.Select(u => u.Name), "auth.users", "name", at)) yield return error;

        for (var i = 0; i < config.Rag.Collections.Count; i++)
            for (var j = 0; j < (config.Rag.Collections[i].Groups?.Count ?? 0); j++)
                if (!groups.Contains(config.Rag.Collections[i].Groups[j]))
                    yield return at.ErrorAt($"rag.collections[{i}].groups[{j}]", $"group '{config.Rag.Collections[i].Groups[j]}' is not defined (expected a group from auth.groups; {defined})");

        for (var i = 0; i < config.Auth.Users.Count; i++)
            for (var j = 0; j < (config.Auth.Users[i].Groups?.Count ?? 0); j++)
                if (!groups.Contains(config.Auth.Users[i].Groups[j]))
                    yield return at.ErrorAt($"auth.users[{i}].groups[{j}]", $"group '{config.Auth.Users[i].Groups[j]}' is not defined (expected a group from auth.groups; {defined})");

        if (config.Auth.Ldap is { } ldap)
            foreach (var (ldapGroup, group) in ldap.GroupMapping)
                if (!groups.Contains(group))
                    yield return at.ErrorAt($"auth.ldap.group_mapping.{ldapGroup}", $"group '{group}' is not defined (expected a group from auth.groups; {defined})");

        if (config.Auth.Ldap is null && !config.Auth.Users.Any(u => u.Roles?.Contains(Role.Admin) == true))
            yield return at.ErrorAt("auth.users", "no user has the admin role (expected at least one admin, or auth.ldap)");

        if (config.Rag is { } rag && rag.ChunkOverlapTokens >= rag.ChunkTokens)
            yield return at.ErrorAt("rag.chunk_overlap_tokens", $"{config.Rag.ChunkOverlapTokens} is not smaller than rag.chunk_tokens {config.Rag.ChunkTokens} (expected an overlap below the chunk size)");

        if (config.Rag?.Sync?.QuietHours is { } quiet && quiet.Start == quiet.End)
            yield return at.ErrorAt("rag.sync.quiet_hours.end", $"equals start {quiet.Start:HH:mm} (expected a window: start and end differ, e.g. 20:00 to 06:00)");

        if (config.Jobs?.QuietHours is { } jobQuiet && jobQuiet.Start == jobQuiet.End)
            yield return at.ErrorAt("jobs.quiet_hours.end", $"equals start {jobQuiet.Start:HH:mm} (expected a window: start and end differ, e.g. 22:00 to 06:00)");
        if (config.Jobs?.Digests is { } digests)
            foreach (var error in DigestRules(digests, config, groups, defined, at)) yield return error;

        if (config.Rag?.Ocr?.Tesseract is { } tesseract && !Path.IsPathFullyQualified(tesseract))
            yield return at.ErrorAt("rag.ocr.tesseract", $"'{tesseract}' is not an absolute path (expected e.g. {OcrSettings.MacTesseract}: the agent never looks programs up in PATH)");

        if (config.Inference.Backend == InferenceBackend.OpenAi && config.Inference.Upstreams.Count == 0)
            yield return at.ErrorAt("inference.upstreams", "is empty while inference.backend is openai (expected at least one upstream URL)");

        if (config.Backup is { Destination: { } destination } backup)
        {
            if (!destination.StartsWith('/') || destination.Contains('\0'))
                yield return at.ErrorAt("backup.destination", $"'{destination}' is not an absolute path (expected a mounted volume such as /Volumes/Backup)");
            if (backup.PublicKey is null && !at.Wrote("backup.public_key"))
                yield return at.ErrorAt("backup.public_key", $"is missing while backup.destination is set (expected {BackupPublicKey.Expected}; `provision backup keygen` makes a pair)");
        }
        else if (config.Backup?.ShareHost is not null)
            yield return at.ErrorAt("backup.share_host", "is set without backup.destination (expected the mounted share's path in backup.destination)");

        // A NUL cannot be in a file name on any system the box runs on; .NET refuses such paths outright.
        var unusable = false;
        foreach (var (field, path) in new[] { ("storage.root", config.Storage?.Root), ("storage.models", config.Storage?.Models), ("storage.data", config.Storage?.Data) })
            if (path?.Contains('\0') == true)
            {
                unusable = true;
                yield return at.ErrorAt(field, "contains a NUL character (expected a folder path)");
            }
        foreach (var (name, model) in Models(config.Models))
        {
            if (model.File is null || unusable) continue;
            if (model.File.Contains('\0'))
            {
                yield return at.ErrorAt($"models.{name}.file", "contains a NUL character (expected a file path)");
                continue;
            }
            var onBox = ConfigPaths.ModelFile(config, model, configDirectory);
            var looked = modelFolders.Select(f => Path.Combine(f, Path.GetFileName(model.File))).Prepend(onBox).ToList();
            if (model.Source is null && !looked.Any(File.Exists))
                yield return at.ErrorAt($"models.{name}.file", $"'{model.File}' does not exist at {string.Join(" or ", looked)} (expected an existing GGUF file, or models.{name}.source to pull it from)");
        }

        if (config.Network is not { } network) yield break;
        var tls = network.Tls;
        if (tls.Enabled && (tls.Certificate is null) != (tls.Key is null))
            yield return at.ErrorAt(tls.Certificate is null ? "network.tls.certificate" : "network.tls.key",
                "is missing (expected certificate and key together, or neither for a self-signed certificate)");
        foreach (var (field, file) in new[] { ("certificate", tls.Certificate), ("key", tls.Key) })
            if (tls.Enabled && file is not null && file.Contains('\0'))
                yield return at.ErrorAt($"network.tls.{field}", "contains a NUL character (expected a PEM file path)");
            else if (tls.Enabled && file is not null && !File.Exists(ConfigPaths.Resolve(configDirectory, file)))
                yield return at.ErrorAt($"network.tls.{field}", $"'{file}' does not exist (expected a PEM file)");
    }

    private static IEnumerable<(string Name, ModelSpec Model)> Models(ModelSet? models)
    {
        if (models?.Chat is { } chat) yield return ("chat", chat);
        if (models?.Embedding is { } embedding) yield return ("embedding", embedding);
        if (models?.Reranker is { } reranker) yield return ("reranker", reranker);
    }

    /// <summary>
    /// A digest is read by its recipients: each listed collection must exist and every recipient group
    /// must already be allowed to read it, or the digest would hand its text to people the collection excludes.
    /// </summary>
    private static IEnumerable<ConfigError> DigestRules(DigestSettings digests, ApplianceConfig config, HashSet<string> groups, string defined, ConfigLocations at)
    {
        if (digests.Enabled && digests.Collections.Count == 0)
            yield return at.ErrorAt("jobs.digests.collections", "is empty while jobs.digests.enabled is true (expected at least one collection id from rag.collections)");
        if (digests.Enabled && digests.Recipients.Count == 0)
            yield return at.ErrorAt("jobs.digests.recipients", "is empty while jobs.digests.enabled is true (expected at least one group from auth.groups)");
        for (var j = 0; j < digests.Recipients.Count; j++)
            if (digests.Recipients[j] is { } group && !groups.Contains(group))
                yield return at.ErrorAt($"jobs.digests.recipients[{j}]", $"group '{group}' is not defined (expected a group from auth.groups; {defined})");
        var ids = string.Join(", ", config.Rag.Collections.Select(c => c.Id));
        for (var i = 0; i < digests.Collections.Count; i++)
        {
            var id = digests.Collections[i];
            if (id is null) continue;
            if (config.Rag.Collections.FirstOrDefault(c => c.Id == id) is not { } collection)
            {
                yield return at.ErrorAt($"jobs.digests.collections[{i}]", $"collection '{id}' is not defined (expected an id from rag.collections: {ids})");
                continue;
            }
            foreach (var group in digests.Recipients.Where(g => g is not null && groups.Contains(g) && !(collection.Groups ?? []).Contains(g)))
                yield return at.ErrorAt($"jobs.digests.collections[{i}]", $"collection '{id}' may not be read by recipient group '{group}' " +
                    $"(its readers: {string.Join(", ", collection.Groups ?? [])}); remove the group from jobs.digests.recipients or the collection from the digest");
        }
    }

    private static IEnumerable<ConfigError> Duplicates(IEnumerable<string> ids, string list, string field, ConfigLocations at)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var id in ids)
        {
            if (id is null) { index++; continue; }
            if (first.TryGetValue(id, out var earlier))
                yield return at.ErrorAt($"{list}[{index}].{field}", $"'{id}' is already used by {list}[{earlier}] (expected a unique {field})");
            else first[id] = index;
            index++;
        }
    }
}
