using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;

namespace DeepNet.Tests.Autograd;

/// <summary>
/// Autocast (torch.autocast): layers' outputs and their float32 parameters' gradients within
/// BFloat16/Float16 tolerance of float32, torch's op lists (matmul family in 16 bits, softmax/norms/
/// losses/sum/exp in float32), the 16-bit tensors saved for backward. Run on the CPU, the GPU emulator and CUDA.
/// </summary>
public abstract class AutocastTests
{
    protected abstract Device Device { get; }

    internal static readonly DType[] HalfTypes = [DType.BFloat16, DType.Float16];

    // Relative to the reference's largest magnitude: a few roundings of 2^-8 (bf16) or 2^-11 (f16) each.
    private static float Tolerance(DType dtype) => dtype == DType.BFloat16 ? 3e-2f : 5e-3f;

    internal static float[] Host(Tensor t)
    {
        using var noGrad = GradMode.NoGrad();
        using var f = t.To(DType.Float32);
        return f.ToArray();
    }

    internal static void AssertClose(Tensor expected, Tensor actual, float tolerance, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        float[] e = Host(expected), a = Host(actual);
        float scale = e.Length == 0 ? 1f : e.Max(MathF.Abs) + 1e-6f;
        for (int i = 0; i < e.Length; i++)
            Assert.True(MathF.Abs(e[i] - a[i]) <= tolerance * scale, $"{what}[{i}]: {a[i]} vs float32 {e[i]} (scale {scale})");
    }

    /// <summary>Forward and backward of a random projection in float32, then under autocast: outputs, input and parameter gradients agree.</summary>
    private void CompareWithFloat32(Func<Module> build, int[] inputShape, DType dtype, DType expectedOutput)
    {
        using var scope = new DisposeScope();
        using var model = build();
        model.To(Device);
        var x = Tensor.Randn(inputShape, new Generator(11), Device).RequiresGradient();
        var y32 = model.Call(x);
        var projection = Tensor.Randn(y32.ShapeArray, new Generator(12), Device);
        (y32 * projection).Sum().Backward();
        var grads32 = model.Parameters().Select(p => p.Grad!.Clone()).Append(x.Grad!.Clone()).ToList();
        foreach (var p in model.Parameters()) p.ZeroGrad();
        x.ZeroGrad();

        Tensor y, loss;
        using (Autocast.Enable(dtype))
        {
            y = model.Call(x);
            loss = (y * projection).Sum();   // 16-bit · float32 promotes: a float32 loss
        }
        Assert.Equal(expectedOutput, y.DType);
        Assert.Equal(DType.Float32, loss.DType);
        loss.Backward();
        AssertClose(y32, y, Tolerance(dtype), $"{dtype} output");
        var grads = model.Parameters().Append(x).ToList();
        for (int i = 0; i < grads.Count; i++)
        {
            Assert.Equal(DType.Float32, grads[i].DType);
            Assert.Equal(DType.Float32, grads[i].Grad!.DType);   // master weights get float32 gradients
            AssertClose(grads32[i], grads[i].Grad!, Tolerance(dtype), $"{dtype} grad {i}");
        }
    }

    [ParityFact]
    public void Dense_UnderAutocast_MatchesFloat32_ForwardAndGradients()
    {
        foreach (var dtype in HalfTypes)
            CompareWithFloat32(() => new Dense(19, 7, generator: new Generator(1), activation: Activation.Relu), [6, 19], dtype, dtype);
    }

    [ParityFact]
    public void Conv2D_UnderAutocast_MatchesFloat32_ForwardAndGradients()
    {
        foreach (var dtype in HalfTypes)
            CompareWithFloat32(() => new Sequential(new Conv2D(3, 5, kernelSize: 3, padding: 1, generator: new Generator(2)), new Relu(), new MaxPool2D(2)),
                [2, 3, 8, 8], dtype, dtype);
    }

    [ParityFact]
    public void MultiHeadAttention_UnderAutocast_MatchesFloat32_ForwardAndGradients()
    {
        foreach (var dtype in HalfTypes)
            CompareWithFloat32(() => new MultiHeadAttention(16, 4, generator: new Generator(3)), [5, 2, 16], dtype, dtype);
    }

    [ParityFact]
    public void TransformerEncoderLayer_UnderAutocast_MatchesFloat32_ForwardAndGradients()
    {
        // Post-norm: the block ends in a layer norm, which autocast runs in float32.
        foreach (var dtype in HalfTypes)
            CompareWithFloat32(() => new TransformerEncoderLayer(16, 2, dimFeedforward: 32, dropout: 0f, generator: new Generator(4)),
                [6, 3, 16], dtype, DType.Float32);
    }

    [ParityFact]
    public void OpLists_MatmulFamilyIn16Bits_SoftmaxNormsLossesSumExpInFloat32()
    {
        foreach (var dtype in HalfTypes)
        {
            using var scope = new DisposeScope();
            var a = Tensor.Randn([4, 6], new Generator(5), Device);
            var b = Tensor.Randn([6, 3], new Generator(6), Device);
            var w = Tensor.Randn([3, 6], new Generator(7), Device);
            var img = Tensor.Randn([1, 2, 5, 5], new Generator(8), Device);
            var kernel = Tensor.Randn([3, 2, 3, 3], new Generator(9), Device);
            var q = Tensor.Randn([1, 2, 4, 8], new Generator(10), Device);
            var labels = Tensor.FromArray(new long[] { 0, 2, 1, 2 }, [4], Device);
            using (Autocast.Enable(dtype))
            {
                var product = a.MatMul(b);
                Assert.Equal(dtype, product.DType);
                Assert.Equal(dtype, Tensor.Linear(a, w, Tensor.Zeros([3], Device)).DType);
                Assert.Equal(dtype, img.Conv2D(kernel).DType);
                Assert.Equal(dtype, Tensor.ScaledDotProductAttention(q, q, q).DType);
                Assert.Equal(DType.Float32, product.Softmax(-1).DType);
                Assert.Equal(DType.Float32, product.LogSoftmax(-1).DType);
                Assert.Equal(DType.Float32, product.CrossEntropy(labels).DType);
                Assert.Equal(DType.Float32, product.LayerNorm([3]).DType);
                Assert.Equal(DType.Float32, product.Sum().DType);
                Assert.Equal(DType.Float32, product.Exp().DType);
                Assert.Equal(DType.Float32, product.MseLoss(Tensor.Zeros([4, 3], Device)).DType);
                Assert.Equal(dtype, product.Relu().DType);                 // not on a list: runs in its input's dtype
                Assert.Equal(dtype, (product * 2f).DType);
                Assert.Equal(DType.Float32, (product + Tensor.Zeros([4, 3], Device)).DType);   // mixed operands promote
            }
            var outside = a.To(dtype);
            Assert.Equal(DType.Float32, a.MatMul(b).DType);
            Assert.Equal(dtype, outside.Exp().DType);
            Assert.Equal(dtype, outside.Softmax(-1).DType);
        }
    }

    [ParityFact]
    public void SavedForBackward_AreThe16BitTensors_HalfTheFloat32Bytes()
    {
        foreach (var dtype in HalfTypes)
        {
            using var scope = new DisposeScope();
            var a = Tensor.Randn([2, 8, 12], new Generator(13), Device).RequiresGradient();
            var b = Tensor.Randn([12, 10], new Generator(14), Device).RequiresGradient();
            var img = Tensor.Randn([2, 3, 7, 7], new Generator(15), Device).RequiresGradient();
            var kernel = Tensor.Randn([4, 3, 3, 3], new Generator(16), Device).RequiresGradient();
            var q = Tensor.Randn([2, 2, 5, 8], new Generator(17), Device).RequiresGradient();
            var half = a.Detach().To(dtype).RequiresGradient();
            var mask = Tensor.Ones([2, 8, 12], Device).To(dtype);
            Assert.Equal(2 * 2 * half.Size, GraphMemory.SavedBytes(half * mask));   // a binary op of one 16-bit dtype keeps its 16-bit operands
            long matmul32 = GraphMemory.SavedBytes(a.MatMul(b));
            long conv32 = GraphMemory.SavedBytes(img.Conv2D(kernel), [kernel]);
            long attention32 = GraphMemory.SavedBytes(Tensor.ScaledDotProductAttention(q, q, q), [q]);
            using (Autocast.Enable(dtype))
            {
                Assert.Equal(matmul32 / 2, GraphMemory.SavedBytes(a.MatMul(b)));
                // conv: the float32 primitive saves x (and the weight parameter itself, left out here); under
                // autocast the composite saves the 16-bit columns [2, 3·3·3, 5·5] and the 16-bit weight copy.
                var conv = img.Conv2D(kernel);
                Assert.Equal(img.Size * 4, conv32);
                Assert.Equal(2L * 27 * 25 * 2 + kernel.Size * 2, GraphMemory.SavedBytes(conv, [kernel]));
                // attention: q (three times the same 16-bit copy) and the output in 16 bits, the row log-sum-exp [N, H, L] in float32.
                long lse = 2 * 2 * 5 * 4;
                var attention = Tensor.ScaledDotProductAttention(q, q, q);
                Assert.Equal((attention32 - lse) / 2 + 2 * q.Size + lse, GraphMemory.SavedBytes(attention, [q]));
            }
        }
    }

    [ParityFact]
    public void BackwardInsideTheScope_StillGivesFloat32GradientsOfTheSameValues()
    {
        using var scope = new DisposeScope();
        var w = Tensor.Randn([5, 4], new Generator(18), Device).RequiresGradient();
        var x = Tensor.Randn([3, 5], new Generator(19), Device);
        using (Autocast.Enable(DType.BFloat16)) x.MatMul(w).Sum().Backward();
        var inside = w.Grad!.Clone();
        w.ZeroGrad();
        Tensor loss;
        using (Autocast.Enable(DType.BFloat16)) loss = x.MatMul(w).Sum();
        loss.Backward();
        Assert.Equal(DType.Float32, inside.DType);
        Assert.Equal(Host(w.Grad!), Host(inside));
    }
}

public sealed class CpuAutocastTests : AutocastTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorAutocastTests : AutocastTests
{
    protected override Device Device => Device.GpuEmulator;

    [Fact]
    public void SmallTransformerStep_UnderAutocast_MatchesTheCpuBackend()
    {
        foreach (var dtype in HalfTypes)
        {
            var (cpuOut, cpuGrads) = Step(Device.Cpu, dtype);
            var (gpuOut, gpuGrads) = Step(Device.GpuEmulator, dtype);
            // Same roundings, different float32 summation orders: one 16-bit step apart at most.
            float tolerance = dtype == DType.BFloat16 ? 1e-2f : 2e-3f;
            AssertClose(cpuOut, gpuOut, tolerance, $"{dtype} output");
            for (int i = 0; i < cpuGrads.Length; i++) AssertClose(cpuGrads[i], gpuGrads[i], tolerance, $"{dtype} grad {i}");
            foreach (var t in cpuGrads.Concat(gpuGrads).Append(cpuOut).Append(gpuOut)) t.Dispose();
        }
    }

    private static (Tensor Output, Tensor[] Grads) Step(Device device, DType dtype)
    {
        using var model = new Sequential(
            new TransformerEncoderLayer(16, 2, dimFeedforward: 32, dropout: 0f, batchFirst: true, generator: new Generator(21)),
            new Dense(16, 4, generator: new Generator(22)));
        model.To(device);
        using var scope = new DisposeScope();
        var x = Tensor.Randn([2, 5, 16], new Generator(23), device);
        var labels = Tensor.FromArray(new long[] { 0, 3, 1, 2, 2, 0, 1, 3, 3, 1 }, [10], device);
        Tensor output, loss;
        using (Autocast.Enable(dtype))
        {
            output = model.Call(x);
            loss = output.Reshape(10, 4).CrossEntropy(labels);
        }
        Assert.Equal(dtype, output.DType);
        loss.Backward();
        return (output.To(Device.Cpu).DetachFromScope(), model.Parameters().Select(p => p.Grad!.To(Device.Cpu).DetachFromScope()).ToArray());
    }
}

public sealed class CudaAutocastTests : AutocastTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}

/// <summary>The scope itself: nesting, switching off inside, per thread, bad dtypes.</summary>
public sealed class AutocastScopeTests
{
    [Fact]
    public void Scopes_Nest_AndRestoreWhatWasThere()
    {
        Assert.False(Autocast.IsEnabled);
        Assert.Equal(DType.Float32, Autocast.DType);
        using (Autocast.Enable(DType.BFloat16))
        {
            Assert.True(Autocast.IsEnabled);
            Assert.Equal(DType.BFloat16, Autocast.DType);
            using (Autocast.Enable(DType.Float16)) Assert.Equal(DType.Float16, Autocast.DType);
            Assert.Equal(DType.BFloat16, Autocast.DType);
            using (Autocast.Enable(enabled: false))
            {
                Assert.False(Autocast.IsEnabled);
                using var scope = new DisposeScope();
                Assert.Equal(DType.Float32, Tensor.Ones([2, 3]).MatMul(Tensor.Ones([3, 2])).DType);
            }
            Assert.True(Autocast.IsEnabled);
        }
        Assert.False(Autocast.IsEnabled);
    }

    [Fact]
    public void DisposingTwice_DoesNotUndoAnOuterScope()
    {
        using var outer = Autocast.Enable(DType.BFloat16);
        var inner = Autocast.Enable(DType.Float16);
        inner.Dispose();
        inner.Dispose();
        Assert.Equal(DType.BFloat16, Autocast.DType);
    }

    [Fact]
    public void Scope_IsPerThread()
    {
        using var scope = Autocast.Enable(DType.BFloat16);
        bool other = true;
        var thread = new Thread(() => other = Autocast.IsEnabled);
        thread.Start();
        thread.Join();
        Assert.False(other);
        Assert.True(Autocast.IsEnabled);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    public void Enable_RefusesADTypeThatIsNot16BitFloat(DType dtype)
    {
        var error = Assert.Throws<ArgumentException>(() => Autocast.Enable(dtype));
        Assert.Contains("autocast", error.Message);
        Assert.Contains(dtype.ToString(), error.Message);
        Assert.False(Autocast.IsEnabled);
    }

    [Fact]
    public void MatMulOfMixed16BitAndFloat32_OutsideAutocast_IsRefusedNamingBoth()
    {
        using var scope = new DisposeScope();
        var error = Assert.Throws<ArgumentException>(() => Tensor.Ones([2, 3]).To(DType.BFloat16).MatMul(Tensor.Ones([3, 2])));
        Assert.Contains("matmul", error.Message);
        Assert.Contains("BFloat16", error.Message);
        Assert.Contains("Float32", error.Message);
    }

    [Fact]
    public void IntegerTensors_AreLeftAsTheyAre()
    {
        using var scope = new DisposeScope();
        using var autocast = Autocast.Enable(DType.BFloat16);
        var ids = Tensor.FromArray(new long[] { 1, 0 }, [2]);
        var table = Tensor.Randn([3, 4], new Generator(1));
        Assert.Equal(DType.Float32, Tensor.Embedding(ids, table).DType);   // embedding is on no list
    }
}
