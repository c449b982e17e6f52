using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using Xunit;
using DeepNet.Layers.Losses;
using DeepNet.Serialization;

namespace DeepNet.Tests.Serialization;

/// <summary>Module ↔ safetensors: round trips, validation before loading, and resumable training checkpoints.</summary>
public sealed class ModuleFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deepnet-module-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential Model(ulong seed) => new(
        new Dense(3, 4, generator: new Generator(seed)), new BatchNorm1D(4), new Relu(), new Dense(4, 2, generator: new Generator(seed + 1)));

    private static float[] Values(Module m) => m.StateDict().Values.SelectMany(t => t.ToArray()).ToArray();

    [Fact]
    public void Save_IntoAFolderThatDoesNotExistYet_CreatesIt()
    {
        string path = Path.Combine(_dir, "out", "run-1", "model.safetensors");
        using var source = Model(2);
        source.Save(path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void SaveLoad_RoundTripsParametersAndBuffers_ByStateDictNames()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        using var source = Model(1);
        using (var x = Tensor.Randn([5, 3], new Generator(9))) source.Forward(x).Dispose();  // moves the running stats
        source.Save(path);
        Assert.Equal(source.StateDict().Keys, SafeTensorsReader.Read(path).Names);
        using var target = Model(5);
        target.Load(path);
        Assert.Equal(Values(source), Values(target));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void Load_TruncatedFile_IsRejected_AndLoadsNothing()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        using (var source = Model(1)) source.Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        using var target = Model(5);
        var before = Values(target);
        Assert.Throws<SafeTensorsFormatException>(() => target.Load(path));
        Assert.Equal(before, Values(target));
    }

    [Fact]
    public void Load_ShapeMismatch_NamesTheKey_AndLoadsNothing()
    {
        string path = Path.Combine(_dir, "other.safetensors");
        using (var other = new Sequential(new Dense(3, 4), new BatchNorm1D(4), new Relu(), new Dense(4, 3))) other.Save(path);
        using var target = Model(5);
        var before = Values(target);
        var error = Assert.Throws<ArgumentException>(() => target.Load(path, strict: false));
        Assert.Contains("'3.weight'", error.Message);
        Assert.Equal(before, Values(target));
    }

    [Fact]
    public void Load_MissingKeys_FailStrict_AndLoadTheRestWhenNotStrict()
    {
        string path = Path.Combine(_dir, "partial.safetensors");
        using var source = Model(1);
        SafeTensorsWriter.Write(path, source.ToNamedArrays().Where(a => a.Name != "3.bias"));
        using var target = Model(5);
        var before = Values(target);
        var error = Assert.Throws<ArgumentException>(() => target.Load(path));
        Assert.Contains("3.bias", error.Message);
        Assert.Equal(before, Values(target));
        target.Load(path, strict: false);
        Assert.Equal(source.StateDict()["0.weight"].ToArray(), target.StateDict()["0.weight"].ToArray());
        Assert.NotEqual(source.StateDict()["3.bias"].ToArray(), target.StateDict()["3.bias"].ToArray());
    }

    [Fact]
    public void TrainingCheckpoint_ResumesTraining_Exactly()
    {
        string path = Path.Combine(_dir, "checkpoint.safetensors");
        using var x = Tensor.Randn([6, 3], new Generator(3));
        using var y = Tensor.RandInt(0, 2, [6], new Generator(4));
        using var model = Model(1);
        using var optimizer = new Adam(model.NamedParameters(), 0.01);
        Steps(model, optimizer, x, y, 3);
        TrainingCheckpoint.Save(path, model, epoch: 3, optimizer.StateDict().ToCheckpoint());
        Steps(model, optimizer, x, y, 2);

        using var resumed = Model(7);
        using var resumedOptimizer = new Adam(resumed.NamedParameters(), 0.5);
        var file = TrainingCheckpoint.Load(path, resumed, rest => resumedOptimizer.LoadStateDict(OptimizerState.FromCheckpoint(rest)));
        Assert.Equal(3, file.GetInt(TrainingCheckpoint.EpochKey));
        Assert.Equal(0.01, resumedOptimizer.LearningRate);
        Steps(resumed, resumedOptimizer, x, y, 2);
        Assert.Equal(Values(model), Values(resumed));
    }

    [Fact]
    public void TrainingCheckpoint_FailingOptimizerLoad_LeavesTheModelUnchanged()
    {
        string path = Path.Combine(_dir, "checkpoint.safetensors");
        using (var model = Model(1)) TrainingCheckpoint.Save(path, model, epoch: 1);
        using var target = Model(5);
        var before = Values(target);
        Assert.Throws<SafeTensorsFormatException>(() =>
            TrainingCheckpoint.Load(path, target, rest => OptimizerState.FromCheckpoint(rest)));
        Assert.Equal(before, Values(target));
    }

    private static void Steps(Module model, Optimizer optimizer, Tensor x, Tensor y, int count)
    {
        var loss = new CrossEntropyLoss();
        for (int i = 0; i < count; i++)
        {
            using var scope = new DisposeScope();
            optimizer.ZeroGrad();
            loss.Forward(model.Forward(x), y).Backward();
            optimizer.Step();
        }
    }
}
