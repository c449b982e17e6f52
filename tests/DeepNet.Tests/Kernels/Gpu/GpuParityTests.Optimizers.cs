using DeepNet.Kernels;
using DeepNet.Kernels.Fused;

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

    /// <summary>Random data in buffers a few floats longer than the update, the run at a random offset.</summary>
    private (ContiguousSlice Cpu, ContiguousSlice Gpu) Operand(float lo = -2f, float hi = 2f)
    {
        int offset = _rng.Next(0, 6);
        var (c, g) = Pair(Values(UpdateLength + 6, lo, hi));
        return (new ContiguousSlice(c, offset), new ContiguousSlice(g, offset));
    }

    private void AssertSameOperands(string what, params (ContiguousSlice Cpu, ContiguousSlice Gpu)[] operands)
    {
        for (int i = 0; i < operands.Length; i++)
            AssertSame(operands[i].Cpu.Buffer, operands[i].Gpu.Buffer, $"{what} operand {i}");
    }
}
