using System.Reflection;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Gpu;
using DeepNet.Kernels.Ops;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>
/// Compiles every production kernel (generic ones closed over sample ops) to PTX for sm_90 with
/// ILGPU's PTX backend, offline: catches constructs the CUDA path rejects without a GPU.
/// </summary>
public sealed class PtxCompileTests
{
    private static readonly Type[] KernelClasses =
    [
        typeof(GpuElementwiseKernels), typeof(GpuReduceKernels), typeof(GpuMatMulKernels), typeof(GpuMatMulMmaKernels),
        typeof(GpuIm2ColKernels), typeof(GpuGatherKernels), typeof(GpuCastKernels), typeof(GpuFloat64Kernels),
    ];

    // Fused-op units (Kernels/Fused) keep their kernels private beside their CPU bodies; generic ones closed over a sample op.
    private static readonly Type[] FusedOps =
    [
        typeof(SoftmaxCrossEntropy), typeof(SoftmaxCrossEntropyBackward),
        typeof(BiasActivation<GeluOp>), typeof(BiasActivationBackward<GeluOp>),
        typeof(AdamUpdateOp), typeof(SgdUpdateOp), typeof(RmsPropUpdateOp), typeof(Dropout),
        typeof(MultiTensorUpdate<AdamUpdateOp, AdamUpdateOp.Entry>), typeof(MultiTensorUpdate<SgdUpdateOp, SgdUpdateOp.Entry>),
        typeof(MultiTensorUpdate<RmsPropUpdateOp, RmsPropUpdateOp.Entry>), typeof(ClassTargetCheck),
        typeof(Attention), typeof(AttentionBackward), typeof(LayerNorm), typeof(LayerNormBackward), typeof(MaxPool2D), typeof(MaxPool2DBackward),
        typeof(Softmax), typeof(SoftmaxBackward), typeof(QuantizedAttention), typeof(QuantizedEmbedding), typeof(QuantizedGemm),
    ];

    [Fact]
    public void EveryKernel_CompilesToPtxForSm90()
    {
        var compiled = new List<string>();
        foreach (var (method, ptx) in CompileAll())
        {
            Assert.Contains(".entry", ptx);
            compiled.Add(method.Name);
        }
        Assert.Contains("Tile128Kernel", compiled);
        Assert.Contains("Tile64Kernel", compiled);
        Assert.Contains("Tf32Kernel", compiled);
        Assert.Contains("Bf16Kernel", compiled);
        Assert.Contains("BlockKernel", compiled);
        Assert.Contains("ForwardKernel", compiled);
        Assert.Contains("BackwardKernel", compiled);
        Assert.True(compiled.Count >= 16, $"only {compiled.Count} kernels found: {string.Join(", ", compiled)}");
    }

    [Theory]
    [InlineData(nameof(GpuMatMulKernels.Tile128Kernel))]
    [InlineData(nameof(GpuMatMulKernels.Tile64Kernel))]
    public void SimtGemm_Uses16ByteGlobalAndSharedLoads_AndNoLocalMemory(string kernel)
    {
        var ptx = Ptx(kernel);
        Assert.Contains("ld.global.v4.f32", ptx);
        Assert.Contains("ld.shared.v4.f32", ptx);
        Assert.Contains("st.global.v4.f32", ptx);
        Assert.DoesNotContain(".local", ptx);
    }

    [Fact]
    public void Tf32Gemm_RunsMmaSyncOnTensorCores_WithTf32RoundedOperands()
    {
        var ptx = Ptx(nameof(GpuMatMulMmaKernels.Tf32Kernel));
        Assert.Contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32", ptx);
        Assert.Contains("cvt.rna.tf32.f32", ptx);
        Assert.Contains("ld.global.v4.f32", ptx);
    }

    [Fact]
    public void MultiTensorUpdates_FitCudaParameterSpace_AndKeepOperandsInRegisters()
    {
        var multi = CompileAll().Where(k => k.Method.DeclaringType!.IsGenericType
            && k.Method.DeclaringType.GetGenericTypeDefinition() == typeof(MultiTensorUpdate<,>)).ToList();
        Assert.Equal(3, multi.Count);
        foreach (var (method, ptx) in multi)
        {
            // The whole chunk is one .param; CUDA caps kernel parameters at 4096 bytes.
            var sizes = System.Text.RegularExpressions.Regex.Matches(ptx, @"\.param\s+\.align\s+\d+\s+\.b8\s+\w+\[(\d+)\]")
                .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.NotEmpty(sizes);
            Assert.True(sizes.Sum() <= 4096, $"{method.DeclaringType!.Name}: {sizes.Sum()} bytes of kernel parameters");
            var dump = Environment.GetEnvironmentVariable("DEEPNET_PTX_DUMP");
            if (dump is not null) File.WriteAllText(Path.Combine(dump, $"Multi{method.DeclaringType.GetGenericArguments()[0].Name}.ptx"), ptx);
            Assert.DoesNotContain(".local", ptx);
        }
    }

    [Fact]
    public void Bf16Gemm_RunsBf16MmaSyncOnTensorCores_AndNoLocalArrays()
    {
        var ptx = Ptx(nameof(GpuMatMulMmaKernels.Bf16Kernel));
        Assert.Contains("mma.sync.aligned.m16n8k8.row.col.f32.bf16.bf16.f32", ptx);
        Assert.DoesNotContain("tf32", ptx);
        Assert.Contains("ld.global.v4.f32", ptx);
        AssertOnlyAsmOperandDepots(ptx);
    }

    [Fact]
    public void Tf32Gemm_KeepsItsTilesOutOfLocalMemory() => AssertOnlyAsmOperandDepots(Ptx(nameof(GpuMatMulMmaKernels.Tf32Kernel)));

    /// <summary>
    /// ILGPU passes every inline-PTX operand through a 4-byte `.local` depot, which ptxas promotes to a
    /// register (0-byte stack frame, shared/ilgpu/GUIDE.md §5.2); anything larger in `.local` would be a
    /// spilled array (an accumulator tile or fragment), which this refuses.
    /// </summary>
    private static void AssertOnlyAsmOperandDepots(string ptx)
    {
        var locals = System.Text.RegularExpressions.Regex.Matches(ptx, @"\.local\s+\.align\s+\d+\s+\.b8\s+(\w+)\[(\d+)\]");
        Assert.Equal(System.Text.RegularExpressions.Regex.Matches(ptx, @"\.local\s+\.align").Count, locals.Count);
        Assert.All(locals, m => Assert.True(m.Groups[1].Value.StartsWith("__local_depot", StringComparison.Ordinal)
            && m.Groups[2].Value == "4", $".local {m.Groups[1].Value}[{m.Groups[2].Value}] is more than an asm operand"));
    }

    private static string Ptx(string kernel)
    {
        var ptx = CompileAll().Single(k => k.Method.Name == kernel).Ptx;
        var dump = Environment.GetEnvironmentVariable("DEEPNET_PTX_DUMP");
        if (dump is not null) File.WriteAllText(Path.Combine(dump, kernel + ".ptx"), ptx);
        return ptx;
    }

    // Compiled once for both tests (about a second of ILGPU work).
    private static readonly Lazy<List<(MethodInfo Method, string Ptx)>> Compiled = new(() => [.. Compile()]);

    private static List<(MethodInfo Method, string Ptx)> CompileAll() => Compiled.Value;

    private static IEnumerable<(MethodInfo Method, string Ptx)> Compile()
    {
        using var context = Context.Create(b => b.EnableAlgorithms().Optimize(OptimizationLevel.O2));
        var caps = new CudaCapabilityContext(CudaArchitecture.SM_90);
        var isa = CudaAccelerator.GetInstructionSet(caps.TargetArchitecture, CudaDriverVersion.FromMajorMinor(13, 0));
        using var backend = new PTXBackend(context, caps, CudaArchitecture.SM_90, isa, null);
        foreach (var method in Kernels())
        {
            bool implicitGroups = method.GetParameters()[0].ParameterType == typeof(Index1D);
            var entry = implicitGroups
                ? EntryPointDescription.FromImplicitlyGroupedKernel(method)
                : EntryPointDescription.FromExplicitlyGroupedKernel(method);
            yield return (method, ((PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty)).PTXAssembly);
        }
    }

    private static IEnumerable<MethodInfo> Kernels()
    {
        foreach (var type in FusedOps)
        foreach (var method in type.GetMethods(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static))
            if (method.Name.EndsWith("Kernel", StringComparison.Ordinal)) yield return method;
        foreach (var type in KernelClasses)
        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            if (!method.Name.EndsWith("Kernel", StringComparison.Ordinal)) continue;
            if (!method.IsGenericMethodDefinition)
            {
                yield return method;
                continue;
            }
            var parameters = method.GetGenericArguments();
            if (parameters.Length == 2 && parameters[1].GetGenericParameterConstraints().Any(c => c.Name.StartsWith("IGpuSum", StringComparison.Ordinal)))
            {
                // Element-type kernels with their adder (Col2Im): float and double.
                yield return method.MakeGenericMethod(typeof(float), typeof(GpuFloatSum));
                yield return method.MakeGenericMethod(typeof(double), typeof(GpuDoubleSum));
                continue;
            }
            if (type == typeof(GpuGatherKernels))
            {
                // Gather <T, TI, AI> and scatter-add <T, TSum, TI, AI>: float values with Int64 ids, double with Int32.
                Type[] f = parameters.Length == 3 ? [typeof(float)] : [typeof(float), typeof(GpuFloatSum)];
                Type[] d = parameters.Length == 3 ? [typeof(double)] : [typeof(double), typeof(GpuDoubleSum)];
                yield return method.MakeGenericMethod([.. f, typeof(long), typeof(DeepNet.Kernels.Elements.Int64Element)]);
                yield return method.MakeGenericMethod([.. d, typeof(int), typeof(DeepNet.Kernels.Elements.Int32Element)]);
                continue;
            }
            if (parameters.Length > 1 || parameters[0].GetGenericParameterConstraints().Length == 0)
            {
                // Typed-storage kernels: (storage, accessor) pairs; closed over Int64 (8 bytes) and bfloat16 (2 bytes).
                Type[] pairs = [typeof(long), typeof(DeepNet.Kernels.Elements.Int64Element), typeof(ushort), typeof(DeepNet.Kernels.Elements.BFloat16Element)];
                yield return method.MakeGenericMethod(parameters.Length == 1 ? [typeof(long)] : pairs[..parameters.Length]);
                if (parameters.Length == 2) yield return method.MakeGenericMethod(pairs[2..]);
                continue;
            }
            var constraint = parameters[0].GetGenericParameterConstraints();
            var samples = constraint.Contains(typeof(DeepNet.Kernels.Ops.IUnaryOp))
                ? new[] { typeof(GeluOp), typeof(LeakyReluOp) }
                : [typeof(PowOp), typeof(MaximumOp)];
            foreach (var op in samples) yield return method.MakeGenericMethod(op);
        }
    }
}
