using System.Runtime.Intrinsics;
using DeepNet.Kernels.Ops;
using Xunit;

namespace DeepNet.Tests.Kernels.Ops;

/// <summary>
/// The SIMD bodies of the unary op structs against their scalar forms (the CPU backend runs the vector
/// body on dense runs and the scalar one on tails and on the GPU), across the range, the tails and the
/// special values: equal within a few float32 ulps, NaN where the scalar form gives NaN.
/// </summary>
public sealed class VectorOpTests
{
    private const float Tolerance = 4e-7f;

    private static float[] Points()
    {
        var points = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 9f, -9f, 30f, -30f, 1e30f, -1e30f,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN };
        for (int i = -400; i <= 400; i++) points.Add(i * 0.0173f);
        while (points.Count % 8 != 0) points.Add(0.5f);
        return [.. points];
    }

    [Fact]
    public void Erf_Vector_MatchesScalar()
    {
        var x = Points();
        for (int i = 0; i < x.Length; i += 8)
        {
            var v = Erf.Evaluate(Vector256.Create(x, i));
            for (int k = 0; k < 8; k++) AssertClose(Erf.Evaluate(x[i + k]), v[k], $"erf({x[i + k]})");
        }
    }

    [Fact]
    public void Gelu_VectorForwardAndBackward_MatchScalar()
    {
        var op = new GeluOp();
        Assert.True(op.HasVector && op.HasVectorBackward);
        var x = Points();
        var g = x.Select((_, i) => 0.25f + 0.5f * (i % 7) - 1.3f * (i % 3)).ToArray();
        for (int i = 0; i < x.Length; i += 8)
        {
            var vx = Vector256.Create(x, i);
            var forward = op.Forward(vx);
            var backward = op.Backward(vx, forward, Vector256.Create(g, i));
            for (int k = 0; k < 8; k++)
            {
                float xi = x[i + k];
                AssertClose(op.Forward(xi), forward[k], $"gelu({xi})");
                AssertClose(op.Backward(xi, op.Forward(xi), g[i + k]), backward[k], $"gelu'({xi})·{g[i + k]}");
            }
        }
    }

    private static void AssertClose(float expected, float actual, string label)
    {
        if (float.IsNaN(expected)) { Assert.True(float.IsNaN(actual), $"{label}: scalar NaN, vector {actual}"); return; }
        if (float.IsInfinity(expected)) { Assert.Equal(expected, actual); return; }
        Assert.True(Math.Abs(expected - actual) <= Tolerance * Math.Max(1f, Math.Abs(expected)), $"{label}: scalar {expected}, vector {actual}");
    }
}
