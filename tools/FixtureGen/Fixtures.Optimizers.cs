using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FixtureGen;

internal static partial class Fixtures
{
    private const int OptimizerSteps = 5;

    /// <summary>
    /// torch.optim on the quadratic f = Σ a (x − b)² over two parameters, a vector [5] and a
    /// matrix [2, 3] (float64, from float32-exact inputs). For each configuration below, records
    /// both parameters after every step as "{config}.vector.{k}" and "{config}.matrix.{k}",
    /// k = 1..5. Read by OptimizerFixtureTests, which repeats the configurations.
    /// </summary>
    [Fixture]
    public static void Optimizers(FixtureFile file)
    {
        file.Meta("generator", "tools/FixtureGen (TorchSharp-cpu 0.107.0, torch.optim)");
        file.Meta("steps", OptimizerSteps);
        file.Meta("loss", "sum(a * (x - b)^2) over both parameters");
        var (a1, b1, x1) = QuadraticTerms(5, 0.5);
        var (a2, b2, x2) = QuadraticTerms(6, 1.5);
        file.AddFloat32("vector.a", a1);
        file.AddFloat32("vector.b", b1);
        file.AddFloat32("vector.x0", x1);
        file.AddFloat32("matrix.a", a2.reshape(2, 3));
        file.AddFloat32("matrix.b", b2.reshape(2, 3));
        file.AddFloat32("matrix.x0", x2.reshape(2, 3));

        var configs = new (string Name, Func<IEnumerable<Parameter>, optim.Optimizer> Make)[]
        {
            ("sgd", p => optim.SGD(p, 0.1)),
            ("sgd_momentum", p => optim.SGD(p, 0.1, momentum: 0.9, dampening: 0.1)),
            ("sgd_nesterov", p => optim.SGD(p, 0.1, momentum: 0.9, nesterov: true)),
            ("sgd_weight_decay", p => optim.SGD(p, 0.1, momentum: 0.5, weight_decay: 0.1)),
            ("adam", p => optim.Adam(p, 0.1)),
            ("adam_amsgrad_weight_decay", p => optim.Adam(p, 0.1, beta1: 0.8, beta2: 0.9, weight_decay: 0.1, amsgrad: true)),
            // TorchSharp's AdamW defaults weight_decay to 0, unlike PyTorch's 0.01: pass it.
            ("adamw", p => optim.AdamW(p, 0.1, weight_decay: 0.01)),
            ("adamw_amsgrad", p => optim.AdamW(p, 0.1, weight_decay: 0.1, amsgrad: true)),
            ("rmsprop", p => optim.RMSProp(p, 0.01)),
            ("rmsprop_centered_momentum", p => optim.RMSProp(p, 0.01, momentum: 0.9, centered: true, weight_decay: 0.1)),
        };
        foreach (var (name, make) in configs)
        {
            var vector = new Parameter(x1.clone());
            var matrix = new Parameter(x2.reshape(2, 3).clone());
            var optimizer = make([vector, matrix]);
            for (int k = 1; k <= OptimizerSteps; k++)
            {
                optimizer.zero_grad();
                var loss = (a1 * (vector - b1).pow(2)).sum() + (a2.reshape(2, 3) * (matrix - b2.reshape(2, 3)).pow(2)).sum();
                loss.backward();
                optimizer.step();
                file.AddFloat32($"{name}.vector.{k}", vector);
                file.AddFloat32($"{name}.matrix.{k}", matrix);
            }
        }
    }

    // a in [0.5, 2], b and x0 a fixed distance apart so no gradient is near zero within 5 steps
    // (Adam-style updates divide by sqrt(v) and would amplify rounding there).
    private static (Tensor A, Tensor B, Tensor X0) QuadraticTerms(int n, double shift)
    {
        var i = arange(n, dtype: ScalarType.Float64);
        var a = 0.5 + 0.25 * (i % 7);
        var b = (i - 2) * 0.5 + shift;
        var sign = 1 - 2 * (i % 2);
        var x0 = b + sign * (1.0 + 0.25 * i);
        return (a, b, x0);
    }
}
