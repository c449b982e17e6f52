using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Serialization.Onnx.Proto;
using DeepNet.Tensors;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>
/// Builds the ModelProto: traces the model at the sample's batch size and at one more (the sample
/// plus a copy of its first item), walks both graphs together (<see cref="TraceGraph"/>), and emits
/// ONNX from them (<see cref="OnnxEmitter"/>); dims that differ between the traces follow the batch.
/// </summary>
internal static class OnnxExporter
{
    public const int Opset = 17;
    public const long IrVersion = 8;
    public const string InputName = "input", OutputName = "output", BatchName = "batch";

    public static ModelProto Export(Module model, Tensor sample, int batchDim)
    {
        sample.ThrowIfDisposed();
        if (batchDim < 0 || batchDim >= sample.Rank)
            throw new ArgumentException($"onnx export: batch dim {batchDim} is out of range for the sample input {sample.Shape}");
        if (sample.DType is not (DType.Float32 or DType.Int64 or DType.Int32))
            throw new ArgumentException($"onnx export: the sample input must be Float32 (values) or Int64/Int32 (token ids), got {sample.DType}");
        if (sample.Shape[batchDim] < 1)
            throw new ArgumentException($"onnx export: the sample input {sample.Shape} must hold at least one item along dim {batchDim}");
        var modes = ExportTrace.ModulePaths(model, "").Select(m => (m.Module, m.Module.IsTraining)).ToList();
        model.Eval();   // inference graph: dropout is the identity, batch norm uses its running statistics
        try
        {
            using var sampleB = WithOneMore(sample, batchDim);
            using var a = ExportTrace.Run(model, sample);
            using var b = ExportTrace.Run(model, sampleB);
            var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
            foreach (var (name, tensor) in model.StateDict()) names.TryAdd(tensor, name);
            var root = new TraceGraph(a, b, names).Build();
            return Build(model, root, a, b, batchDim);
        }
        finally
        {
            foreach (var (module, training) in modes) module.Train(training);   // pre-order: each module's own flag wins
        }
    }

    private static Tensor WithOneMore(Tensor sample, int batchDim)
    {
        using var noGrad = GradMode.NoGrad();
        using var first = sample.Narrow(batchDim, 0, 1);
        return Tensor.Cat([sample, first], batchDim);
    }

    private static ModelProto Build(Module model, TraceNode root, ExportTrace a, ExportTrace b, int batchDim)
    {
        var graph = new GraphProto { Name = model.GetType().Name };
        var builder = new OnnxGraphBuilder(graph, InputName, batchDim, a.Input.Shape[batchDim], b.Input.Shape[batchDim]);
        builder.Reserve(InputName);
        builder.Reserve(OutputName);
        string result = null!;
        var paths = new Dictionary<object, string>(ReferenceEqualityComparer.Instance);
        foreach (var (path, module) in ExportTrace.ModulePaths(model, "")) paths.TryAdd(module, path);
        // Emission recurses along the graph; unrolled recurrences are deep, so it gets a large stack.
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = new OnnxEmitter(builder, paths).Emit(root); }
            catch (Exception e) { failure = e; }
        }, 256 * 1024 * 1024);
        thread.Start();
        thread.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        var output = new NodeProto { OpType = "Identity", Name = "output_identity" };
        output.Input.Add(result);
        output.Output.Add(OutputName);
        graph.Node.Add(output);
        graph.Input.Add(ValueInfo(InputName, a.Input.DType, a.Input.ShapeArray, b.Input.ShapeArray, builder));
        graph.Output.Add(ValueInfo(OutputName, DType.Float32, root.Shape, root.ShapeB, builder));
        var proto = new ModelProto
        {
            IrVersion = IrVersion, ProducerName = "DeepNet", ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return proto;
    }

    private static ValueInfoProto ValueInfo(string name, DType dtype, int[] shape, int[] shapeB, OnnxGraphBuilder builder)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = OnnxTypes.Of(dtype), Shape = new TensorShapeProto() };
        for (int i = 0; i < shape.Length; i++)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (!builder.IsBatchMultiple(shape[i], shapeB[i], name, out int k)) dim.DimValue = shape[i];
            else dim.DimParam = k == 1 ? BatchName : $"{BatchName}*{k}";
            tensorType.Shape.Dim.Add(dim);
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
