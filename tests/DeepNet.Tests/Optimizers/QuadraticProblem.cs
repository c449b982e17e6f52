using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Serialization;

namespace DeepNet.Tests.Optimizers;

/// <summary>
/// The problem of Fixtures/Torch/optimizers.safetensors (tools/FixtureGen): f = Σ a (x − b)² over a
/// vector [5] and a matrix [2, 3] parameter, starting from the recorded x0. Gradients come from autograd.
/// </summary>
public sealed class QuadraticProblem : IDisposable
{
    public static readonly SafeTensorsFile Fixture =
        SafeTensorsReader.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Torch", "optimizers.safetensors"));

    private readonly Tensor[] _a;
    private readonly Tensor[] _b;

    public QuadraticProblem(Device? device = null)
    {
        Device = device ?? Device.Cpu;
        _a = [Load("vector.a"), Load("matrix.a")];
        _b = [Load("vector.b"), Load("matrix.b")];
        Vector = Load("vector.x0").RequiresGradient();
        Matrix = Load("matrix.x0").RequiresGradient();
    }

    public static readonly string[] Names = ["vector", "matrix"];

    public Device Device { get; }

    public Tensor Vector { get; }

    public Tensor Matrix { get; }

    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters => [("vector", Vector), ("matrix", Matrix)];

    /// <summary>One training step: zero grads, loss, backward, optimizer step.</summary>
    public void Step(Optimizer optimizer)
    {
        optimizer.ZeroGrad();
        using (var scope = new DisposeScope())
        {
            Tensor[] x = [Vector, Matrix];
            Tensor loss = Tensor.Scalar(0f, Device);
            for (int i = 0; i < 2; i++)
                loss = loss.Add(_a[i].Mul(x[i].Sub(_b[i]).Pow(2f)).Sum());
            loss.Backward();
        }

        optimizer.Step();
    }

    public void Dispose()
    {
        foreach (var t in _a.Concat(_b).Append(Vector).Append(Matrix))
            t.Dispose();
    }

    private Tensor Load(string name)
    {
        NamedArray array = Fixture[name];
        using var host = Tensor.FromArray(array.Data, array.Shape);
        return host.To(Device).DetachFromScope();
    }
}
