using ILGPU;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// The CPU accelerator's stand-in for an m16n8k8 mma.sync (no inline PTX there): the lanes have put
/// their A and B fragments into the warp's scratch as A[16×8] then B[8×8] (k-major), as the PTX ISA
/// fragment layout places them; each lane reads back its C fragment's dot products, k in order.
/// </summary>
internal static class GpuMmaEmulation
{
    public static void Accumulate(ArrayView<float> scratch, int gr, int tc, ref float c0, ref float c1, ref float c2, ref float c3)
    {
        Warp.Barrier();
        for (int k = 0; k < 8; k++)
        {
            float x = scratch[gr * 8 + k], y = scratch[(gr + 8) * 8 + k];
            float p = scratch[128 + k * 8 + 2 * tc], q = scratch[128 + k * 8 + 2 * tc + 1];
            c0 += x * p;
            c1 += x * q;
            c2 += y * p;
            c3 += y * q;
        }
        Warp.Barrier();
    }
}
