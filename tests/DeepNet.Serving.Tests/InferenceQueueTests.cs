using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prometheus;
using Xunit;

namespace DeepNet.Serving.Tests;

public sealed class InferenceQueueTests(TestModels models) : IClassFixture<TestModels>
{
    internal static (ModelStore Store, InferenceQueue Queue, ServingMetrics Metrics) Create(string model, int capacity, int maxBatch, double waitMs)
    {
        var options = Options.Create(new ServingOptions { Model = model, QueueCapacity = capacity, MaxBatchSize = maxBatch, MaxInstances = maxBatch, MaxWaitMs = waitMs });
        var metrics = new ServingMetrics(Metrics.NewCustomRegistry());
        var store = new ModelStore(options, metrics, NullLogger<ModelStore>.Instance);
        return (store, new InferenceQueue(options, store, metrics, NullLogger<InferenceQueue>.Instance), metrics);
    }

    [Fact]
    public void TryEnqueue_IsFalseOnceTheQueueIsFull()
    {
        var (store, queue, _) = Create(models.RegressorPath, capacity: 2, maxBatch: 4, waitMs: 0);
        using (store)
        {
            Assert.True(queue.TryEnqueue(new InferenceRequest(new float[4], 1)));
            Assert.True(queue.TryEnqueue(new InferenceRequest(new float[4], 1)));
            Assert.False(queue.TryEnqueue(new InferenceRequest(new float[4], 1)));
        }
    }

    [Fact]
    public void TheBound_CountsInstances_NotRequests()
    {
        var (store, queue, _) = Create(models.RegressorPath, capacity: 4, maxBatch: 4, waitMs: 0);
        using (store)
        {
            Assert.True(queue.TryEnqueue(new InferenceRequest(new float[12], 3)));
            Assert.False(queue.TryEnqueue(new InferenceRequest(new float[8], 2)));
            Assert.True(queue.TryEnqueue(new InferenceRequest(new float[4], 1)));
            Assert.Equal(4, queue.QueuedInstances);
        }
    }

    [Fact]
    public async Task AbandonedWork_IsDroppedUnrun()
    {
        var (store, queue, metrics) = Create(models.RegressorPath, capacity: 100, maxBatch: 8, waitMs: 0);
        using (store)
        {
            store.Load();
            using var gone = new CancellationTokenSource();
            gone.Cancel();
            var abandoned = new InferenceRequest(new float[8], 2, aborted: gone.Token);
            var late = new InferenceRequest(new float[4], 1, deadline: System.Diagnostics.Stopwatch.GetTimestamp() - 1);
            var wanted = new InferenceRequest(new float[4], 1);
            foreach (var r in new[] { abandoned, late, wanted }) Assert.True(queue.TryEnqueue(r));
            await queue.StartAsync(CancellationToken.None);
            await queue.StopAsync(CancellationToken.None);
            Assert.True(abandoned.Completion.Task.IsCanceled);
            Assert.True(late.Completion.Task.IsCanceled);
            Assert.Equal(2, (await wanted.Completion.Task).Length);
            Assert.Equal(1, metrics.BatchSize.Sum);
            Assert.Equal(2, metrics.Dropped.WithLabels("client_gone").Value);
            Assert.Equal(1, metrics.Dropped.WithLabels("deadline").Value);
            Assert.Equal(0, queue.QueuedInstances);
        }
    }

    [Fact]
    public async Task Stop_DrainsEveryQueuedRequest_InBatchesOfAtMostMaxBatchSize()
    {
        var (store, queue, metrics) = Create(models.RegressorPath, capacity: 100, maxBatch: 5, waitMs: 1000);
        using (store)
        {
            store.Load();
            var requests = Enumerable.Range(0, 20).Select(i => new InferenceRequest(Json.Inputs(1 + i % 2, 4, seed: i), 1 + i % 2)).ToList();
            foreach (var r in requests)
            {
                models.Normalization.Apply(r.Inputs);
                Assert.True(queue.TryEnqueue(r));
            }
            await queue.StartAsync(CancellationToken.None);
            await queue.StopAsync(CancellationToken.None);  // returns only once the worker drained the queue
            Assert.False(queue.TryEnqueue(new InferenceRequest(new float[4], 1)));
            foreach (var r in requests)
            {
                Assert.True(r.Completion.Task.IsCompletedSuccessfully, $"request not completed: {r.Completion.Task.Status} {r.Completion.Task.Exception?.InnerException?.Message}");
                Assert.Equal(r.Count * 2, (await r.Completion.Task).Length);
            }
            Assert.Equal(30, metrics.BatchSize.Sum);
            Assert.True(metrics.BatchSize.Count >= 6, $"30 instances in batches of at most 5 need at least 6 passes, got {metrics.BatchSize.Count}");
        }
    }
}
