using Generator = DeepNet.Tensors.Generator;
using static TorchSharp.torch;
using DnTensor = DeepNet.Tensors.Tensor;

namespace DeepNet.Compare;

/// <summary>SGEMM n×n·n×n in both libraries (no autograd): the raw kernel against MKL.</summary>
public static class GemmWorkloads
{
    public static Workload Create(int n) => new($"sgemm_{n}",
        () =>
        {
            var a = DnTensor.Randn([n, n], new Generator(1));
            var b = DnTensor.Randn([n, n], new Generator(2));
            return new Side(() => a.MatMul(b).Dispose(), () => { a.Dispose(); b.Dispose(); });
        },
        () =>
        {
            var ta = randn(n, n);
            var tb = randn(n, n);
            return new Side(() => { using var c = matmul(ta, tb); }, () => { ta.Dispose(); tb.Dispose(); });
        },
        Flops: 2.0 * n * n * n);
}
