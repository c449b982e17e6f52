using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;
using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// Float32 conv2d with groups = 1 as a primitive (Kernels/Fused/Conv2D): y = act(conv(x, w) + bias),
/// act identity or ReLU, with no im2col buffer on the CPU. Tensor.Conv2D and the Conv2D layer run it;
/// other dtypes and groups take the Im2Col → MatMul composite, which
/// tests/DeepNet.Tests/Kernels/Fused/Conv2DFusedTests asserts it equals (forward and gradients).
/// </summary>
internal sealed class Conv2DFunction : Function
{
    private Conv2DGeometry _geometry;
    private int _k;
    private bool _relu, _hasBias;
    private Tensor _x = null!, _weight = null!, _y = null!;

    /// <summary>The windows (ONNX export).</summary>
    internal Conv2DGeometry Geometry => _geometry;

    /// <summary>True when a bias is the third input (ONNX export).</summary>
    internal bool HasBias => _hasBias;

    /// <summary>The activation after the bias (ONNX export).</summary>
    internal IUnaryOp Activation => _relu ? new ReluOp() : new IdentityOp();

    /// <summary>True for what this primitive runs: Float32 throughout and one group.</summary>
    public static bool Handles(Tensor x, Tensor weight, Tensor? bias, int groups) =>
        groups == 1 && x.DType == DType.Float32 && weight.DType == DType.Float32 && bias is null or { DType: DType.Float32 };

    /// <summary>x: [N, C, H, W], weight: [K, C, R, S], bias: [K] or null, geometry validated → [N, K, P, Q].</summary>
    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias, Conv2DGeometry g, bool relu)
    {
        Tensor.CheckSameDevice("conv2d", x, weight);
        if (bias is not null) Tensor.CheckSameDevice("conv2d", x, bias);
        int k = weight.ShapeArray[0];
        using var denseX = Dense(x);
        using var denseW = weight.IsContiguous ? weight.Alias() : Dense(weight);
        using var denseBias = bias is null ? null : Dense(bias);
        var y = Tensor.Empty([g.N, k, g.P, g.Q], x.Device);
        x.Backend.Run(new Conv2D(g, k, denseX.Buffer, denseW.Buffer, denseW.Layout.Offset,
            denseBias?.Buffer, denseBias?.Layout.Offset ?? 0, relu, y.Buffer));
        bool record = bias is null ? ShouldRecord(x, weight) : ShouldRecord(x, weight, bias);
        if (!record) return y;
        var node = new Conv2DFunction { _geometry = g, _k = k, _relu = relu, _hasBias = bias is not null };
        node._x = node.Save(denseX);
        node._weight = node.Save(denseW);
        if (relu) node._y = node.Save(y);
        return bias is null ? node.Record(y, x, weight) : node.Record(y, x, weight, bias);
    }

    // z = conv(x, w) + b, y = act(z) ⇒ dz = act'(z)·dy, dx = conv_transpose(dz, w), dw = Σ dz ⊗ im2col(x), db = Σ dz
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var g = _geometry;
        using var gradY = Dense(gradOutput);
        using var gradZ = _relu ? ReluBackward(gradY) : gradY.Alias();
        var backend = gradZ.Backend;
        Tensor? gradX = null, gradW = null, gradBias = null;
        if (Edges[0].IsLive)
        {
            gradX = Tensor.Empty([g.N, g.C, g.H, g.W], gradZ.Device);
            backend.Run(new Conv2DBackwardInput(g, _k, gradZ.Buffer, _weight.Buffer, _weight.Layout.Offset, gradX.Buffer));
        }
        bool needBias = _hasBias && Edges[2].IsLive;
        if (Edges[1].IsLive)
        {
            gradW = Tensor.Empty(_weight.ShapeArray, gradZ.Device);
            if (needBias) gradBias = Tensor.Empty([_k], gradZ.Device);
            backend.Run(new Conv2DBackwardWeight(g, _k, _x.Buffer, gradZ.Buffer, gradW.Buffer, gradBias?.Buffer));
        }
        else if (needBias) gradBias = gradZ.Sum([0, 2, 3]);
        return _hasBias ? [gradX, gradW, gradBias] : [gradX, gradW];
    }

    // ReLU's derivative from its output: y > 0 exactly where z > 0.
    private Tensor ReluBackward(Tensor gradY)
    {
        var gradZ = Tensor.Empty(gradY.ShapeArray, gradY.Device);
        gradY.Backend.MapBackward(new ReluOp(), _y.Buffer, _y.Layout, _y.Buffer, _y.Layout, gradY.Buffer, gradY.Layout, gradZ.Buffer, gradZ.Layout);
        return gradZ;
    }

    /// <summary>The tensor itself when dense from element 0, else a dense copy (outside the graph).</summary>
    private static Tensor Dense(Tensor t)
    {
        if (t.IsContiguous && t.Layout.Offset == 0) return t.Alias();
        var copy = Tensor.Empty(t.ShapeArray, t.Device);
        t.Backend.Copy(t.Buffer, t.Layout, copy.Buffer, copy.Layout);
        return copy;
    }
}
