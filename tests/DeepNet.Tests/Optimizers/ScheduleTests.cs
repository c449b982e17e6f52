using DeepNet.Optimizers;
using DeepNet.Optimizers.Schedules;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Optimizers;

/// <summary>Every schedule against its closed form, stepping an optimizer for 12 epochs.</summary>
public sealed class ScheduleTests : IDisposable
{
    private const double Tolerance = 1e-12;
    private const double BaseRate = 0.5;

    private readonly Tensor _parameter = Tensor.Zeros([3]).RequiresGradient().DetachFromScope();
    private readonly Sgd _optimizer;

    public ScheduleTests() => _optimizer = new Sgd([_parameter], BaseRate);

    public void Dispose()
    {
        _optimizer.Dispose();
        _parameter.Dispose();
    }

    [Fact]
    public void StepLR_DecaysByGammaEveryStepSize() =>
        AssertRates(new StepLR(_optimizer, stepSize: 3, gamma: 0.5), e => BaseRate * Math.Pow(0.5, e / 3));

    [Fact]
    public void CosineAnnealingLR_FollowsHalfCosineToEtaMin()
    {
        var schedule = new CosineAnnealingLR(_optimizer, tMax: 8, etaMin: 0.01);
        AssertRates(schedule, e => 0.01 + (BaseRate - 0.01) * (1 + Math.Cos(Math.PI * e / 8)) / 2);
        Assert.Equal(0.01, schedule.LearningRateAt(8), Tolerance);
    }

    [Fact]
    public void LinearWarmup_RampsThenHolds() =>
        AssertRates(new LinearWarmup(_optimizer, warmupSteps: 4, startFactor: 0.2), e => BaseRate * (0.2 + 0.8 * Math.Min(e, 4) / 4.0));

    [Fact]
    public void WarmupThenCosine_SwitchesAtTheMilestone()
    {
        var warmup = new LinearWarmup(_optimizer, warmupSteps: 3);
        var cosine = new CosineAnnealingLR(_optimizer, tMax: 6);
        var schedule = new SequentialSchedule(_optimizer, [warmup, cosine], [3]);
        AssertRates(schedule, e => e < 3 ? BaseRate * e / 3.0 : BaseRate * (1 + Math.Cos(Math.PI * (e - 3) / 6)) / 2);
        // The cosine's base is the optimizer's initial rate, not the warmup's rate at epoch 0.
        Assert.Equal(BaseRate, cosine.BaseLearningRate);
    }

    [Fact]
    public void Epoch_CanBeSetToResume()
    {
        var schedule = new StepLR(_optimizer, stepSize: 2);
        schedule.Epoch = 5;
        Assert.Equal(BaseRate * 0.01, _optimizer.LearningRate, Tolerance);
        Assert.Throws<ArgumentException>(() => schedule.Epoch = -1);
    }

    [Fact]
    public void Constructors_RejectBadArguments()
    {
        Assert.Throws<ArgumentException>(() => new StepLR(_optimizer, 0));
        Assert.Throws<ArgumentException>(() => new CosineAnnealingLR(_optimizer, 0));
        Assert.Throws<ArgumentException>(() => new LinearWarmup(_optimizer, 2, startFactor: 1.5));
        var warmup = new LinearWarmup(_optimizer, 2);
        Assert.Throws<ArgumentException>(() => new SequentialSchedule(_optimizer, [warmup], [2]));
    }

    private void AssertRates(LearningRateSchedule schedule, Func<int, double> expected)
    {
        for (int epoch = 0; epoch < 12; epoch++)
        {
            Assert.True(Math.Abs(expected(epoch) - _optimizer.LearningRate) <= Tolerance,
                $"epoch {epoch}: lr {_optimizer.LearningRate}, expected {expected(epoch)}");
            schedule.Step();
        }
    }
}
