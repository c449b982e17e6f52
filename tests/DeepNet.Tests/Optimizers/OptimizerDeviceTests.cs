using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;

namespace DeepNet.Tests.Optimizers;

/// <summary>
/// The optimizer fixtures on the GPU backend: its kernels under ILGPU's CPU accelerator (always)
/// and on CUDA (skipped when absent). Every in-place op the optimizers use is compiled here.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class OptimizerDeviceTests
{
    // Same formulas on another backend; looser than the CPU test for kernel rounding (no FMA is assumed).
    private const float Tolerance = 2e-5f;

    private static readonly string[] Configurations = ["sgd_weight_decay", "sgd_nesterov", "adam_amsgrad_weight_decay", "adamw", "rmsprop_centered_momentum"];

    [Fact]
    public void Steps_OnTheGpuEmulator_MatchTorchOptim() => RunAll(Device.GpuEmulator);

    [CudaFact]
    public void Steps_OnCuda_MatchTorchOptim() => RunAll(Device.Cuda(0));

    private static void RunAll(Device device)
    {
        foreach (string configuration in Configurations)
        {
            using var problem = new QuadraticProblem(device);
            using var optimizer = OptimizerFixtureTests.Create(configuration, problem.NamedParameters);
            for (int k = 1; k <= 5; k++)
            {
                problem.Step(optimizer);
                OptimizerFixtureTests.AssertClose($"{configuration}.vector.{k}", problem.Vector, Tolerance);
                OptimizerFixtureTests.AssertClose($"{configuration}.matrix.{k}", problem.Matrix, Tolerance);
            }
        }
    }
}
