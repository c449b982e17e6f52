using DeepNet.Kernels.Elements;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// Exact elementwise arithmetic and comparisons on any element type (IBackend.ZipTyped), per element
// through Elements/TypedZip. Oracle: scalar C# arithmetic (TypedZipTests) and the GPU kernel.
public sealed partial class CpuBackend
{
    public void ZipTyped(TypedZipKind kind, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout)
    {
        if (a.ElementType != b.ElementType)
            throw new ArgumentException($"zip: operands are {a.ElementType} and {b.ElementType}; promote them to one dtype first");
        if (cLayout.Size == 0) return;
        ElementDispatch.Visit(a.ElementType, new ZipFrom((int)kind, Cpu(a), aLayout, Cpu(b), bLayout, Cpu(c), cLayout));
    }

    private sealed class ZipFrom(int kind, CpuBuffer a, StridedLayout al, CpuBuffer b, StridedLayout bl, CpuBuffer c, StridedLayout cl)
        : IElementVisitor
    {
        public void Visit<T, A>() where T : unmanaged where A : struct, IElement<T> =>
            ElementDispatch.Visit(c.ElementType, new ZipTo<T, A>(kind, a, al, b, bl, c, cl));
    }

    private sealed class ZipTo<T, A>(int kind, CpuBuffer a, StridedLayout al, CpuBuffer b, StridedLayout bl, CpuBuffer c, StridedLayout cl)
        : IElementVisitor where T : unmanaged where A : struct, IElement<T>
    {
        public void Visit<TC, AC>() where TC : unmanaged where AC : struct, IElement<TC> =>
            Rows(cl.Size, [al, bl, cl], (o, n, st) =>
            {
                Span<T> x = a.Storage<T>(), y = b.Storage<T>();
                Span<TC> z = c.Storage<TC>();
                for (int i = 0; i < n; i++)
                    z[o[2] + i * st[2]] = TypedZip.Apply<T, A, TC, AC>(kind, x[o[0] + i * st[0]], y[o[1] + i * st[1]]);
            });
    }
}
