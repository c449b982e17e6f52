using System.Globalization;

namespace DeepNet.GpuCompare;

/// <summary>Command line of GpuCompare; see <see cref="Usage"/>.</summary>
public sealed record GpuCompareOptions(string DeviceName, bool Tiny, int Reps, int Warmup, string? TorchFile,
    bool RunTorch, string Python, string TorchScript)
{
    public const string Usage = """
        GpuCompare: DeepNet on a GPU device vs PyTorch on the same machine (issues 4 and 8).
          --device cuda|cuda:N|emulator|cpu   device to time (default cuda)
          --tiny                              tiny sizes (for the ILGPU emulator; names follow the sizes)
          --reps N  --warmup N                timed repetitions (median; default 20) and warm-up runs (default 5)
          --torch FILE                        pair with the `name: ms` lines of pytorch_compare.py saved in FILE
          --run-torch                         run pytorch_compare.py (same --reps/--warmup/--tiny) after DeepNet
          --python EXE  --torch-script PATH   interpreter (python3) and script (benchmarks/gpu/pytorch_compare.py)
        """;

    /// <summary>Parses the arguments; throws ArgumentException naming a bad one.</summary>
    public static GpuCompareOptions Parse(string[] args)
    {
        var o = new GpuCompareOptions("cuda", false, 20, 5, null, false, "python3", "benchmarks/gpu/pytorch_compare.py");
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"gpucompare: {args[i]} needs a value");
            o = args[i] switch
            {
                "--device" => o with { DeviceName = Next() },
                "--tiny" => o with { Tiny = true },
                "--reps" => o with { Reps = Positive("--reps", Next()) },
                "--warmup" => o with { Warmup = Positive("--warmup", Next()) },
                "--torch" => o with { TorchFile = Next() },
                "--run-torch" => o with { RunTorch = true },
                "--python" => o with { Python = Next() },
                "--torch-script" => o with { TorchScript = Next() },
                _ => throw new ArgumentException($"gpucompare: unknown argument '{args[i]}'"),
            };
        }
        if (o.RunTorch && o.TorchFile is not null)
            throw new ArgumentException("gpucompare: give either --torch FILE or --run-torch, not both");
        return o;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n : throw new ArgumentException($"gpucompare: {name} must be a positive integer, got '{value}'");
}
