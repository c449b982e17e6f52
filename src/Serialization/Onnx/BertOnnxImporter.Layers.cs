namespace DeepNet.Serialization.Onnx;

// Encoder layers, LayerNorms, projections and the pooler of BertOnnxImporter's walk.
public static partial class BertOnnxImporter
{
    private sealed partial class Walk
    {
        private string Layer(string h, IReadOnlyList<OnnxNode> consumers, string prefix)
        {
            string? query = null, key = null, value = null;
            OnnxNode? scores = null, context = null;
            foreach (var matmul in consumers.Where(c => c.OpType == "MatMul"))
            {
                var (projection, weight, bias) = Linear(matmul, h, _hidden, _hidden);
                var (heads, final) = SplitHeads(projection, matmul);
                var user = cursor.Next(final.Outputs[0], "MatMul", final);
                int[] perm = Perm(projection);
                string role = perm switch
                {
                    [0, 2, 1, 3] when user.Inputs[0] == final.Outputs[0] => "query",
                    [0, 2, 3, 1] when user.Inputs[1] == final.Outputs[0] => "key",
                    [0, 2, 1, 3] when user.Inputs[1] == final.Outputs[0] => "value",
                    _ => throw cursor.Fail(final, $"cannot tell the projection's role (heads permuted [{string.Join(", ", perm)}])"),
                };
                if (role == "value") context = user; else scores = user;
                PutTransposed($"{prefix}.attention.self.{role}.weight", weight);
                Put($"{prefix}.attention.self.{role}.bias", bias);
                if (_heads != 0 && heads != _heads) throw cursor.Fail(final, $"{heads} heads, other projections have {_heads}");
                _heads = heads;
                (query, key, value) = role switch { "query" => (projection, key, value), "key" => (query, projection, value), _ => (query, key, projection) };
            }
            if (query is null || key is null || value is null || scores is null || context is null)
                throw cursor.Fail(Graph.Producer(h), "expected query, key and value projections");
            CheckScores(scores, context);
            var merged = cursor.Next(context.Outputs[0], "Transpose", context);
            cursor.RequireInts(merged, "perm", [], 0, 2, 1, 3);
            var reshape = cursor.Next(merged.Outputs[0], "Reshape", merged);
            var (attended, wo, bo) = Linear(cursor.Next(reshape.Outputs[0], "MatMul", reshape), reshape.Outputs[0], _hidden, _hidden);
            PutTransposed($"{prefix}.attention.output.dense.weight", wo);
            Put($"{prefix}.attention.output.dense.bias", bo);
            string a = LayerNorm(Residual(attended, h), $"{prefix}.attention.output.LayerNorm");

            var up = cursor.Readers(a).FirstOrDefault(c => c.OpType == "MatMul") ?? throw cursor.Fail(Graph.Producer(a), "expected the feed-forward MatMul");
            var (u, w1, b1) = Linear(up, a, _hidden, null);
            if (_intermediate != 0 && w1.Dims[1] != _intermediate) throw cursor.Fail(up, $"tensor '{w1.Name}' has shape {w1.ShapeText}, other layers' are [{_hidden}, {_intermediate}]");
            _intermediate = w1.Dims[1];
            PutTransposed($"{prefix}.intermediate.dense.weight", w1);
            Put($"{prefix}.intermediate.dense.bias", b1);
            string g = Gelu(u);
            var (down, w2, b2) = Linear(cursor.Next(g, "MatMul", Graph.Producer(g)), g, _intermediate, _hidden);
            PutTransposed($"{prefix}.output.dense.weight", w2);
            Put($"{prefix}.output.dense.bias", b2);
            return LayerNorm(Residual(down, a), $"{prefix}.output.LayerNorm");
        }

        // MatMul(x, W[in, out]) → Add(bias[out]); returns the Add's output, W and the bias.
        private (string Output, OnnxTensor Weight, OnnxTensor Bias) Linear(OnnxNode matmul, string x, long inDim, long? outDim)
        {
            if (matmul.Inputs[0] != x) throw cursor.Fail(matmul, $"expected '{x}' as the left operand");
            var weight = cursor.Constant(matmul, 1);
            if (weight.Dims.Count != 2 || weight.Dims[0] != inDim || (outDim is long o && weight.Dims[1] != o))
                throw cursor.Fail(matmul, $"tensor '{weight.Name}' has shape {weight.ShapeText}, the architecture needs [{inDim}, {outDim?.ToString() ?? "out"}]");
            var add = cursor.Next(matmul.Outputs[0], "Add", matmul);
            string other = cursor.Other(add, matmul.Outputs[0]);
            var bias = Graph.Constant(other) ?? throw cursor.Fail(add, $"'{other}' must be the bias (a constant)");
            if (!bias.Dims.SequenceEqual([weight.Dims[1]]))
                throw cursor.Fail(add, $"tensor '{bias.Name}' has shape {bias.ShapeText}, the bias needs [{weight.Dims[1]}]");
            return (add.Outputs[0], weight, bias);
        }

        // Reshape to [N, S, heads, d] then Transpose(s): returns the head count and the last Transpose.
        private (int Heads, OnnxNode Final) SplitHeads(string projection, OnnxNode from)
        {
            var reshape = cursor.Next(projection, "Reshape", from);
            var dims = ShapeOperand(reshape);
            if (dims.Length < 2 || dims[^1] * dims[^2] != _hidden || dims[^1] < 1)
                throw cursor.Fail(reshape, $"expected a split of {_hidden} into [heads, head_dim], found [{string.Join(", ", dims)}]");
            var final = cursor.Next(reshape.Outputs[0], "Transpose", reshape);
            while (cursor.Readers(final.Outputs[0]) is [{ OpType: "Transpose" } next]) final = next;
            return ((int)dims[^2], final);
        }

        // The composed permutation of the Transposes after a projection's Reshape.
        private int[] Perm(string projection)
        {
            var node = cursor.Readers(cursor.Readers(projection)[0].Outputs[0])[0];
            int[] perm = [0, 1, 2, 3];
            while (node.OpType == "Transpose")
            {
                var p = node.Ints("perm", []);
                perm = p.Select(i => perm[i]).ToArray();
                if (cursor.Readers(node.Outputs[0]) is not [{ OpType: "Transpose" } next]) break;
                node = next;
            }
            return perm;
        }

        // The target shape of a Reshape: a constant, or a Concat whose trailing inputs are constants.
        private long[] ShapeOperand(OnnxNode reshape)
        {
            if (Graph.Constant(reshape.Inputs[1]) is { IsInteger: true } constant) return constant.Integers;
            var concat = Graph.Producer(reshape.Inputs[1]);
            if (concat is not { OpType: "Concat" }) throw cursor.Fail(reshape, "its shape is neither a constant nor a Concat");
            return concat.Inputs.Select(i => Graph.Constant(i) is { IsInteger: true, ElementCount: 1 } t ? t.Integers[0] : 0).ToArray();
        }

        // scores = q·kᵀ / √d (Div or Mul by the reciprocal) + mask → Softmax(-1) → the context MatMul's left side.
        private void CheckScores(OnnxNode scores, OnnxNode context)
        {
            float d = _hidden / _heads;
            var scale = cursor.Readers(scores.Outputs[0]) is [var s] ? s : throw cursor.Fail(scores, "expected one scaling node");
            float factor = scale.OpType switch
            {
                "Div" => 1f / cursor.ScalarOperand(scale, scores.Outputs[0]),
                "Mul" => cursor.ScalarOperand(scale, scores.Outputs[0]),
                _ => throw cursor.Fail(scale, "expected the scores scaled by Div or Mul"),
            };
            if (Math.Abs(factor * MathF.Sqrt(d) - 1f) > 1e-5f) throw cursor.Fail(scale, $"scale {factor} is not 1/√{d}");
            var mask = cursor.Next(scale.Outputs[0], "Add", scale);
            var softmax = cursor.Next(mask.Outputs[0], "Softmax", mask);
            long axis = softmax.Int("axis", -1);
            if (axis is not (-1 or 3)) throw cursor.Fail(softmax, $"axis {axis}; attention normalizes over the keys (-1)");
            if (context.Inputs[0] != softmax.Outputs[0]) throw cursor.Fail(context, "the values must be mixed by the softmax weights");
        }

        private string Residual(string x, string residual)
        {
            var add = cursor.Next(x, "Add", Graph.Producer(x));
            if (cursor.Other(add, x) != residual) throw cursor.Fail(add, $"expected the residual '{residual}'");
            return add.Outputs[0];
        }

        // gelu(u) = u·½(1 + erf(u/√2)), as torch exports it, or one Gelu node.
        private string Gelu(string u)
        {
            var consumers = cursor.Readers(u);
            if (consumers is [{ OpType: "Gelu" } gelu])
            {
                if (gelu.String("approximate", "none") != "none") throw cursor.Fail(gelu, "the tanh approximation is not BERT's GELU");
                return gelu.Outputs[0];
            }
            var div = consumers.FirstOrDefault(c => c.OpType == "Div") ?? throw cursor.Fail(Graph.Producer(u), "expected the exact (erf) GELU");
            if (Math.Abs(cursor.ScalarOperand(div, u) - MathF.Sqrt(2f)) > 1e-5f) throw cursor.Fail(div, "expected u / √2");
            var erf = cursor.Next(div.Outputs[0], "Erf", div);
            var plusOne = cursor.Next(erf.Outputs[0], "Add", erf);
            if (cursor.ScalarOperand(plusOne, erf.Outputs[0]) != 1f) throw cursor.Fail(plusOne, "expected 1 + erf(·)");
            var times = cursor.Next(plusOne.Outputs[0], "Mul", plusOne);
            string result = times.Outputs[0];
            float half = 1f;
            if (cursor.Other(times, plusOne.Outputs[0]) != u)
            {
                half = cursor.ScalarOperand(times, plusOne.Outputs[0]);
                var outer = cursor.Next(result, "Mul", times);
                if (cursor.Other(outer, result) != u) throw cursor.Fail(outer, $"expected the product with '{u}'");
                result = outer.Outputs[0];
            }
            else if (cursor.Readers(result) is [{ OpType: "Mul" } halve])
            {
                half = cursor.ScalarOperand(halve, result);
                result = halve.Outputs[0];
            }
            if (half != 0.5f) throw cursor.Fail(times, $"expected the factor ½, found {half}");
            return result;
        }

        // One LayerNormalization node, or torch's decomposition; records weight, bias and epsilon.
        private string LayerNorm(string x, string name)
        {
            var consumers = cursor.Readers(x);
            OnnxTensor gamma, beta;
            float eps;
            string output;
            if (consumers.FirstOrDefault(c => c.OpType == "LayerNormalization") is { } node)
            {
                cursor.RequireInt(node, "axis", -1, -1);
                eps = node.Float("epsilon", 1e-5f);
                (gamma, beta, output) = (cursor.Constant(node, 1, _hidden), cursor.Constant(node, 2, _hidden), node.Outputs[0]);
            }
            else
            {
                var mean = consumers.FirstOrDefault(c => c.OpType == "ReduceMean") ?? throw cursor.Fail(Graph.Producer(x), $"expected a LayerNorm of '{x}'");
                var centered = cursor.Next(mean.Outputs[0], "Sub", mean);
                var pow = cursor.Readers(centered.Outputs[0]).FirstOrDefault(c => c.OpType == "Pow") ?? throw cursor.Fail(centered, "expected the squared deviation");
                var variance = cursor.Next(pow.Outputs[0], "ReduceMean", pow);
                var plusEps = cursor.Next(variance.Outputs[0], "Add", variance);
                eps = cursor.ScalarOperand(plusEps, variance.Outputs[0]);
                var sqrt = cursor.Next(plusEps.Outputs[0], "Sqrt", plusEps);
                var div = cursor.Next(sqrt.Outputs[0], "Div", sqrt);
                var scale = cursor.Next(div.Outputs[0], "Mul", div);
                gamma = Graph.Constant(cursor.Other(scale, div.Outputs[0])) ?? throw cursor.Fail(scale, "expected the LayerNorm weight");
                var shift = cursor.Next(scale.Outputs[0], "Add", scale);
                beta = Graph.Constant(cursor.Other(shift, scale.Outputs[0])) ?? throw cursor.Fail(shift, "expected the LayerNorm bias");
                output = shift.Outputs[0];
            }
            if (_eps is float known && known != eps) throw cursor.Fail(Graph.Producer(output), $"epsilon {eps} differs from the other LayerNorms' {known}");
            _eps = eps;
            Put(name + ".weight", gamma, _hidden);
            Put(name + ".bias", beta, _hidden);
            return output;
        }

        // Gather(h, 0, axis 1) → Gemm (or MatMul + Add) → Tanh, when the graph computes the pooled output.
        private bool Pooler(string h)
        {
            var consumers = cursor.Readers(h).Where(c => c.OpType != "Identity").ToList();
            if (consumers.Count == 0) return false;
            var first = consumers.FirstOrDefault(c => c.OpType == "Gather")
                ?? throw cursor.Fail(Graph.Producer(h), $"after the last layer expected the pooler's Gather, found [{string.Join(", ", consumers)}]");
            cursor.RequireInt(first, "axis", 0, 1);
            if (Graph.Constant(first.Inputs[1]) is not { IsInteger: true, ElementCount: 1 } index || index.Integers[0] != 0)
                throw cursor.Fail(first, "the pooler reads the first token (index 0)");
            var dense = cursor.Readers(first.Outputs[0]) is [var d] ? d : throw cursor.Fail(first, "expected the pooler's dense layer");
            string pooled;
            if (dense.OpType == "Gemm")
            {
                var weight = cursor.Constant(dense, 1, _hidden, _hidden);
                if (dense.Float("alpha", 1f) != 1f || dense.Float("beta", 1f) != 1f || dense.Int("transA", 0) != 0)
                    throw cursor.Fail(dense, "alpha, beta must be 1 and transA 0");
                if (dense.Int("transB", 0) == 1) Put("pooler.dense.weight", weight); else PutTransposed("pooler.dense.weight", weight);
                Put("pooler.dense.bias", cursor.Constant(dense, 2, _hidden));
                pooled = dense.Outputs[0];
            }
            else
            {
                var (output, weight, bias) = Linear(cursor.Expect(dense, "MatMul"), first.Outputs[0], _hidden, _hidden);
                PutTransposed("pooler.dense.weight", weight);
                Put("pooler.dense.bias", bias);
                pooled = output;
            }
            cursor.Next(pooled, "Tanh", dense);
            return true;
        }
    }
}
