using DeepNet.Autograd.Functions;
using static DeepNet.Serialization.Onnx.Export.OnnxGraphBuilder;

namespace DeepNet.Serialization.Onnx.Export;

// Im2Col outside a recognized convolution or pooling (custom code on Tensor.Conv2D's pieces, ceil-mode
// pooling): Pad with the op's pad value, then one strided Slice per kernel offset, stacked as rows.
internal sealed partial class OnnxEmitter
{
    private string Im2Col(TraceNode node, Im2ColFunction im2col)
    {
        var (geometry, padValue) = im2col.Windows;
        var x = In(node, 0);
        if (geometry.PadH > 0 || geometry.PadW > 0)
        {
            long ph = geometry.PadH, pw = geometry.PadW;
            x = g.Node("Pad", [x, g.Int64s(0, 0, ph, pw, 0, 0, ph, pw), g.Scalar(padValue)]);
        }
        var rows = new List<string>(geometry.R * geometry.S);
        for (int r = 0; r < geometry.R; r++)
            for (int s = 0; s < geometry.S; s++)
            {
                long top = (long)r * geometry.DilationH, left = (long)s * geometry.DilationW;
                var window = g.Node("Slice", [x, g.Int64s(top, left),
                    g.Int64s(top + (long)(geometry.P - 1) * geometry.StrideH + 1, left + (long)(geometry.Q - 1) * geometry.StrideW + 1),
                    g.Int64s(2, 3), g.Int64s(geometry.StrideH, geometry.StrideW)]);                 // [N, C, P, Q]
                rows.Add(g.Node("Unsqueeze", [window, g.Int64s(2)]));
            }
        // [N, C, R·S, P, Q] → [N, C·R·S, P·Q]: row c·RS + r·S + s, column p·Q + q, as the kernel lays them out.
        var stacked = rows.Count == 1 ? rows[0] : g.Node("Concat", rows, Int("axis", 2));
        return g.Node("Reshape", [stacked, g.ReshapeTarget(node.Shape, node.ShapeB, node.Describe())]);
    }
}
