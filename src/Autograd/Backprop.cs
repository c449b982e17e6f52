using DeepNet.Kernels;
using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>
/// Reverse-mode differentiation: walks the graph from a root in reverse topological order,
/// sums gradients that meet at a node, un-broadcasts each gradient to its input's shape
/// (the one central place this happens) and accumulates into leaf tensors' Grad.
/// </summary>
internal static class Backprop
{
    public static void Run(Tensor root, Tensor? gradient, bool retainGraph)
    {
        root.ThrowIfDisposed();
        if (!root.RequiresGrad)
            throw new InvalidOperationException("backward: the tensor does not require grad and has no grad_fn");
        if (gradient is null && root.Size != 1)
            throw new InvalidOperationException($"backward: a gradient can be implied only for scalar outputs, got shape {root.Shape}; pass one to Backward(gradient)");
        if (gradient is not null && gradient.Shape != root.Shape)
            throw new ArgumentException($"backward: gradient shape {gradient.Shape} does not match output shape {root.Shape}");

        using var noGrad = GradMode.Set(false);
        using var noAutocast = Autocast.Suspend();   // backward ops run in the dtypes the forward gave them
        var seed = gradient is null ? Tensor.OnesLike(root) : gradient.Alias();
        if (root.GradFn is null)
        {
            AccumulateLeaf(root, seed);
            return;
        }
        var work = Workspace.Take();
        try
        {
            var pending = work.Pending;
            pending[root.GradFn] = seed;
            foreach (var node in work.TopologicalOrder(root.GradFn))
            {
                if (!pending.Remove(node, out var gradOutput)) continue;
                if (node.IsReleased)
                    throw new InvalidOperationException($"backward: trying to backward through the graph a second time ({node.Name}'s saved tensors were freed); call Backward(retainGraph: true) the first time");
                var gradInputs = node.Backward(gradOutput);
                gradOutput.Dispose();
                if (gradInputs.Length == 2)
                {
                    // Both read before either is delivered: the array may be the per-thread one (Function.Gradients),
                    // which a hook running a nested backward would reuse.
                    var (gradA, gradB) = (gradInputs[0], gradInputs[1]);
                    Deliver(node.Edges[0], gradA, pending);
                    Deliver(node.Edges[1], gradB, pending);
                }
                else
                    for (int i = 0; i < gradInputs.Length; i++)
                        Deliver(node.Edges[i], gradInputs[i], pending);
                if (!retainGraph) node.Release();
            }
        }
        finally { Workspace.Return(work); }
    }

    private static void Deliver(Edge edge, Tensor? grad, Dictionary<Function, Tensor> pending)
    {
        if (grad is null) return;
        if (!edge.IsLive)
        {
            grad.Dispose();
            return;
        }
        grad = SumTo(grad, edge.Shape);
        if (edge.Producer is not null)
        {
            if (pending.Remove(edge.Producer, out var existing))
            {
                var sum = existing.Add(grad);
                existing.Dispose();
                grad.Dispose();
                grad = sum;
            }
            pending[edge.Producer] = grad;
        }
        else AccumulateLeaf(edge.Leaf!, grad);
    }

    private static void AccumulateLeaf(Tensor leaf, Tensor grad)
    {
        leaf.ThrowIfDisposed();
        if (leaf.Grad is null || leaf.Grad.IsDisposed)
        {
            // A fresh dense gradient no other tensor shares becomes Grad as is: no copy.
            if (grad.OwnsContiguousStorage) leaf.Grad = grad.DetachFromScope();
            else
            {
                leaf.Grad = grad.Clone().DetachFromScope();
                grad.Dispose();
            }
        }
        else
        {
            leaf.Grad.AddInPlace(grad);
            grad.Dispose();
        }
        leaf.RunPostAccumulateGradHooks();
    }

    /// <summary>Sums a broadcast gradient back to <paramref name="shape"/> (disposing the input when it had to).</summary>
    private static Tensor SumTo(Tensor grad, int[] shape)
    {
        if (grad.ShapeArray.AsSpan().SequenceEqual(shape)) return grad;
        var reduced = grad.SumTo(shape);
        grad.Dispose();
        return reduced;
    }

    /// <summary>
    /// The collections one backward pass needs, kept per thread and reused (cleared) so a
    /// training step's backward allocates none of them. A nested backward gets fresh ones.
    /// </summary>
    private sealed class Workspace
    {
        [ThreadStatic] private static Workspace? _cached;

        public readonly Dictionary<Function, Tensor> Pending = new(ReferenceEqualityComparer.Instance);
        private readonly List<Function> _order = [];
        private readonly HashSet<Function> _visited = new(ReferenceEqualityComparer.Instance);
        private readonly Stack<(Function Node, int Next)> _stack = new();

        public static Workspace Take()
        {
            var work = _cached ?? new Workspace();
            _cached = null;
            return work;
        }

        public static void Return(Workspace work)
        {
            foreach (var grad in work.Pending.Values) grad.Dispose();   // left over only when a backward threw
            work.Pending.Clear();
            work._order.Clear();
            work._visited.Clear();
            work._stack.Clear();
            _cached = work;
        }

        /// <summary>Nodes reachable from root, each after every node that consumes it (iterative DFS: deep RNN graphs).</summary>
        public List<Function> TopologicalOrder(Function root)
        {
            _visited.Add(root);
            _stack.Push((root, 0));
            while (_stack.Count > 0)
            {
                var (node, next) = _stack.Pop();
                if (next < node.Edges.Count)
                {
                    _stack.Push((node, next + 1));
                    var child = node.Edges[next].Producer;
                    if (child is not null && _visited.Add(child)) _stack.Push((child, 0));
                }
                else _order.Add(node);
            }
            _order.Reverse();
            return _order;
        }
    }
}
