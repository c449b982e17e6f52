using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Testing;

/// <summary>Elementwise comparisons of tensors with references computed in double.</summary>
public static class TensorAssert
{
    /// <summary>Asserts |actual − expected| ≤ abs + rel·|expected| everywhere, naming the first element at fault.</summary>
    public static void Close(double[] expected, float[] actual, double abs = 1e-5, double rel = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = abs + rel * Math.Abs(expected[i]);
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance,
                $"element {i}: expected {expected[i]:G8}, got {actual[i]:G8} (tolerance {tolerance:G3})");
        }
    }

    public static void Close(float[] expected, float[] actual, double abs = 1e-5, double rel = 1e-4) =>
        Close(expected.Select(v => (double)v).ToArray(), actual, abs, rel);

    public static void Close(double[] expected, Tensor actual, double abs = 1e-5, double rel = 1e-4) =>
        Close(expected, actual.ToArray(), abs, rel);

    public static void ShapeIs(int[] expected, Tensor actual) => Assert.Equal(expected, actual.Shape.ToArray());
}
