using DeepNet.Kernels.Fused;
using Xunit;

namespace DeepNet.Tests.Kernels.Fused;

/// <summary>
/// The attention kernels' key-block packing against its definition, dst[d·Width + j] = src[start + j·stride + d]
/// (0 past count): full and partial blocks, head dims on and off the 8×8 transpose's grid.
/// </summary>
public class AttentionBlocksTests
{
    [Theory]
    [InlineData(64, 32, 96)]
    [InlineData(64, 8, 8)]
    [InlineData(17, 12, 40)]
    [InlineData(7, 16, 16)]
    [InlineData(9, 6, 11)]
    [InlineData(0, 8, 8)]
    [InlineData(40, 64, 384)]
    public void PackTransposed_MatchesDefinition(int count, int dim, int stride)
    {
        const int width = AttentionBlocks.Width, start = 5;
        var rng = new Random(count * 100 + dim);
        var src = new float[start + Math.Max(count - 1, 0) * stride + dim];
        for (int i = 0; i < src.Length; i++) src[i] = (float)(rng.NextDouble() * 2 - 1);
        var dst = new float[dim * width + 3];
        Array.Fill(dst, float.NaN);
        AttentionBlocks.PackTransposed(src, start, stride, count, dim, dst);
        for (int d = 0; d < dim; d++)
            for (int j = 0; j < width; j++)
            {
                float expected = j < count ? src[start + j * stride + d] : 0f;
                Assert.True(expected.Equals(dst[d * width + j]), $"count {count}, dim {dim}: dst[{d}, {j}] = {dst[d * width + j]}, expected {expected}");
            }
        for (int g = dim * width; g < dst.Length; g++) Assert.True(float.IsNaN(dst[g]));
    }

    [Fact]
    public void PackTransposed_Throws_WhenTheRowsRunPastTheSource()
    {
        var ex = Assert.Throws<ArgumentException>(() => AttentionBlocks.PackTransposed(new float[100], 0, 16, 8, 8, new float[8 * AttentionBlocks.Width]));
        Assert.Contains("attention", ex.Message);
    }
}
