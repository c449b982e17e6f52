using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Fused;
using Xunit;

namespace DeepNet.Tests.Kernels.Fused;

/// <summary>
/// The CPU bodies of the fused optimizer updates (Vector256Lane blocks, FloatLane tail) equal the
/// scalar formula (Step on FloatLane, element by element) bit for bit, at every length 0..40
/// (empty, tail only, whole blocks, blocks plus tails) and with operands at offsets.
/// </summary>
public sealed class OptimizerUpdateOpTests
{
    private const int MaxLength = 40;
    private const int Offset = 3;

    private static CpuBackend Cpu => CpuBackend.Instance;

    [Fact]
    public void AdamUpdate_VectorBodyEqualsScalarFormula_AtLengths0To40()
    {
        foreach (var (decoupled, amsgrad) in new[] { (false, false), (true, false), (false, true) })
        for (int n = 0; n <= MaxLength; n++)
        {
            var c = AdamUpdateOp.Constants.Create(3, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled, amsgrad);
            float[] p = Values(n, 1), g = Values(n, 2), m = Values(n, 3), v = Squares(n, 4), x = Squares(n, 5);
            using var run = new Operands(p, g, m, v, x);
            Cpu.Run(new AdamUpdateOp(c, n, run[0], run[1], run[2], run[3], amsgrad ? run[4] : null));
            for (int i = 0; i < n; i++)
            {
                FloatLane mi = m[i], vi = v[i], xi = x[i];
                p[i] = AdamUpdateOp.Step(c, (FloatLane)p[i], g[i], ref mi, ref vi, ref xi);
                (m[i], v[i]) = (mi, vi);
                if (amsgrad) x[i] = xi;
            }
            run.AssertEqual($"adam decoupled={decoupled} amsgrad={amsgrad} n={n}", p, g, m, v, x);
        }
    }

    [Fact]
    public void SgdUpdate_VectorBodyEqualsScalarFormula_AtLengths0To40()
    {
        foreach (var (momentum, first, nesterov) in new[] { (0.0, false, false), (0.9, true, false), (0.9, false, false), (0.8, false, true) })
        for (int n = 0; n <= MaxLength; n++)
        {
            var c = SgdUpdateOp.Constants.Create(0.1, momentum, 0.2 * (nesterov ? 0 : 1), 0.01, nesterov, first);
            float[] p = Values(n, 1), g = Values(n, 2), b = Values(n, 3);
            using var run = new Operands(p, g, b);
            Cpu.Run(new SgdUpdateOp(c, n, run[0], run[1], momentum != 0 ? run[2] : null));
            for (int i = 0; i < n; i++)
            {
                FloatLane bi = b[i];
                p[i] = SgdUpdateOp.Step(c, (FloatLane)p[i], g[i], ref bi);
                if (momentum != 0) b[i] = bi;
            }
            run.AssertEqual($"sgd momentum={momentum} first={first} nesterov={nesterov} n={n}", p, g, b);
        }
    }

    [Fact]
    public void RmsPropUpdate_VectorBodyEqualsScalarFormula_AtLengths0To40()
    {
        foreach (var (momentum, centered) in new[] { (0.0, false), (0.0, true), (0.9, false), (0.9, true) })
        for (int n = 0; n <= MaxLength; n++)
        {
            var c = RmsPropUpdateOp.Constants.Create(0.01, 0.99, 1e-8, 0.1, momentum, centered);
            float[] p = Values(n, 1), g = Values(n, 2), v = Squares(n, 3), a = Values(n, 4).Select(t => t / 10).ToArray(), b = Values(n, 5);
            using var run = new Operands(p, g, v, a, b);
            Cpu.Run(new RmsPropUpdateOp(c, n, run[0], run[1], run[2], centered ? run[3] : null, momentum > 0 ? run[4] : null));
            for (int i = 0; i < n; i++)
            {
                FloatLane vi = v[i], ai = a[i], bi = b[i];
                p[i] = RmsPropUpdateOp.Step(c, (FloatLane)p[i], g[i], ref vi, ref ai, ref bi);
                v[i] = vi;
                if (centered) a[i] = ai;
                if (momentum > 0) b[i] = bi;
            }
            run.AssertEqual($"rmsprop momentum={momentum} centered={centered} n={n}", p, g, v, a, b);
        }
    }

    private static float[] Values(int n, int seed)
    {
        var rng = new Random(seed * 100 + n);
        return Enumerable.Range(0, n).Select(_ => rng.NextSingle() * 2 - 1).ToArray();
    }

    private static float[] Squares(int n, int seed) => Values(n, seed).Select(t => t * t + 0.5f).ToArray();

    /// <summary>Each array copied into a CPU buffer at <see cref="Offset"/>, so the runs start off buffer boundaries.</summary>
    private sealed class Operands : IDisposable
    {
        private readonly DeviceBuffer[] _buffers;

        public Operands(params float[][] values)
        {
            _buffers = values.Select(v => Cpu.Allocate(v.Length + Offset)).ToArray();
            for (int i = 0; i < values.Length; i++) Cpu.CopyFromHost(values[i], _buffers[i], Offset);
        }

        public ContiguousSlice this[int i] => new(_buffers[i], Offset);

        public void AssertEqual(string what, params float[][] expected)
        {
            for (int i = 0; i < expected.Length; i++)
            {
                var actual = new float[expected[i].Length];
                Cpu.CopyToHost(_buffers[i], Offset, actual);
                Assert.True(expected[i].AsSpan().SequenceEqual(actual), $"{what}: operand {i} differs from the scalar formula");
            }
        }

        public void Dispose()
        {
            foreach (var b in _buffers) b.Dispose();
        }
    }
}
