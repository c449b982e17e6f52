using ILGPU;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Gpu;

// Fused kernels: the in-place Adam / SGD updates (one thread per parameter element, AdamStep / SgdStep math).
// Offsets are arguments, not sub-views: ILGPU assumes view parameters are 256-byte aligned.
// Oracles: GpuParityTests (CpuBackend on the same inputs) and tests/DeepNet.Tests/Tensors/FusedTests.
internal static class GpuFusedKernels
{
    // p, m, v (and vMax with AMSGrad) updated in place from g; offsets p0, g0, m0, v0, x0
    public static void AdamUpdateKernel(Index1D i, AdamStep step, int p0, int g0, int m0, int v0, int x0,
        ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, ArrayView<float> vMax)
    {
        float mi = m[m0 + i], vi = v[v0 + i], xi = step.Amsgrad != 0 ? vMax[x0 + i] : 0f;
        p[p0 + i] = step.Update(p[p0 + i], g[g0 + i], ref mi, ref vi, ref xi);
        m[m0 + i] = mi;
        v[v0 + i] = vi;
        if (step.Amsgrad != 0) vMax[x0 + i] = xi;
    }

    // p (and the momentum buffer b) updated in place from g; offsets p0, g0, b0
    public static void SgdUpdateKernel(Index1D i, SgdStep step, int p0, int g0, int b0,
        ArrayView<float> p, ArrayView<float> g, ArrayView<float> b)
    {
        float bi = step.HasMomentum != 0 && step.FirstStep == 0 ? b[b0 + i] : 0f;
        p[p0 + i] = step.Update(p[p0 + i], g[g0 + i], ref bi);
        if (step.HasMomentum != 0) b[b0 + i] = bi;
    }
}
