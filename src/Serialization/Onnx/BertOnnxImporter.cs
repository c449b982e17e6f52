using DeepNet.Layers.Text;
using DeepNet.Tensors;

namespace DeepNet.Serialization.Onnx;

/// <summary>
/// Builds a <see cref="BertModel"/> from an ONNX export of a BERT encoder (Hugging Face's
/// BertModel through torch.onnx, as all-MiniLM-L6-v2's model.onnx) by walking the graph: the word,
/// token-type and position Gathers, each LayerNorm (one LayerNormalization node or its
/// ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add decomposition, epsilon read from it), per layer the three
/// projections told apart by where they flow (query into the scores' left side, key transposed into
/// their right, value after the softmax), the head count from the reshape, the exact-erf GELU, and
/// the pooler Gemm → Tanh when present. MatMul weights ([in, out]) are transposed to Dense's
/// [out, in]. A structure or shape that does not fit is an <see cref="OnnxFormatException"/>
/// naming the node and tensor; the model comes back in eval mode.
/// </summary>
public static partial class BertOnnxImporter
{
    /// <summary>Reads <paramref name="path"/> and imports it.</summary>
    public static BertModel Import(string path) => Import(OnnxModel.Load(path));

    /// <summary>Maps the graph's initializers onto a new BertModel; nothing is built unless every check passes.</summary>
    public static BertModel Import(OnnxModel model)
    {
        var walk = new Walk(new OnnxGraphCursor(model, "BERT encoder"));
        var (config, state, hasPooler) = walk.Run();
        var bert = new BertModel(config, hasPooler);
        try
        {
            var tensors = state.ToDictionary(kv => kv.Key, kv => Tensor.FromArray(kv.Value.Data, kv.Value.Shape));
            var expected = bert.StateDict().Keys.ToHashSet();
            if (!expected.SetEquals(tensors.Keys))
                throw new OnnxFormatException($"onnx: '{model.File}' mapped [{string.Join(", ", tensors.Keys.Except(expected))}] but the BERT model needs [{string.Join(", ", expected.Except(tensors.Keys))}]");
            bert.LoadStateDict(tensors);
            foreach (var t in tensors.Values) t.Dispose();
            bert.Eval();
            return bert;
        }
        catch
        {
            bert.Dispose();
            throw;
        }
    }
}
