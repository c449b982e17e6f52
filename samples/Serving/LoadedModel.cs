using System.Security.Cryptography;
using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Serialization;
using DeepNet.Autograd;

namespace DeepNet.Serving;

/// <summary>
/// A model ready for inference: the architecture document, the built <see cref="Sequential"/> with
/// its weights in eval mode on its device, and the width of one output row. Only the inference
/// worker calls <see cref="Run"/> (one forward pass at a time).
/// </summary>
public sealed class LoadedModel : IDisposable
{
    private LoadedModel(ModelArchitecture architecture, Sequential model, Device device, int outputWidth)
    {
        Architecture = architecture;
        Model = model;
        Device = device;
        OutputWidth = outputWidth;
        OutputIsProbabilities = model.Count > 0 && model[model.Count - 1] is Softmax;
    }

    public ModelArchitecture Architecture { get; }

    public Sequential Model { get; }

    public Device Device { get; }

    /// <summary>Values per output row: classes for a classifier, targets for a regressor.</summary>
    public int OutputWidth { get; }

    /// <summary>True when the model ends in Softmax; otherwise a classifier's logits are soft-maxed here.</summary>
    public bool OutputIsProbabilities { get; }

    /// <summary>The SHA-256 of the weights file as loaded.</summary>
    public string WeightsSha256 { get; private init; } = "";

    /// <summary>True when a digest sidecar was present and matched (false: none was recorded).</summary>
    public bool DigestVerified { get; private init; }

    /// <summary>The tokenizer of a text model (a <c>NAME.tokenizer.json</c> beside the weights), or null when instances are numbers.</summary>
    public TextEncoder? Text { get; private init; }

    /// <summary>True when the signature was checked against the configured public key.</summary>
    public bool SignatureVerified { get; private init; }

    /// <summary>
    /// Loads the weights at <paramref name="weightsPath"/> and the architecture from the .json file
    /// beside it. Before allocating a layer: both must be regular, non-empty files; the declared
    /// parameters must fit the policy's limit and the weights file; the digest sidecar (and the
    /// signature, when a public key is set) must match. Then every weight must be finite, and one zero
    /// instance is run to check the output shape against the class names (and that it is finite).
    /// Every error names the file at fault.
    /// </summary>
    public static LoadedModel Load(string weightsPath, Device device, ModelLoadPolicy? policy = null)
    {
        policy ??= ModelLoadPolicy.Default;
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"model weights '{weightsPath}' not found", weightsPath);
        string architecturePath = Path.ChangeExtension(weightsPath, ".json");
        if (!File.Exists(architecturePath))
            throw new FileNotFoundException(
                $"model architecture '{architecturePath}' not found (the training sample writes it next to the weights)", architecturePath);
        long weightsBytes = RegularFileLength(weightsPath, "model weights");
        RegularFileLength(architecturePath, "model architecture");
        var architecture = ModelArchitecture.Load(architecturePath);
        ParameterBudget.Check(architecture, architecturePath, policy.MaxParameters, weightsBytes);

        if (weightsBytes > Array.MaxLength)
            throw new IOException($"model weights '{weightsPath}' are {weightsBytes:N0} bytes; this server loads files up to {Array.MaxLength:N0} bytes");
        byte[] bytes = File.ReadAllBytes(weightsPath);
        string digest = Convert.ToHexStringLower(SHA256.HashData(bytes));
        bool verified = CheckDigest(weightsPath, digest, policy.RequireDigest);
        if (policy.PublicKeyPem is { } key) ModelSignature.Verify(weightsPath, architecturePath, key);
        SafeTensorsFile file;
        try
        {
            file = SafeTensorsReader.Parse(bytes);
        }
        catch (SafeTensorsFormatException e)
        {
            throw new SafeTensorsFormatException($"model weights '{weightsPath}': {e.Message}", e);
        }
        if (!policy.AllowNonFiniteWeights) CheckFinite(file, weightsPath);

        var model = architecture.Build();
        try
        {
            try
            {
                model.LoadNamedArrays(file.Arrays);
            }
            catch (ArgumentException e)
            {
                throw new ModelArchitectureException($"model weights '{weightsPath}' do not fit the architecture '{architecturePath}': {e.Message}", e);
            }
            model.To(device);
            model.Eval();
            var (width, finite) = ProbeOutput(architecture, model, device, architecturePath);
            if (architecture.ClassNames is { } names && names.Count != width)
                throw new ModelArchitectureException($"model architecture '{architecturePath}': {names.Count} class names but the model outputs {width} values");
            if (!finite && !policy.AllowNonFiniteWeights)
                throw new ModelArchitectureException($"model '{weightsPath}' outputs non-finite values for an all-zero instance: refusing to serve it");
            string tokenizerPath = TextEncoder.SettingsPath(weightsPath);
            var loaded = new LoadedModel(architecture, model, device, width)
            {
                WeightsSha256 = digest,
                DigestVerified = verified,
                SignatureVerified = policy.PublicKeyPem is not null,
                Text = File.Exists(tokenizerPath) ? TextEncoder.Load(tokenizerPath) : null,
            };
            try
            {
                loaded.Text?.CheckFits(loaded, tokenizerPath);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException(e.Message, e);
            }
            return loaded;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="Load"/> with a deadline: throws <see cref="TimeoutException"/> naming the file when
    /// loading takes longer than <paramref name="timeout"/> (a stalled mount); a model that finishes
    /// loading after that is disposed.
    /// </summary>
    public static LoadedModel LoadWithin(string weightsPath, Device device, ModelLoadPolicy policy, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var task = Task.Run(() => Load(weightsPath, device, policy));
        bool finished = ((IAsyncResult)task).AsyncWaitHandle.WaitOne(timeout);
        // A load that finished but took longer than the limit (the waiter was descheduled) is refused too:
        // the outcome must not depend on which thread the machine ran first.
        if (!finished || task.IsCompletedSuccessfully && clock.Elapsed > timeout)
        {
            if (finished) task.Result.Dispose();
            else task.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw new TimeoutException(
                $"loading model '{weightsPath}' did not finish within {timeout.TotalSeconds:G4} s (Serving:LoadTimeoutSeconds): a stalled mount or a blocking file?");
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>True when the output of one all-zero instance is finite (false: the model itself yields NaN/Inf).</summary>
    public bool ZeroInstanceIsFinite() => ProbeOutput(Architecture, Model, Device, "").Finite;

    // A FIFO, socket or device reports length 0 and would block or stream forever: refuse before opening.
    private static long RegularFileLength(string path, string what)
    {
        var info = new FileInfo(path);
        if (info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        if ((info.Attributes & FileAttributes.Directory) != 0 || info.Length == 0)
            throw new IOException($"{what} '{path}' is empty or not a regular file (a FIFO, socket or device?)");
        return info.Length;
    }

    private static bool CheckDigest(string weightsPath, string digest, bool required)
    {
        string? recorded = ModelDigest.ReadRecorded(weightsPath);
        if (recorded is null)
        {
            if (required)
                throw new ModelIntegrityException(
                    $"model integrity: '{weightsPath}' has no digest file '{ModelDigest.SidecarPath(weightsPath)}' and Serving:RequireDigest is set");
            return false;
        }
        if (recorded != digest)
            throw new ModelIntegrityException(
                $"model integrity: '{weightsPath}' has SHA-256 {digest} but '{ModelDigest.SidecarPath(weightsPath)}' records {recorded}: the file changed after it was saved");
        return true;
    }

    private static void CheckFinite(SafeTensorsFile file, string weightsPath)
    {
        foreach (var array in file.Arrays)
        {
            if (!array.DType.IsFloatingPoint()) continue;   // integer and bool tensors are always finite
            using var values = array.ToTensor();
            using var wide = values.To(DType.Float64);
            double[] data = wide.ToArray<double>();
            int bad = Array.FindIndex(data, v => !double.IsFinite(v));
            if (bad >= 0)
                throw new ModelArchitectureException(
                    $"model weights '{weightsPath}': tensor '{array.Name}' {array.ShapeText} holds {data[bad]} at flat index {bad}: refusing non-finite weights");
        }
    }

    private static (int Width, bool Finite) ProbeOutput(ModelArchitecture architecture, Sequential model, Device device, string path)
    {
        using var scope = new DisposeScope();
        using var noGrad = GradMode.NoGrad();
        Tensor output;
        try
        {
            output = model.Forward(Tensor.Zeros([1, .. architecture.InputShape], InputDType(model), device));
        }
        catch (ArgumentException e)
        {
            throw new ModelArchitectureException($"model architecture '{path}': the layers do not accept input_shape [{string.Join(", ", architecture.InputShape)}]: {e.Message}", e);
        }
        if (output.Rank != 2)
            throw new ModelArchitectureException($"model architecture '{path}': the model must output [N, outputs], got {output.Shape} for one instance");
        return (output.Shape[1], output.ToArray().All(float.IsFinite));
    }

    /// <summary>
    /// One forward pass over <paramref name="count"/> instances stored row-major in
    /// <paramref name="inputs"/> (already normalized); returns [count, OutputWidth] row-major, as
    /// probabilities for a classifier. Runs under no-grad; every temporary is freed on return.
    /// </summary>
    public float[] Run(float[] inputs, int count)
    {
        using var scope = new DisposeScope();
        using var noGrad = GradMode.NoGrad();
        int[] shape = [count, .. Architecture.InputShape];
        var x = InputDType(Model) == DType.Int64 ? Tensor.FromArray(TokenIds(inputs), shape, Device) : Tensor.FromArray(inputs, shape, Device);
        var y = Model.Forward(x);
        if (Architecture.Task == ModelTask.Classification && !OutputIsProbabilities) y = y.Softmax(-1);
        return y.ToArray();
    }

    /// <summary>Int64 for a model that starts with token ids (an embedding or a BERT), as torch; Float32 for one that takes values.</summary>
    public static DType InputDType(Sequential model) =>
        model.Count > 0 && model[0] is Embedding or DeepNet.Layers.Text.BertModel or DeepNet.Layers.Text.BertForSequenceClassification
            ? DType.Int64 : DType.Float32;

    // Ids arrive as JSON numbers or from the tokenizer; a non-integer is refused by name, never truncated.
    private static long[] TokenIds(float[] inputs)
    {
        var ids = new long[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            float v = inputs[i];
            ids[i] = v == MathF.Floor(v) && Math.Abs(v) <= 1 << 24 ? (long)v
                : throw new ArgumentException($"predict: token id {v} at flat index {i} is not an exact integer id");
        }
        return ids;
    }

    public void Dispose() => Model.Dispose();
}
