using ILGPU;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// The pieces every GEMM variant shares: which block of C a group computes, how a thread moves
/// its four values of an operand tile from global memory (one 16-byte load when aligned) into a
/// k-major shared tile, and the bounds-checked store of results. Shared tiles are
/// <c>tile[k·stride + m]</c> (A) and <c>tile[k·stride + n]</c> (B), two of them per operand
/// (double buffering), so a thread's four rows or columns of one k are one 16-byte shared load.
/// </summary>
internal static class GpuGemmTile
{
    /// <summary>K per shared tile. Each thread loads exactly four values of A and four of B per step.</summary>
    public const int Depth = 8;

    /// <summary>The batch, first row and first column of C that group <paramref name="group"/> computes.</summary>
    public static void Block(GemmArgs g, int group, int tile, out int batch, out int rowBase, out int colBase)
    {
        int tileN = group % g.TilesN, rest = group / g.TilesN;
        rowBase = rest % g.TilesM * tile;
        colBase = tileN * tile;
        batch = rest / g.TilesM;
    }

    /// <summary>
    /// The (k, x) of the first of thread <paramref name="tid"/>'s four values in a Depth×tile
    /// tile: four consecutive k (<paramref name="alongK"/>, the operand's k stride is its unit
    /// one) or four consecutive rows/columns, so the global reads of a warp are coalesced.
    /// </summary>
    public static void Slot(int tid, int tile, bool alongK, out int k, out int x)
    {
        if (alongK)
        {
            x = tid / 2;
            k = tid % 2 * 4;
        }
        else
        {
            k = tid / (tile / 4);
            x = tid % (tile / 4) * 4;
        }
    }

    /// <summary>
    /// Four consecutive elements of a rows×cols matrix from (r, c), along its columns or rows;
    /// zero outside. <paramref name="vec"/>: one 16-byte load (the host checked that the four are
    /// aligned and either all inside or all outside).
    /// </summary>
    public static GpuFloat4 Fetch(ArrayView<float> v, ArrayView<GpuFloat4> v4, bool vec, int offset,
        int r, int c, int rows, int cols, int rowStride, int colStride, bool alongCols)
    {
        if (vec) return r < rows && c < cols ? v4[(offset + r * rowStride + c * colStride) / 4] : default;
        int dr = alongCols ? 0 : 1, dc = alongCols ? 1 : 0;
        return new GpuFloat4
        {
            X = At(v, offset, r, c, rows, cols, rowStride, colStride),
            Y = At(v, offset, r + dr, c + dc, rows, cols, rowStride, colStride),
            Z = At(v, offset, r + 2 * dr, c + 2 * dc, rows, cols, rowStride, colStride),
            W = At(v, offset, r + 3 * dr, c + 3 * dc, rows, cols, rowStride, colStride),
        };
    }

    /// <summary>Writes a thread's four values at (k, x) of the shared tile starting at <paramref name="at"/>.</summary>
    public static void Put(ArrayView<float> s, ArrayView<GpuFloat4> s4, int at, int stride, bool alongK, int k, int x, GpuFloat4 f)
    {
        int i = at + k * stride + x;
        if (alongK)
        {
            s[i] = f.X;
            s[i + stride] = f.Y;
            s[i + 2 * stride] = f.Z;
            s[i + 3 * stride] = f.W;
        }
        else
        {
            s4[i / 4] = f;
        }
    }

    /// <summary>Stores a 4×4 sub-tile of C at (row, col), skipping what lies outside.</summary>
    public static void StoreTile(GemmArgs g, ArrayView<float> c, ArrayView<GpuFloat4> c4, int cBase, int row, int col, GpuGemmAcc v)
    {
        StoreRow(g, c, c4, cBase, row, col, v.V00, v.V01, v.V02, v.V03);
        StoreRow(g, c, c4, cBase, row + 1, col, v.V10, v.V11, v.V12, v.V13);
        StoreRow(g, c, c4, cBase, row + 2, col, v.V20, v.V21, v.V22, v.V23);
        StoreRow(g, c, c4, cBase, row + 3, col, v.V30, v.V31, v.V32, v.V33);
    }

    /// <summary>c[row, col] = v (or += v when accumulating), when inside C.</summary>
    public static void Store(GemmArgs g, ArrayView<float> c, int cBase, int row, int col, float v)
    {
        if (row >= g.M || col >= g.N) return;
        int i = cBase + row * g.CRow + col * g.CCol;
        c[i] = g.Accumulate != 0 ? c[i] + v : v;
    }

    private static void StoreRow(GemmArgs g, ArrayView<float> c, ArrayView<GpuFloat4> c4, int cBase, int row, int col,
        float v0, float v1, float v2, float v3)
    {
        if (row >= g.M) return;
        if (g.CVec != 0)
        {
            // N % 4 == 0 and col % 4 == 0: the four are all inside or all outside.
            if (col >= g.N) return;
            int i = (cBase + row * g.CRow + col) / 4;
            var old = g.Accumulate != 0 ? c4[i] : default;
            c4[i] = new GpuFloat4 { X = old.X + v0, Y = old.Y + v1, Z = old.Z + v2, W = old.W + v3 };
            return;
        }
        Store(g, c, cBase, row, col, v0);
        Store(g, c, cBase, row, col + 1, v1);
        Store(g, c, cBase, row, col + 2, v2);
        Store(g, c, cBase, row, col + 3, v3);
    }

    private static float At(ArrayView<float> v, int offset, int r, int c, int rows, int cols, int rowStride, int colStride) =>
        r < rows && c < cols ? v[offset + r * rowStride + c * colStride] : 0f;
}
