using DeepNet.Layers;
using DeepNet.Tensors;

namespace DeepNet.Distributed.Worker;

/// <summary>An identity layer that, on one rank at one training step, throws, exits, is killed, or hangs: the failure tests' fault.</summary>
internal sealed class Tripwire(string fault, int rank, int atStep, int myRank) : Module
{
    private int _calls;

    public override Tensor Forward(Tensor input)
    {
        if (IsTraining && myRank == rank && ++_calls == atStep)
            switch (fault)
            {
                case "throw": throw new InvalidOperationException($"worker: injected failure on rank {rank} at step {atStep}");
                case "exit": Environment.Exit(3); break;
                case "kill": System.Diagnostics.Process.GetCurrentProcess().Kill(); break;
                case "hang": Thread.Sleep(Timeout.Infinite); break;
            }
        return input.Contiguous();   // a new tensor in the graph: Sequential frees each intermediate it is handed
    }
}
