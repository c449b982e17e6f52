using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels;

/// <summary>
/// Everything a device must do; every tensor op reduces to these primitives. Buffers passed in
/// belong to this backend. Layout arguments give shape, strides and offset in elements; an
/// output layout may itself be strided. Shape contracts are on each member.
/// </summary>
public interface IBackend
{
    /// <summary>"cpu", "cuda:0", "ilgpu-cpu" — used in error messages.</summary>
    string Name { get; }

    /// <summary>A buffer of <paramref name="length"/> floats, zero-filled when <paramref name="zeroed"/>.</summary>
    DeviceBuffer Allocate(long length, bool zeroed = true);

    /// <summary>A buffer of <paramref name="length"/> elements of <paramref name="elementType"/>, zero-filled when <paramref name="zeroed"/>.</summary>
    DeviceBuffer Allocate(long length, ElementType elementType, bool zeroed = true);

    /// <summary>Copies floats into a float32 buffer at an element offset.</summary>
    void CopyFromHost(ReadOnlySpan<float> source, DeviceBuffer destination, long destinationOffset);

    /// <summary>Copies floats out of a float32 buffer from an element offset (waits for queued work).</summary>
    void CopyToHost(DeviceBuffer source, long sourceOffset, Span<float> destination);

    /// <summary>Typed host copy in; <typeparamref name="T"/> must be the buffer's host type (ElementTypes.HostType).</summary>
    void CopyFromHost<T>(ReadOnlySpan<T> source, DeviceBuffer destination, long destinationOffset) where T : unmanaged;

    /// <summary>Typed host copy out; <typeparamref name="T"/> must be the buffer's host type (ElementTypes.HostType).</summary>
    void CopyToHost<T>(DeviceBuffer source, long sourceOffset, Span<T> destination) where T : unmanaged;

    /// <summary>Strided copy: dst[i] = src[i] for every index i of the common shape; both of one element type (any).</summary>
    void Copy(DeviceBuffer src, StridedLayout srcLayout, DeviceBuffer dst, StridedLayout dstLayout);

    /// <summary>
    /// Strided conversion dst[i] = (dst type) src[i] between any two element types (Elements/IElement:
    /// floats via double, integers via long, float → integer truncates, narrowing integers wrap,
    /// → float16/bfloat16 rounds to nearest even, → bool is != 0).
    /// </summary>
    void Cast(DeviceBuffer src, StridedLayout srcLayout, DeviceBuffer dst, StridedLayout dstLayout);

    /// <summary>dst[i] = value for every index of the layout.</summary>
    void Fill(DeviceBuffer dst, StridedLayout layout, float value);

    /// <summary>y[i] = op(x[i]); x and y have the same shape.</summary>
    void Map<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer y, StridedLayout yLayout)
        where TOp : struct, IUnaryOp;

    /// <summary>gx[i] = op.Backward(x[i], y[i], gy[i]); all four have the same shape.</summary>
    void MapBackward<TOp>(TOp op, DeviceBuffer x, StridedLayout xLayout, DeviceBuffer y, StridedLayout yLayout,
        DeviceBuffer gy, StridedLayout gyLayout, DeviceBuffer gx, StridedLayout gxLayout)
        where TOp : struct, IUnaryOp;

    /// <summary>c[i] = op(a[i], b[i]); a and b are already broadcast to c's shape (stride 0).</summary>
    void Zip<TOp>(TOp op, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout)
        where TOp : struct, IBinaryOp;

    /// <summary>
    /// c[i] = a[i] ∘ b[i] exactly, for any element type (Elements/TypedZip): integers in long
    /// arithmetic wrapping into c's type, floats in double rounded once into c's type; a comparison
    /// writes 1 or 0 (c is then usually Bool). a and b have one element type and are already
    /// broadcast to c's shape. No gradient: the float32 ops run through <see cref="Zip"/>.
    /// </summary>
    void ZipTyped(TypedZipKind kind, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout);

    /// <summary>
    /// ga[i] = op.GradA(a[i], b[i], gc[i]) and gb[i] = op.GradB(...), over c's shape; a and b are
    /// broadcast views, ga and gb are dense of c's shape (un-broadcasting is autograd's job).
    /// Either output may be null when not needed.
    /// </summary>
    void ZipBackward<TOp>(TOp op, DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer gc, StridedLayout gcLayout, DeviceBuffer? ga, DeviceBuffer? gb)
        where TOp : struct, IBinaryOp;

    /// <summary>
    /// dst = reduce(src) over every dim where dst's size is 1 and src's is not.
    /// src: [d0, ..., dn], dst: same rank with reduced dims of size 1 (keepdim form).
    /// </summary>
    void Reduce(ReduceKind kind, DeviceBuffer src, StridedLayout srcLayout, DeviceBuffer dst, StridedLayout dstLayout);

    /// <summary>dst = index of the first maximum along <paramref name="dim"/>; dst: src's shape with dim of size 1, Int64 (or Float32).</summary>
    void ArgMax(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer dst, StridedLayout dstLayout);

    /// <summary>
    /// c = a·b per batch index (+ c when <paramref name="accumulate"/>). a: [..., M, K], b: [..., K, N],
    /// c: [..., M, N] dense; all three have the same batch dims (rank ≥ 2). a and b may have any
    /// strides: transposes are swapped strides, batch broadcasts are stride 0.
    /// </summary>
    void MatMul(DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout, bool accumulate = false);

    /// <summary>cols[n, (c,r,s), (p,q)] = x[n, c, p·stride + r·dilation − pad, ...] or 0 outside. x: [N, C, H, W] dense, cols: [N, C·R·S, P·Q] dense.</summary>
    void Im2Col(DeviceBuffer x, Conv2DGeometry geometry, DeviceBuffer cols, float padValue = 0f);

    /// <summary>The adjoint of Im2Col: x[n, c, h, w] = Σ of every column entry that read it. x is overwritten.</summary>
    void Col2Im(DeviceBuffer cols, Conv2DGeometry geometry, DeviceBuffer x);

    /// <summary>
    /// torch.gather: dst[..., i, ...] = src[..., index[..., i, ...], ...] along <paramref name="dim"/>.
    /// index and dst have the same shape; index is Int64, Int32 or Float32 holding integers. An index
    /// outside [0, size of dim) throws ArgumentException: on the CPU here, on a GPU at the next
    /// <see cref="CopyToHost"/> or <see cref="Synchronize"/> (the check runs on the device).
    /// </summary>
    void Gather(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer index, StridedLayout indexLayout,
        DeviceBuffer dst, StridedLayout dstLayout);

    /// <summary>The adjoint of Gather: dst[..., index[..., i, ...], ...] += src[..., i, ...] along dim.</summary>
    void ScatterAdd(DeviceBuffer src, StridedLayout srcLayout, int dim, DeviceBuffer index, StridedLayout indexLayout,
        DeviceBuffer dst, StridedLayout dstLayout);

    /// <summary>dst[i] = cond[i] != 0 ? a[i] : b[i]; all already broadcast to dst's shape; cond is Float32 or Bool.</summary>
    void Where(DeviceBuffer cond, StridedLayout condLayout, DeviceBuffer a, StridedLayout aLayout,
        DeviceBuffer b, StridedLayout bLayout, DeviceBuffer dst, StridedLayout dstLayout);

    /// <summary>
    /// dst[i] = sample(seed, counter + i) for i in [0, length), dense from dstOffset; dst is Float32
    /// (24-bit uniforms, a and b rounded to float) or Float64 (53-bit uniforms, in double).
    /// </summary>
    void Random(RandomKind kind, double a, double b, ulong seed, ulong counter, DeviceBuffer dst, long dstOffset, long length);

    /// <summary>Runs a fused op (Kernels/Fused): the op carries its CPU body and its GPU launch.</summary>
    void Run<TOp>(in TOp op) where TOp : struct, IFusedOp;

    /// <summary>Waits for queued work (a no-op on the CPU); on a GPU, throws for a bad index a queued kernel found.</summary>
    void Synchronize();
}
