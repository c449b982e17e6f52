using DeepNet.Kernels;
using DeepNet.Kernels.Fused;
using Xunit;

namespace DeepNet.Tests.Kernels.Gpu;

// The fused optimizer updates (Kernels/Fused *UpdateOp) on the GPU against the CPU body: operands at
// different offsets of larger buffers, two steps each, every variant of each update.
public abstract partial class GpuParityTests
{
    private const int UpdateLength = 45;

    [ParityFact]
    public void AdamUpdate_MatchesCpu_ForL2DecoupledAndAmsgrad()
    {
        foreach (var (decoupled, amsgrad) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            var (p, g, m, v, x) = (Operand(), Operand(), Operand(0f, 1f), Operand(0f, 1f), Operand(0f, 1f));
            for (long t = 1; t <= 2; t++)
            {
                var c = AdamUpdateOp.Constants.Create(t, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled, amsgrad);
                Cpu.Run(new AdamUpdateOp(c, UpdateLength, p.Cpu, g.Cpu, m.Cpu, v.Cpu, amsgrad ? x.Cpu : null));
                Gpu.Run(new AdamUpdateOp(c, UpdateLength, p.Gpu, g.Gpu, m.Gpu, v.Gpu, amsgrad ? x.Gpu : null));
            }
            string what = $"adam decoupled={decoupled} amsgrad={amsgrad}";
            AssertSameOperands(what, p, m, v, x);
        }
    }

    [ParityFact]
    public void SgdUpdate_MatchesCpu_ForMomentumDampeningNesterovAndDecay()
    {
        foreach (var (momentum, dampening, nesterov) in new[] { (0.0, 0.0, false), (0.9, 0.0, false), (0.9, 0.3, false), (0.8, 0.0, true) })
        {
            var (p, g, b) = (Operand(), Operand(), Operand());
            for (int t = 1; t <= 2; t++)
            {
                var c = SgdUpdateOp.Constants.Create(0.1, momentum, dampening, 0.01, nesterov, firstStep: t == 1);
                Cpu.Run(new SgdUpdateOp(c, UpdateLength, p.Cpu, g.Cpu, momentum != 0 ? b.Cpu : null));
                Gpu.Run(new SgdUpdateOp(c, UpdateLength, p.Gpu, g.Gpu, momentum != 0 ? b.Gpu : null));
            }
            AssertSameOperands($"sgd momentum={momentum} dampening={dampening} nesterov={nesterov}", p, b);
        }
    }

    [ParityFact]
    public void RmsPropUpdate_MatchesCpu_PlainCenteredAndMomentum()
    {
        foreach (var (momentum, centered) in new[] { (0.0, false), (0.0, true), (0.9, false), (0.9, true) })
        {
            var (p, g, v, a, b) = (Operand(), Operand(), Operand(0.5f, 1f), Operand(-0.1f, 0.1f), Operand());
            for (int t = 1; t <= 2; t++)
            {
                var c = RmsPropUpdateOp.Constants.Create(0.01, 0.99, 1e-8, 0.1, momentum, centered);
                Cpu.Run(new RmsPropUpdateOp(c, UpdateLength, p.Cpu, g.Cpu, v.Cpu, centered ? a.Cpu : null, momentum > 0 ? b.Cpu : null));
                Gpu.Run(new RmsPropUpdateOp(c, UpdateLength, p.Gpu, g.Gpu, v.Gpu, centered ? a.Gpu : null, momentum > 0 ? b.Gpu : null));
            }
            AssertSameOperands($"rmsprop momentum={momentum} centered={centered}", p, v, a, b);
        }
    }

    // Parameters of mixed sizes (empty, 1, under a group, over a group so blocks stride): 19 of them, so two launches.
    private static readonly int[] MultiLengths = [45, 1, 300, 0, 7, 256, 33, 2, 513, 9, 16, 64, 3, 100, 5, 12, 257, 4, 31];

    [ParityFact]
    public void AdamUpdateAll_MatchesPerParameterKernels_BitForBit()
    {
        foreach (var (decoupled, amsgrad) in new[] { (false, false), (true, true) })
        {
            var ps = MultiLengths.Select(n => Operands(n, 5, true)).ToArray();
            var multi = ps.Select(o => o.Select(Clone).ToArray()).ToArray();
            for (long t = 1; t <= 2; t++)
            {
                // Each parameter its own constants (step count and weight decay vary, as with groups).
                var c = MultiLengths.Select((_, k) => AdamUpdateOp.Constants.Create(t + k % 3, 0.01, 0.9, 0.999, 1e-8, 0.05 * (k % 2), decoupled, amsgrad)).ToArray();
                AdamUpdateOp Op(int k, Slices[] o, bool gpu) =>
                    new(c[k], MultiLengths[k], o[0].On(gpu), o[1].On(gpu), o[2].On(gpu), o[3].On(gpu), amsgrad ? o[4].On(gpu) : null);
                for (int k = 0; k < ps.Length; k++) Gpu.Run(Op(k, ps[k], true));
                Gpu.Run(new MultiTensorUpdate<AdamUpdateOp, AdamUpdateOp.Entry>([.. multi.Select((o, k) => Op(k, o, true))]));
                Cpu.Run(new MultiTensorUpdate<AdamUpdateOp, AdamUpdateOp.Entry>([.. multi.Select((o, k) => Op(k, o, false))]));
            }
            AssertBitEqual($"adam decoupled={decoupled} amsgrad={amsgrad}", ps, multi);
        }
    }

    [ParityFact]
    public void SgdUpdateAll_MatchesPerParameterKernels_BitForBit()
    {
        var ps = MultiLengths.Select(n => Operands(n, 3, true)).ToArray();
        var multi = ps.Select(o => o.Select(Clone).ToArray()).ToArray();
        for (int t = 1; t <= 2; t++)
        {
            var c = MultiLengths.Select((_, k) => SgdUpdateOp.Constants.Create(0.1, k % 3 == 0 ? 0 : 0.9, 0.1 * (k % 2), 0.01, false, firstStep: t == 1)).ToArray();
            SgdUpdateOp Op(int k, Slices[] o, bool gpu) => new(c[k], MultiLengths[k], o[0].On(gpu), o[1].On(gpu), c[k].HasMomentum != 0 ? o[2].On(gpu) : null);
            for (int k = 0; k < ps.Length; k++) Gpu.Run(Op(k, ps[k], true));
            Gpu.Run(new MultiTensorUpdate<SgdUpdateOp, SgdUpdateOp.Entry>([.. multi.Select((o, k) => Op(k, o, true))]));
            Cpu.Run(new MultiTensorUpdate<SgdUpdateOp, SgdUpdateOp.Entry>([.. multi.Select((o, k) => Op(k, o, false))]));
        }
        AssertBitEqual("sgd", ps, multi);
    }

    [ParityFact]
    public void RmsPropUpdateAll_MatchesPerParameterKernels_BitForBit()
    {
        var ps = MultiLengths.Select(n => Operands(n, 5, true)).ToArray();
        var multi = ps.Select(o => o.Select(Clone).ToArray()).ToArray();
        for (int t = 1; t <= 2; t++)
        {
            var c = MultiLengths.Select((_, k) => RmsPropUpdateOp.Constants.Create(0.01, 0.99, 1e-8, 0.1, k % 2 == 0 ? 0.9 : 0, centered: k % 3 == 0)).ToArray();
            RmsPropUpdateOp Op(int k, Slices[] o, bool gpu) => new(c[k], MultiLengths[k], o[0].On(gpu), o[1].On(gpu), o[2].On(gpu),
                c[k].Centered != 0 ? o[3].On(gpu) : null, c[k].HasMomentum != 0 ? o[4].On(gpu) : null);
            for (int k = 0; k < ps.Length; k++) Gpu.Run(Op(k, ps[k], true));
            Gpu.Run(new MultiTensorUpdate<RmsPropUpdateOp, RmsPropUpdateOp.Entry>([.. multi.Select((o, k) => Op(k, o, true))]));
            Cpu.Run(new MultiTensorUpdate<RmsPropUpdateOp, RmsPropUpdateOp.Entry>([.. multi.Select((o, k) => Op(k, o, false))]));
        }
        AssertBitEqual("rmsprop", ps, multi);
    }

    /// <summary>One operand on both backends (same values, same offset).</summary>
    private sealed record Slices(ContiguousSlice Cpu, ContiguousSlice Gpu)
    {
        public ContiguousSlice On(bool gpu) => gpu ? Gpu : Cpu;
    }

    // Operand 0 the parameter, 1 the gradient, then state (square averages kept positive).
    private Slices[] Operands(int length, int count, bool positiveState) =>
        [.. Enumerable.Range(0, count).Select(i => i >= 2 && positiveState ? OperandOf(length, 0f, 1f) : OperandOf(length, -2f, 2f))
            .Select(o => new Slices(o.Cpu, o.Gpu))];

    private Slices Clone(Slices s)
    {
        var values = new float[s.Cpu.Buffer.Length];
        Cpu.CopyToHost(s.Cpu.Buffer, 0, values);
        var (c, g) = Pair(values);
        return new Slices(new ContiguousSlice(c, s.Cpu.Offset), new ContiguousSlice(g, s.Gpu.Offset));
    }

    // Per-parameter GPU kernels vs the multi-tensor kernel: exactly equal; the multi-tensor CPU run (each op's SIMD body) within the usual tolerance.
    private void AssertBitEqual(string what, Slices[][] single, Slices[][] multi)
    {
        for (int k = 0; k < single.Length; k++)
        for (int i = 0; i < single[k].Length; i++)
        {
            var (a, b) = (new float[single[k][i].Gpu.Buffer.Length], new float[multi[k][i].Gpu.Buffer.Length]);
            Gpu.CopyToHost(single[k][i].Gpu.Buffer, 0, a);
            Gpu.CopyToHost(multi[k][i].Gpu.Buffer, 0, b);
            Assert.True(a.AsSpan().SequenceEqual(b), $"{what}: parameter {k} (length {MultiLengths[k]}) operand {i} differs from the per-parameter kernel");
            AssertSame(multi[k][i].Cpu.Buffer, multi[k][i].Gpu.Buffer, $"{what} parameter {k} operand {i} (multi-tensor CPU vs GPU)");
        }
    }

    /// <summary>Random data in buffers a few floats longer than the update, the run at a random offset.</summary>
    private (ContiguousSlice Cpu, ContiguousSlice Gpu) Operand(float lo = -2f, float hi = 2f) => OperandOf(UpdateLength, lo, hi);

    private (ContiguousSlice Cpu, ContiguousSlice Gpu) OperandOf(int length, float lo, float hi)
    {
        int offset = _rng.Next(0, 6);
        var (c, g) = Pair(Values(length + 6, lo, hi));
        return (new ContiguousSlice(c, offset), new ContiguousSlice(g, offset));
    }

    private void AssertSameOperands(string what, params (ContiguousSlice Cpu, ContiguousSlice Gpu)[] operands)
    {
        for (int i = 0; i < operands.Length; i++)
            AssertSame(operands[i].Cpu.Buffer, operands[i].Gpu.Buffer, $"{what} operand {i}");
    }
}
