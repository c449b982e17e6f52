using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Optimizers;

/// <summary>An optimizer step reuses its lists and runs struct kernel bodies: it allocates (almost) nothing per step.</summary>
public class OptimizerAllocationTests
{
    public static TheoryData<string> Optimizers => ["adam", "adamw", "sgd", "rmsprop"];

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Step_AllocatesAlmostNothing(string name)
    {
        var g = new Generator(11);
        using var model = new Sequential(new Dense(20, 16, generator: g), new Dense(16, 4, generator: g));
        using Optimizer optimizer = name switch
        {
            "adam" => new Adam(model.Parameters(), 1e-3),
            "adamw" => new AdamW(model.Parameters(), 1e-3),
            "sgd" => new Sgd(model.Parameters(), 1e-2, momentum: 0.9),
            _ => new RmsProp(model.Parameters(), 1e-3, momentum: 0.5, centered: true),
        };
        foreach (var p in model.Parameters()) p.Grad = Tensor.OnesLike(p).DetachFromScope();
        for (int i = 0; i < 20; i++) optimizer.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) optimizer.Step();
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        // About 7 KB for these four parameters before (lists, LINQ, a set, closures, gradient aliases); 64 B now (the step's scope).
        Assert.True(perStep <= 512, $"{name}: a step over 4 parameters allocated {perStep} bytes");
    }
}
