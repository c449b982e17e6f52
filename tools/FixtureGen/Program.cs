// FixtureGen: records libtorch reference values as small safetensors files under
// tests/DeepNet.Tests/Fixtures/Torch/. Dev-time only; see README.md for how to run it.
using FixtureGen;

string outputDir = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : DefaultOutputDir();
string[] only = args.SkipWhile(a => a != "--only").Skip(1).ToArray();

TorchSharp.torch.set_num_threads(1);
Directory.CreateDirectory(outputDir);
int written = 0;
foreach ((string name, Action<FixtureFile> build) in Fixtures.All())
{
    if (only.Length > 0 && !only.Contains(name))
    {
        continue;
    }

    var file = new FixtureFile();
    using (TorchSharp.torch.NewDisposeScope())
    {
        build(file);
    }

    string path = Path.Combine(outputDir, name + ".safetensors");
    file.Save(path);
    Console.WriteLine($"{path}: {file.Count} tensors, {new FileInfo(path).Length} bytes");
    written++;
}

Console.WriteLine($"{written} fixture file(s) written");
return written > 0 ? 0 : 1;

static string DefaultOutputDir()
{
    // Walk up from the working directory to the repository root (the folder with DeepNet.sln).
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "DeepNet.sln")))
        {
            return Path.Combine(dir.FullName, "tests", "DeepNet.Tests", "Fixtures", "Torch");
        }
    }

    throw new InvalidOperationException("FixtureGen: run inside the repository or pass the output directory as the first argument");
}
