using System.Runtime.InteropServices;

namespace Appliance.Llama;

/// <summary>The result of checking that the pinned native build is present, intact and loadable.</summary>
public sealed record NativeSelfCheckReport(string Folder, string RuntimeId, string Package, IReadOnlyList<string> Problems, string? SystemInfo)
{
    public bool Passed => Problems.Count == 0 && SystemInfo is not null;
}

/// <summary>Verifies the native folder against its pin, then loads llama.cpp and asks it to describe itself.</summary>
public static class NativeSelfCheck
{
    public static NativeSelfCheckReport Run()
    {
        NativeFolder folder;
        try
        {
            folder = NativeFolder.Locate();
        }
        catch (NativeLibraryMissingException e)
        {
            return new NativeSelfCheckReport("", "", "", [e.Message], null);
        }

        var problems = folder.Problems().ToList();
        string? info = null;
        if (problems.Count == 0)
        {
            try
            {
                info = SystemInfo(folder);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                problems.Add($"llama.cpp did not load: {e.Message}");
            }
        }
        return new NativeSelfCheckReport(folder.Path, folder.Pin.RuntimeId, $"{folder.Pin.Package}@{folder.Pin.Version}", problems, info);
    }

    private static unsafe string SystemInfo(NativeFolder folder)
    {
        NativeLibrary.Load(folder.GgmlBaseLibrary);
        var ggml = NativeLibrary.Load(folder.GgmlLibrary);
        var llama = NativeLibrary.Load(folder.LlamaLibrary);
        var loadAll = (delegate* unmanaged<byte*, void>)NativeLibrary.GetExport(ggml, "ggml_backend_load_all_from_path");
        var backendCount = (delegate* unmanaged<nuint>)NativeLibrary.GetExport(ggml, "ggml_backend_reg_count");
        var systemInfo = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(llama, "llama_print_system_info");
        var path = System.Text.Encoding.UTF8.GetBytes(folder.Path + "\0");
        fixed (byte* p = path) loadAll(p);
        if (backendCount() == 0) throw new DllNotFoundException($"no ggml backend loaded from {folder.Path}");
        return Marshal.PtrToStringUTF8((nint)systemInfo()) ?? "";
    }
}
