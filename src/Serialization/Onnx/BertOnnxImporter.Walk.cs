using DeepNet.Layers.Text;

namespace DeepNet.Serialization.Onnx;

// The graph walk behind BertOnnxImporter.Import: collects Hugging Face-named tensors and the config.
public static partial class BertOnnxImporter
{
    private sealed partial class Walk(OnnxGraphCursor cursor)
    {
        private readonly Dictionary<string, (float[] Data, int[] Shape)> _state = [];
        private float? _eps;
        private int _heads;
        private long _hidden, _intermediate;

        private OnnxGraph Graph => cursor.Graph;

        public (BertConfig Config, Dictionary<string, (float[] Data, int[] Shape)> State, bool HasPooler) Run()
        {
            var ids = Input("input_ids");
            var word = Gather(ids, "input_ids");
            var (vocab, hidden) = (word.Dims[0], word.Dims[1]);
            _hidden = hidden;
            Put("embeddings.word_embeddings.weight", word);
            var wordGather = cursor.Readers(ids.Name).First(n => n.OpType == "Gather");
            // Exported without a token_type_ids input (torch.onnx.export(model, (input_ids, attention_mask))),
            // BERT gathers its token-type table with zeros made from the input's shape: every token is type 0.
            var types = Graph.Inputs.Any(i => i.Name == "token_type_ids") ? Gather(Input("token_type_ids"), "token_type_ids")
                : ZeroTypeTable(wordGather) ?? throw cursor.Fail(null,
                    "the graph has no token_type_ids input and no token-type table gathered with zeros is added to the word embeddings");
            Put("embeddings.token_type_embeddings.weight", types, hidden);
            string sum = EmbeddingSum(wordGather);
            string h = LayerNorm(sum, "embeddings.LayerNorm");
            int layers = 0;
            while (true)
            {
                var consumers = cursor.Readers(h);
                if (consumers.Count(c => c.OpType == "MatMul") != 3) break;
                h = Layer(h, consumers, $"encoder.layer.{layers}");
                layers++;
            }
            if (layers == 0) throw cursor.Fail(Graph.Producer(h), $"expected encoder layers (three MatMul projections) reading '{h}'");
            bool pooler = Pooler(h);
            var positions = _state["embeddings.position_embeddings.weight"].Shape[0];
            var config = new BertConfig
            {
                VocabSize = (int)vocab, HiddenSize = (int)hidden, NumHiddenLayers = layers, NumAttentionHeads = _heads,
                IntermediateSize = (int)_intermediate, MaxPositionEmbeddings = positions, TypeVocabSize = (int)types.Dims[0],
                LayerNormEps = _eps ?? 1e-12f,
            };
            return (config, _state, pooler);
        }

        private OnnxValueInfo Input(string name) =>
            Graph.Inputs.FirstOrDefault(i => i.Name == name) ?? throw cursor.Fail(null, $"the graph has no '{name}' input (inputs: {string.Join(", ", Graph.Inputs.Select(i => i.Name))})");

        // The embedding table a Gather reads with the ids of graph input `input`.
        private OnnxTensor Gather(OnnxValueInfo input, string role)
        {
            var gather = cursor.Readers(input.Name).FirstOrDefault(n => n.OpType == "Gather" && n.Inputs.Count == 2 && n.Inputs[1] == input.Name)
                ?? throw cursor.Fail(null, $"no Gather reads the {role} input as indices");
            cursor.RequireInt(gather, "axis", 0, 0);
            var table = cursor.Constant(gather, 0);
            if (table.Dims.Count != 2) throw cursor.Fail(gather, $"tensor '{table.Name}' has shape {table.ShapeText}, an embedding table is [rows, hidden]");
            return table;
        }

        // word + token_type + position: two Adds after the word Gather; the position table is the Gather on the other side.
        private string EmbeddingSum(OnnxNode wordGather)
        {
            string x = wordGather.Outputs[0];
            for (int i = 0; i < 2; i++)
            {
                var add = cursor.Next(x, "Add", Graph.Producer(x));
                string other = cursor.Other(add, x);
                var producer = Graph.Producer(other);
                if (producer is { OpType: "Gather" } && Graph.Constant(producer.Inputs[0]) is { } table && producer.Inputs[1] != "token_type_ids" && !IsZeros(producer.Inputs[1]))
                {
                    if (table.Dims.Count != 2 || table.Dims[1] != _hidden)
                        throw cursor.Fail(producer, $"tensor '{table.Name}' has shape {table.ShapeText}, position embeddings are [positions, {_hidden}]");
                    Put("embeddings.position_embeddings.weight", table);
                }
                x = add.Outputs[0];
            }
            if (!_state.ContainsKey("embeddings.position_embeddings.weight"))
                throw cursor.Fail(wordGather, "found no position-embedding Gather added to the word embeddings");
            return x;
        }

        // The table of the Gather added after the word embeddings whose indices are all zeros (type 0 for every token), or null.
        private OnnxTensor? ZeroTypeTable(OnnxNode wordGather)
        {
            string x = wordGather.Outputs[0];
            for (int i = 0; i < 2; i++)
            {
                if (cursor.Readers(x).FirstOrDefault(n => n.OpType == "Add") is not { } add) return null;
                var producer = Graph.Producer(cursor.Other(add, x));
                if (producer is { OpType: "Gather" } && Graph.Constant(producer.Inputs[0]) is { } table && IsZeros(producer.Inputs[1])) return table;
                x = add.Outputs[0];
            }
            return null;
        }

        // True when `value` is zeros whatever the inputs hold: a zero constant, ConstantOfShape of zero, or
        // one seen through the shape-only ops an export puts between (Slice, Expand, Cast, Unsqueeze, Reshape).
        private bool IsZeros(string value)
        {
            for (int depth = 0; depth < 16; depth++)
            {
                if (Graph.Constant(value) is { } constant)
                    return constant.IsInteger ? constant.Integers.All(v => v == 0) : constant.IsFloat && constant.Floats.All(v => v == 0);
                var producer = Graph.Producer(value);
                switch (producer?.OpType)
                {
                    case "ConstantOfShape":
                        // The fill defaults to a float 0 when the value attribute is absent.
                        if (!producer.Attributes.TryGetValue("value", out var fill)) return true;
                        var t = fill.Tensor;
                        return t is not null && (t.IsInteger ? t.Integers.All(v => v == 0) : t.IsFloat && t.Floats.All(v => v == 0));
                    case "Slice" or "Expand" or "Cast" or "Unsqueeze" or "Reshape" or "Squeeze" or "Identity":
                        value = producer.Inputs[0];
                        break;
                    default:
                        return false;
                }
            }
            return false;
        }

        private void Put(string name, OnnxTensor tensor, params long[] dims)
        {
            if (dims.Length > 0 && !tensor.Dims.Skip(tensor.Dims.Count - dims.Length).SequenceEqual(dims))
                throw cursor.Fail(null, $"tensor '{tensor.Name}' for {name} has shape {tensor.ShapeText}");
            _state[name] = ((float[])tensor.Floats.Clone(), tensor.Shape);
        }

        // A MatMul weight [in, out] stored as Dense's [out, in].
        private void PutTransposed(string name, OnnxTensor tensor)
        {
            int rows = (int)tensor.Dims[0], cols = (int)tensor.Dims[1];
            var source = tensor.Floats;
            var data = new float[source.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    data[c * rows + r] = source[r * cols + c];
            _state[name] = (data, [cols, rows]);
        }
    }
}
