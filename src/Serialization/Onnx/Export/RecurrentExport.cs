using DeepNet.Layers;
using DeepNet.Tensors;
using static DeepNet.Serialization.Onnx.Export.OnnxGraphBuilder;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>
/// Rnn, Lstm and Gru as ONNX RNN, LSTM and GRU nodes, one per layer (both directions in one node), so
/// the sequence length stays free. PyTorch stacks the gates i, f, g, o (LSTM) and r, z, n (GRU);
/// ONNX wants i, o, f, c and z, r, h, so the weight blocks are reordered into new initializers
/// ("{path}.W_l0", "R_l0", "B_l0"); GRU uses linear_before_reset = 1, which is PyTorch's n-gate.
/// </summary>
internal static class RecurrentExport
{
    public static string Emit(OnnxGraphBuilder g, string x, RecurrentLayer layer, string path, int inputRank)
    {
        var (op, order, activation) = layer switch
        {
            Lstm => ("LSTM", new[] { 0, 3, 1, 2 }, (string?)null),
            Gru => ("GRU", new[] { 1, 0, 2 }, null),
            Rnn rnn => ("RNN", new[] { 0 }, rnn.Nonlinearity == Activation.Relu ? "Relu" : "Tanh"),
            _ => throw new OnnxExportException($"onnx export: recurrent layer {layer.GetType().Name} at '{path}' has no ONNX form"),
        };
        var parameters = layer.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor);
        string prefix = path.Length == 0 ? "" : path + ".";
        int h = layer.HiddenSize, d = layer.Directions;
        // [T, N, in]: batch-first and unbatched inputs are brought to it and back.
        if (inputRank == 2) x = g.Node("Unsqueeze", [x, g.Int64s(1)]);
        else if (layer.BatchFirst) x = g.Node("Transpose", [x], Ints("perm", [1, 0, 2]));
        for (int l = 0; l < layer.NumLayers; l++)
        {
            string[] suffixes = d == 1 ? [$"_l{l}"] : [$"_l{l}", $"_l{l}_reverse"];
            var w = Stack(suffixes.Select(s => Reorder(parameters["weight_ih" + s], order, h)).ToArray());
            var r = Stack(suffixes.Select(s => Reorder(parameters["weight_hh" + s], order, h)).ToArray());
            var inputs = new List<string>
            {
                x,
                g.FloatInitializer(Reserved(g, $"{prefix}W_l{l}"), w.Values, [d, order.Length * h, w.Columns]),
                g.FloatInitializer(Reserved(g, $"{prefix}R_l{l}"), r.Values, [d, order.Length * h, h]),
            };
            if (layer.HasBias)
            {
                var bias = suffixes.SelectMany(s => Reorder(parameters["bias_ih" + s], order, h).Values.Concat(Reorder(parameters["bias_hh" + s], order, h).Values)).ToArray();
                inputs.Add(g.FloatInitializer(Reserved(g, $"{prefix}B_l{l}"), bias, [d, 2 * order.Length * h]));
            }
            var attributes = new List<Proto.AttributeProto> { Int("hidden_size", h) };
            if (d == 2) attributes.Add(new Proto.AttributeProto { Name = "direction", Type = Proto.AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("bidirectional") });
            if (op == "GRU") attributes.Add(Int("linear_before_reset", 1));
            if (activation is not null)
            {
                var names = new Proto.AttributeProto { Name = "activations", Type = Proto.AttributeProto.Types.AttributeType.Strings };
                for (int k = 0; k < d; k++) names.Strings.Add(Google.Protobuf.ByteString.CopyFromUtf8(activation));
                attributes.Add(names);
            }
            var y = g.Node(op, inputs, [.. attributes]);                                          // [T, D, N, H]
            var sequenceFirst = g.Node("Transpose", [y], Ints("perm", [0, 2, 1, 3]));           // [T, N, D, H]
            x = g.Node("Reshape", [sequenceFirst, g.Int64s(0, 0, d * h)]);                     // [T, N, D·H]
        }
        if (inputRank == 2) return g.Node("Squeeze", [x, g.Int64s(1)]);
        return layer.BatchFirst ? g.Node("Transpose", [x], Ints("perm", [1, 0, 2])) : x;
    }

    private static string Reserved(OnnxGraphBuilder g, string name) =>
        g.Reserve(name) ? name : throw new OnnxExportException($"onnx export: the name '{name}' is used twice");

    private sealed record Block(float[] Values, int Columns);

    // rows [G·H, cols] in PyTorch's gate order → the same rows in ONNX's order
    private static Block Reorder(Tensor weight, int[] order, int h)
    {
        var values = weight.ToArray();
        int columns = weight.Rank == 1 ? 1 : weight.Shape[1];
        var result = new float[values.Length];
        for (int k = 0; k < order.Length; k++)
            Array.Copy(values, order[k] * h * columns, result, k * h * columns, h * columns);
        return new Block(result, columns);
    }

    private static Block Stack(Block[] blocks) => new([.. blocks.SelectMany(b => b.Values)], blocks[0].Columns);
}
