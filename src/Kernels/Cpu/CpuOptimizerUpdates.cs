using System.Runtime.Intrinsics;
using DeepNet.Kernels.Fused;

namespace DeepNet.Kernels.Cpu;

// Fused optimizer updates, in place, one pass over param/grad/state (dense slices of one length):
// Adam/AdamW (AdamStep) and SGD with momentum (SgdStep). Vector256 bodies mirror the scalar
// AdamStep.Update / SgdStep.Update, which also take the tails. Parallel above the threshold.
// Oracle: tests/DeepNet.Tests/Tensors/FusedOptimizerTests (torch.optim formulas in double).
public sealed partial class CpuBackend
{
    public void AdamUpdate(AdamStep step, long length, ContiguousSlice param, ContiguousSlice grad, ContiguousSlice expAvg, ContiguousSlice expAvgSq,
        ContiguousSlice? maxExpAvgSq)
    {
        float[] p = Data(param.Buffer), g = Data(grad.Buffer), m = Data(expAvg.Buffer), v = Data(expAvgSq.Buffer);
        float[] vMax = maxExpAvgSq is { } mx ? Data(mx.Buffer) : [0f];
        int p0 = param.Offset, g0 = grad.Offset, m0 = expAvg.Offset, v0 = expAvgSq.Offset, x0 = maxExpAvgSq?.Offset ?? 0;
        bool ams = step.Amsgrad != 0;
        if (ams && maxExpAvgSq is null) throw new ArgumentException("adam_update: AMSGrad needs the max_exp_avg_sq buffer");
        For(length, (lo, hi) =>
        {
            int i = (int)lo, end = (int)hi;
            var decay = Vector256.Create(step.Decoupled != 0 ? 1f - step.LearningRate * step.WeightDecay : 1f);
            var l2 = Vector256.Create(step.Decoupled != 0 ? 0f : step.WeightDecay);
            var b1 = Vector256.Create(step.Beta1);
            var c1 = Vector256.Create(1f - step.Beta1);
            var b2 = Vector256.Create(step.Beta2);
            var c2 = Vector256.Create(1f - step.Beta2);
            var stepSize = Vector256.Create(step.LearningRate / step.BiasCorrection1);
            var bc2 = Vector256.Create(step.BiasCorrection2Sqrt);
            var eps = Vector256.Create(step.Eps);
            for (; i <= end - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var pv = Vector256.Create(p, p0 + i);
                var gv = Vector256.Create(g, g0 + i) + l2 * pv;
                pv *= decay;
                var mv = b1 * Vector256.Create(m, m0 + i) + c1 * gv;
                var vv = b2 * Vector256.Create(v, v0 + i) + c2 * gv * gv;
                mv.CopyTo(m, m0 + i);
                vv.CopyTo(v, v0 + i);
                if (ams)
                {
                    vv = Vector256.Max(Vector256.Create(vMax, x0 + i), vv);
                    vv.CopyTo(vMax, x0 + i);
                }
                (pv - stepSize * mv / (Vector256.Sqrt(vv) / bc2 + eps)).CopyTo(p, p0 + i);
            }
            float dummy = 0f;
            for (; i < end; i++)
                p[p0 + i] = step.Update(p[p0 + i], g[g0 + i], ref m[m0 + i], ref v[v0 + i], ref ams ? ref vMax[x0 + i] : ref dummy);
        });
    }

    public void SgdUpdate(SgdStep step, long length, ContiguousSlice param, ContiguousSlice grad, ContiguousSlice? momentumBuffer)
    {
        float[] p = Data(param.Buffer), g = Data(grad.Buffer);
        float[] b = momentumBuffer is { } mb ? Data(mb.Buffer) : [0f];
        int p0 = param.Offset, g0 = grad.Offset, b0 = momentumBuffer?.Offset ?? 0;
        bool momentum = step.HasMomentum != 0;
        if (momentum && momentumBuffer is null) throw new ArgumentException("sgd_update: momentum needs the momentum buffer");
        For(length, (lo, hi) =>
        {
            int i = (int)lo, end = (int)hi;
            var lr = Vector256.Create(step.LearningRate);
            var wd = Vector256.Create(step.WeightDecay);
            var mu = Vector256.Create(step.Momentum);
            var damp = Vector256.Create(1f - step.Dampening);
            for (; i <= end - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var pv = Vector256.Create(p, p0 + i);
                var d = Vector256.Create(g, g0 + i) + wd * pv;
                if (momentum)
                {
                    var bv = step.FirstStep != 0 ? d : mu * Vector256.Create(b, b0 + i) + damp * d;
                    bv.CopyTo(b, b0 + i);
                    d = step.Nesterov != 0 ? d + mu * bv : bv;
                }
                (pv - lr * d).CopyTo(p, p0 + i);
            }
            float dummy = 0f;
            for (; i < end; i++)
                p[p0 + i] = step.Update(p[p0 + i], g[g0 + i], ref momentum ? ref b[b0 + i] : ref dummy);
        });
    }
}
