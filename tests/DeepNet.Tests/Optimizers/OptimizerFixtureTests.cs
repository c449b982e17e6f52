using DeepNet.Optimizers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Optimizers;

/// <summary>
/// Five steps of every optimizer on <see cref="QuadraticProblem"/>, compared after each step with
/// torch.optim run by tools/FixtureGen (Fixtures/Torch/optimizers.safetensors) in float64.
/// The configurations repeat those of Fixtures.Optimizers.cs.
/// </summary>
public sealed class OptimizerFixtureTests
{
    // float32 rounding over 5 steps on values of size ~3 (measured: at most 2.4e-7, one ulp).
    private const float SgdTolerance = 2e-6f;

    // Adam-like updates divide by √v, so rounding of a small v moves a step by more; lr·2e-4
    // (lr = 0.1) is tighter than the usual lr·1e-3 because no gradient here comes near zero.
    private const float AdaptiveTolerance = 2e-5f;

    public static TheoryData<string> Configurations => new()
    {
        "sgd", "sgd_momentum", "sgd_nesterov", "sgd_weight_decay", "adam", "adam_amsgrad_weight_decay",
        "adamw", "adamw_amsgrad", "rmsprop", "rmsprop_centered_momentum",
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Steps_MatchTorchOptim(string configuration)
    {
        using var problem = new QuadraticProblem();
        using Optimizer optimizer = Create(configuration, problem.NamedParameters);
        float tolerance = configuration.StartsWith("sgd", StringComparison.Ordinal) ? SgdTolerance : AdaptiveTolerance;
        for (int k = 1; k <= 5; k++)
        {
            problem.Step(optimizer);
            AssertClose($"{configuration}.vector.{k}", problem.Vector, tolerance);
            AssertClose($"{configuration}.matrix.{k}", problem.Matrix, tolerance);
        }
    }

    /// <summary>The optimizer of each fixture configuration (same hyperparameters as the generator).</summary>
    internal static Optimizer Create(string configuration, IEnumerable<(string Name, Tensor Tensor)> parameters) => configuration switch
    {
        "sgd" => new Sgd(parameters, 0.1),
        "sgd_momentum" => new Sgd(parameters, 0.1, momentum: 0.9, dampening: 0.1),
        "sgd_nesterov" => new Sgd(parameters, 0.1, momentum: 0.9, nesterov: true),
        "sgd_weight_decay" => new Sgd(parameters, 0.1, momentum: 0.5, weightDecay: 0.1),
        "adam" => new Adam(parameters, 0.1),
        "adam_amsgrad_weight_decay" => new Adam(parameters, 0.1, beta1: 0.8, beta2: 0.9, weightDecay: 0.1, amsgrad: true),
        "adamw" => new AdamW(parameters, 0.1),
        "adamw_amsgrad" => new AdamW(parameters, 0.1, weightDecay: 0.1, amsgrad: true),
        "rmsprop" => new RmsProp(parameters, 0.01),
        "rmsprop_centered_momentum" => new RmsProp(parameters, 0.01, momentum: 0.9, centered: true, weightDecay: 0.1),
        _ => throw new ArgumentException($"unknown configuration {configuration}"),
    };

    internal static void AssertClose(string key, Tensor actual, float tolerance)
    {
        var expected = QuadraticProblem.Fixture[key];
        Assert.Equal(expected.Shape, actual.Shape.ToArray());
        float[] values = actual.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            float error = MathF.Abs(values[i] - expected.Data[i]);
            Assert.True(error <= tolerance, $"{key}[{i}]: got {values[i]}, torch {expected.Data[i]} (error {error}, tolerance {tolerance})");
        }
    }
}
