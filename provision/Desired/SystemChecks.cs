using Appliance.Config;
using Appliance.Provision.Controls;
using Appliance.Provision.Resources;

namespace Appliance.Provision.Desired;

/// <summary>
/// Controls apply cannot (or must not) change: they are verified and reported with what a person
/// has to do. SIP and FileVault are switched in Recovery / by an admin, swap cannot be turned off,
/// Tesseract is installed by an admin with Homebrew; backups are
/// taken by the nightly job and drilled by a person with the office's key.
/// </summary>
public static class SystemChecks
{
    public static IEnumerable<Resource> For(ApplianceConfig config)
    {
        yield return ControlCatalogue.Sip();
        if (config.System.Filevault != FileVaultExpectation.Any)
            yield return ControlCatalogue.FileVault(config.System.Filevault == FileVaultExpectation.Required);
        yield return ControlCatalogue.SwapEncrypted();
        yield return ControlCatalogue.MemoryPressure(config.System.MemoryPressureAlert == PressureLevel.Warning ? 2 : 4,
            ConfigNames.EnumValue(config.System.MemoryPressureAlert));
        yield return ControlCatalogue.NoAutoLogin();
        yield return ControlCatalogue.NoKcpassword();
        if (config.Backup.Destination is not null)
            foreach (var check in ControlCatalogue.Backups(config, TimeProvider.System))
                yield return check;
        if (config.Rag.Ocr.Enabled && config.Rag.Collections.Count > 0)
            foreach (var check in ControlCatalogue.Tesseract(config.Rag.Ocr.TesseractProgram(macOS: true), OcrSettings.TesseractLanguages(config.Rag.Collections)))
                yield return check;
    }
}
