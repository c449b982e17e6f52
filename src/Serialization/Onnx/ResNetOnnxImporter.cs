using DeepNet.Layers.Vision;
using DeepNet.Tensors;

namespace DeepNet.Serialization.Onnx;

/// <summary>
/// Builds a <see cref="ResNet"/> (basic blocks: ResNet-18/34) from an ONNX graph by walking its
/// structure, not by tensor names (a CNTK export names them Parameter91, Constant98...): stem
/// Conv 7×7/2 → BatchNormalization → Relu → MaxPool 3×3/2, then residual blocks (Conv → BN → Relu
/// → Conv → BN → Add with the identity or a 1×1 Conv → BN shortcut → Relu), grouped into stages
/// where the stride is 2, then a global average pool and optionally Flatten/Reshape → Gemm (the fc
/// head). Asymmetric padding (CNTK's begin 3/end 2) is accepted where it gives the same windows
/// as torchvision's symmetric padding for the graph's declared input size. Anything else, or an
/// initializer whose shape does not fit, is an <see cref="OnnxFormatException"/> naming the node
/// and tensor. The model comes back in eval mode.
/// </summary>
public static class ResNetOnnxImporter
{
    private static readonly long[] Widths = [64, 128, 256, 512];

    /// <summary>Reads <paramref name="path"/> and imports it (<see cref="OnnxModel.Load"/> then <see cref="Import(OnnxModel)"/>).</summary>
    public static ResNet Import(string path) => Import(OnnxModel.Load(path));

    /// <summary>Maps the graph's initializers onto a new ResNet; nothing is built unless every check passes.</summary>
    public static ResNet Import(OnnxModel model)
    {
        var walk = new Walk(new OnnxGraphCursor(model, "ResNet (basic blocks)"));
        var state = walk.Run();
        var resnet = new ResNet(walk.Layers, walk.NumClasses, walk.Eps);
        try
        {
            var tensors = state.ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor());
            var expected = resnet.StateDict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToHashSet();
            if (!expected.SetEquals(tensors.Keys))
                throw new OnnxFormatException($"onnx: '{model.File}' mapped [{string.Join(", ", tensors.Keys.Except(expected))}] but the ResNet needs [{string.Join(", ", expected.Except(tensors.Keys))}]");
            resnet.LoadStateDict(tensors, strict: false);
            foreach (var t in tensors.Values) t.Dispose();
            resnet.Eval();
            return resnet;
        }
        catch
        {
            resnet.Dispose();
            throw;
        }
    }

    /// <summary>One pass over the graph, collecting torchvision-named tensors and the architecture.</summary>
    private sealed class Walk(OnnxGraphCursor cursor)
    {
        private readonly Dictionary<string, OnnxTensor> _state = [];
        private long? _h, _w;
        private float? _eps;

        public int[] Layers { get; private set; } = [];
        public int? NumClasses { get; private set; }
        public float Eps => _eps ?? 1e-5f;

        public Dictionary<string, OnnxTensor> Run()
        {
            var graph = cursor.Graph;
            if (graph.Inputs.Count != 1) throw cursor.Fail(null, $"expected one image input, found {graph.Inputs.Count}");
            var input = graph.Inputs[0];
            if (input.Dims is not { Count: 4 } dims || dims[1].Size is not 3)
                throw cursor.Fail(null, $"input '{input.Name}' {input.ShapeText} must be [N, 3, H, W]");
            (_h, _w) = (dims[2].Size, dims[3].Size);
            var conv1 = cursor.Next(input.Name, "Conv");
            string x = ConvBn(conv1, "conv1", "bn1", 3, 64, 7, 2, 3);
            var relu = cursor.Next(x, "Relu", graph.Producer(x));
            var pool = cursor.Next(relu.Outputs[0], "MaxPool", relu);
            CheckWindow(pool, 3, 2, 1);
            cursor.RequireInt(pool, "ceil_mode", 0, 0);
            cursor.RequireInt(pool, "storage_order", 0, 0);
            x = pool.Outputs[0];
            var stages = new List<int>();
            long channels = 64;
            while (true)
            {
                var consumers = graph.Consumers(x);
                if (consumers.Count == 1 && consumers[0].OpType is "AveragePool" or "GlobalAveragePool")
                    return Head(consumers[0], stages);
                int stride = consumers.Any(c => c.OpType == "Conv" && Kernel(c) == 1) ? 2 : 1;
                if (stride == 2 || stages.Count == 0) stages.Add(0);
                if (stages.Count > 4) throw cursor.Fail(graph.Producer(x), "more than four stages of residual blocks");
                long width = Widths[stages.Count - 1];
                if (stride == 1 && stages.Count > 1 && stages[^1] == 0) throw cursor.Fail(consumers[0], "a stage must start with a strided block");
                x = Block(x, consumers, $"layer{stages.Count}.{stages[^1]}", channels, width, stages.Count == 1 ? 1 : stride);
                stages[^1]++;
                channels = width;
            }
        }

        private string Block(string x, IReadOnlyList<OnnxNode> consumers, string prefix, long inChannels, long width, int stride)
        {
            var main = consumers.FirstOrDefault(c => c.OpType == "Conv" && Kernel(c) == 3)
                ?? throw cursor.Fail(cursor.Graph.Producer(x), $"expected a residual block reading '{x}' (a 3×3 Conv), found [{string.Join(", ", consumers)}]");
            var spatial = (_h, _w);
            string a = ConvBn(main, prefix + ".conv1", prefix + ".bn1", inChannels, width, 3, stride, 1);
            var relu = cursor.Next(a, "Relu", cursor.Graph.Producer(a));
            string b = ConvBn(cursor.Next(relu.Outputs[0], "Conv", relu), prefix + ".conv2", prefix + ".bn2", width, width, 3, 1, 1);
            var add = cursor.Next(b, "Add", cursor.Graph.Producer(b));
            string shortcut = cursor.Other(add, b);
            bool projected = consumers.Count == 2 && consumers.Any(c => c.OpType == "Conv" && Kernel(c) == 1);
            if (projected)
            {
                var after = (_h, _w);
                (_h, _w) = spatial;
                var down = consumers.First(c => c.OpType == "Conv" && Kernel(c) == 1);
                string projection = ConvBn(down, prefix + ".downsample.0", prefix + ".downsample.1", inChannels, width, 1, stride, 0);
                if (projection != shortcut) throw cursor.Fail(add, $"the shortcut must be the 1×1 projection '{projection}'");
                (_h, _w) = after;
            }
            else if (shortcut != x || consumers.Count != 2 || stride != 1 || inChannels != width)
            {
                throw cursor.Fail(add, $"expected an identity shortcut from '{x}' (same width and stride 1)");
            }

            return cursor.Next(add.Outputs[0], "Relu", add).Outputs[0];
        }

        private Dictionary<string, OnnxTensor> Head(OnnxNode pool, List<int> stages)
        {
            if (stages.Count != 4) throw cursor.Fail(pool, $"found {stages.Count} stages of residual blocks, a ResNet has 4");
            if (pool.OpType == "AveragePool")
            {
                if (_h is null || _w is null) throw cursor.Fail(pool, "a fixed-size AveragePool needs a fixed input size to be the global pool");
                cursor.RequireInts(pool, "kernel_shape", [], _h.Value, _w.Value);
                cursor.RequireInts(pool, "pads", [0, 0, 0, 0], 0, 0, 0, 0);
            }
            Layers = [.. stages];
            string features = pool.Outputs[0];
            var next = cursor.Graph.Consumers(features);
            if (next.Count == 0) return _state;
            var flatten = next.Count == 1 && next[0].OpType is "Flatten" or "Reshape" ? next[0]
                : throw cursor.Fail(pool, $"after the global pool expected the graph's end or Flatten → Gemm, found [{string.Join(", ", next)}]");
            var gemm = cursor.Next(flatten.Outputs[0], "Gemm", flatten);
            cursor.RequireInt(gemm, "transB", 0, 1);
            cursor.RequireInt(gemm, "transA", 0, 0);
            if (gemm.Float("alpha", 1f) != 1f || gemm.Float("beta", 1f) != 1f) throw cursor.Fail(gemm, "alpha and beta must be 1");
            var weight = cursor.Constant(gemm, 1);
            if (weight.Dims.Count != 2 || weight.Dims[1] != 512) throw cursor.Fail(gemm, $"tensor '{weight.Name}' has shape {weight.ShapeText}, the head needs [classes, 512]");
            NumClasses = (int)weight.Dims[0];
            _state["fc.weight"] = weight;
            _state["fc.bias"] = cursor.Constant(gemm, 2, weight.Dims[0]);
            return _state;
        }

        // Conv (no bias) → BatchNormalization; records both and returns the BN output.
        private string ConvBn(OnnxNode conv, string convName, string bnName, long inChannels, long outChannels, int kernel, int stride, int pad)
        {
            if (conv.Inputs.Count > 2 && conv.Inputs[2].Length > 0)
                throw cursor.Fail(conv, "has a bias (batch norm folded into the convolution), which this ResNet does not hold");
            CheckWindow(conv, kernel, stride, pad);
            cursor.RequireInt(conv, "group", 1, 1);
            _state[convName + ".weight"] = cursor.Constant(conv, 1, outChannels, inChannels, kernel, kernel);
            var bn = cursor.Next(conv.Outputs[0], "BatchNormalization", conv);
            cursor.RequireInt(bn, "spatial", 1, 1);
            float eps = bn.Float("epsilon", 1e-5f);
            if (_eps is float known && known != eps) throw cursor.Fail(bn, $"epsilon {eps} differs from the other batch norms' {known}");
            _eps = eps;
            _state[bnName + ".weight"] = cursor.Constant(bn, 1, outChannels);
            _state[bnName + ".bias"] = cursor.Constant(bn, 2, outChannels);
            _state[bnName + ".running_mean"] = cursor.Constant(bn, 3, outChannels);
            _state[bnName + ".running_var"] = cursor.Constant(bn, 4, outChannels);
            return bn.Outputs[0];
        }

        private static long Kernel(OnnxNode conv) => conv.Ints("kernel_shape", []) is [long k, long k2] && k == k2 ? k : -1;

        // Kernel, stride and padding as torchvision's; end pads may be smaller than begin pads when the
        // output size (hence every window) is the same for the declared input size.
        private void CheckWindow(OnnxNode node, int kernel, int stride, int pad)
        {
            cursor.RequireInts(node, "kernel_shape", [], kernel, kernel);
            cursor.RequireInts(node, "strides", [1, 1], stride, stride);
            cursor.RequireInts(node, "dilations", [1, 1], 1, 1);
            string autoPad = node.String("auto_pad", "NOTSET");
            if (autoPad != "NOTSET") throw cursor.Fail(node, $"auto_pad is {autoPad}; explicit pads are needed");
            var pads = node.Ints("pads", [0, 0, 0, 0]);
            if (pads.Count != 4 || pads[0] != pad || pads[1] != pad || pads[2] > pad || pads[3] > pad || pads[2] < 0 || pads[3] < 0)
                throw cursor.Fail(node, $"pads are [{string.Join(", ", pads)}], the architecture needs [{pad}, {pad}, {pad}, {pad}]");
            _h = Out(node, _h, kernel, stride, pad, pads[2]);
            _w = Out(node, _w, kernel, stride, pad, pads[3]);
        }

        private long? Out(OnnxNode node, long? size, int kernel, int stride, int pad, long endPad)
        {
            if (size is null)
            {
                if (endPad != pad) throw cursor.Fail(node, "asymmetric pads need a fixed input size to be checked");
                return null;
            }
            long symmetric = (size.Value + 2 * pad - kernel) / stride + 1;
            if ((size.Value + pad + endPad - kernel) / stride + 1 != symmetric)
                throw cursor.Fail(node, $"pads [{pad}, {endPad}] give a different output size than symmetric padding {pad} for input size {size}");
            return symmetric;
        }
    }
}
