using DeepNet.Kernels;
using DeepNet.Kernels.Fused;
using DeepNet.Tensors;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Autograd.Functions;

/// <summary>Batched matmul with broadcast batch dims: a [..., M, K] · b [..., K, N] → [..., M, N].</summary>
internal sealed class MatMulFunction : Function
{
    private Tensor _a = null!, _b = null!;

    public static Tensor Apply(Tensor a, Tensor b)
    {
        Tensor.CheckSameDevice("matmul", a, b);
        // Two matrices (Dense, and every product of its backward): the [M, N] shape on the stack, no batch arrays.
        ReadOnlySpan<int> shape = a.Rank == 2 && b.Rank == 2 && a.ShapeArray[1] == b.ShapeArray[0]
            ? [a.ShapeArray[0], b.ShapeArray[1]]
            : MatMulShape.Infer(a.ShapeArray, b.ShapeArray);
        // torch.matmul refuses mixed dtypes (elementwise ops promote; a GEMM does not): convert one, or use autocast.
        HalfScratch.RequireSameDType("matmul", a, b);
        var c = HalfScratch.IsHalf(a.DType) || HalfScratch.IsHalf(b.DType) ? HalfProduct(a, b, shape) : Product(a, b, shape);
        if (!ShouldRecord(a, b)) return c;
        var node = new MatMulFunction();
        node._a = node.Save(a);
        node._b = node.Save(b);
        return node.Record(c, a, b);
    }

    private static Tensor Product(Tensor a, Tensor b, ReadOnlySpan<int> shape, bool bfloat16Values = false)
    {
        var batch = shape[..^2];
        var c = Tensor.Empty(shape, a.Device, dtype: DTypeRouting.KernelDType(a));
        // b shared by every batch (Dense's Wᵀ on [S, N, E]) and a's rows one strided run: one GEMM
        // [B·M, K]·[K, N] (b packed once) instead of a GEMM per batch that each packs b again.
        if (b.Rank == 2 && batch.Length > 0 && FoldedRows(a.Layout) is { } rows)
        {
            int n = shape[^1];
            a.Backend.MatMul(a.Buffer, rows, b.Buffer, b.Layout, c.Buffer, new StridedLayout([rows.Shape[0], n], [n, 1], c.Layout.Offset));
            return c;
        }
        bool matrices = a.Rank == 2 && b.Rank == 2;   // nothing to broadcast: no target shapes to build
        var aLayout = matrices ? a.Layout : ShapeMath.BroadcastTo(a.Layout, [.. batch, a.ShapeArray[^2], a.ShapeArray[^1]]);
        var bLayout = matrices ? b.Layout : ShapeMath.BroadcastTo(b.Layout, [.. batch, b.ShapeArray[^2], b.ShapeArray[^1]]);
        if (bfloat16Values) a.Backend.Run(new BFloat16MatMul(a.Buffer, aLayout, b.Buffer, bLayout, c.Buffer, c.Layout));
        else a.Backend.MatMul(a.Buffer, aLayout, b.Buffer, bLayout, c.Buffer, c.Layout);
        return c;
    }

    // 16-bit operands: the float32 GEMM on scratch copies (float32 accumulation), rounded once into
    // the 16-bit output; the node saves a and b themselves (HalfScratch). BFloat16 runs the BFloat16MatMul
    // unit: bf16 tensor cores on sm_80+ GPUs, the same fp32 GEMM elsewhere.
    private static Tensor HalfProduct(Tensor a, Tensor b, ReadOnlySpan<int> shape)
    {
        HalfScratch.RequireSameDType("matmul", a, b);
        using var a32 = HalfScratch.Float32(a);
        using var b32 = HalfScratch.Float32(b);
        return HalfScratch.Round(Product(a32, b32, shape, bfloat16Values: a.DType == DType.BFloat16), a.DType);
    }

    // c = a·b ⇒ da = dc·bᵀ, db = aᵀ·dc (transposes are stride swaps, no copies)
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        Tensor? gradA = null, gradB = null;
        if (Edges[0].IsLive)
        {
            using var bT = _b.Transpose(-1, -2);
            gradA = gradOutput.MatMul(bT);
        }
        if (Edges[1].IsLive && _b.Rank == 2 && _a.Rank > 2 && _a.Size > 0)
        {
            // b is shared by every batch (Dense on [S, N, E]): fold the batch into the contraction,
            // one GEMM instead of a GEMM per batch and a strided sum over batches.
            using var a2 = _a.Reshape(-1, _a.ShapeArray[^1]);
            using var g2 = gradOutput.Reshape(-1, gradOutput.ShapeArray[^1]);
            gradB = GradB(a2, g2, _b);
        }
        else if (Edges[1].IsLive) gradB = GradB(_a, gradOutput, _b);
        return Gradients(gradA, gradB);
    }

    // db = aᵀ·dc. For a transposed dense b (Dense's weightᵀ) compute dbᵀ = dcᵀ·a densely and hand back its
    // transpose, so the gradient reaches the weight row-major and Backprop keeps it without a copy.
    private static Tensor GradB(Tensor a, Tensor gradOutput, Tensor b)
    {
        if (IsTransposedContiguous(b))
        {
            using var gT = gradOutput.Transpose(-1, -2);
            using var gradBT = gT.MatMul(a);
            return gradBT.Transpose(-1, -2);
        }
        using var aT = a.Transpose(-1, -2);
        return aT.MatMul(gradOutput);
    }

    /// <summary>
    /// a [..., M, K] as one [B·M, K] matrix when its batch and row dims step through memory as a single
    /// stride (a dense or row-sliced tensor); null otherwise (a transpose of the batch dims, a broadcast).
    /// </summary>
    private static StridedLayout? FoldedRows(StridedLayout a)
    {
        int rank = a.Rank, rowDim = rank - 2;
        if (a.Shape[rowDim] < 2) return null;   // a single row's stride says nothing about the run
        long rows = a.Shape[rowDim];
        long next = (long)a.Strides[rowDim] * a.Shape[rowDim];
        for (int d = rowDim - 1; d >= 0; d--)
        {
            if (a.Shape[d] == 1) continue;
            if (a.Strides[d] != next) return null;
            rows *= a.Shape[d];
            next *= a.Shape[d];
        }
        if (rows > int.MaxValue) return null;
        return new StridedLayout([(int)rows, a.Shape[^1]], [a.Strides[rowDim], a.Strides[^1]], a.Offset);
    }

    /// <summary>True for a 2-d view whose transpose is dense row-major (strides [1, rows]).</summary>
    private static bool IsTransposedContiguous(Tensor t)
    {
        var layout = t.Layout;
        return t.Rank == 2 && t.ShapeArray[0] > 1 && t.ShapeArray[1] > 1
            && layout.Strides[0] == 1 && layout.Strides[1] == t.ShapeArray[0];
    }
}
