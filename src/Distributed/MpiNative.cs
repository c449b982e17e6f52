using System.Runtime.InteropServices;

namespace DeepNet.Distributed;

/// <summary>
/// The few MPI calls data-parallel training needs, bound to Open MPI's libmpi.so.40 (Debian's
/// openmpi 4.1). Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM) are the addresses of
/// exported globals, read once with dlsym; MS-MPI's integer handles (what MPI.NET 1.4.0 binds,
/// through msmpi.dll) do not work here: see docs/distributed.md.
/// </summary>
internal static unsafe class MpiNative
{
    public const string Library = "libmpi.so.40";
    public const int ThreadMultiple = 3;             // MPI_THREAD_MULTIPLE in Open MPI's mpi.h
    public static readonly IntPtr InPlace = 1;       // MPI_IN_PLACE

    private const int RtldNow = 2, RtldGlobal = 0x100;

    public static IntPtr CommWorld, Float, Double, Byte, Sum;

    /// <summary>
    /// Loads libmpi with RTLD_GLOBAL (Open MPI's plugins resolve their symbols against it; the
    /// runtime's own dlopen is RTLD_LOCAL) and reads the handles; false when Open MPI is absent.
    /// </summary>
    public static bool TryLoad()
    {
        if (CommWorld != 0) return true;
        IntPtr handle;
        try { handle = DlOpen(Library, RtldNow | RtldGlobal); }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
        if (handle == 0) return false;
        CommWorld = Export(handle, "ompi_mpi_comm_world");
        Float = Export(handle, "ompi_mpi_float");
        Double = Export(handle, "ompi_mpi_double");
        Byte = Export(handle, "ompi_mpi_byte");
        Sum = Export(handle, "ompi_mpi_op_sum");
        return true;
    }

    private static IntPtr Export(IntPtr handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out var address) ? address
            : throw new InvalidOperationException($"mpi: {Library} has no symbol {name}; DeepNet.Distributed needs Open MPI 4.x (apt-get install -y openmpi-bin libopenmpi-dev)");

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);

    [DllImport(Library)] public static extern int MPI_Initialized(out int flag);
    [DllImport(Library)] public static extern int MPI_Finalized(out int flag);
    [DllImport(Library)] public static extern int MPI_Init_thread(IntPtr argc, IntPtr argv, int required, out int provided);
    [DllImport(Library)] public static extern int MPI_Finalize();
    [DllImport(Library)] public static extern int MPI_Abort(IntPtr comm, int errorCode);
    [DllImport(Library)] public static extern int MPI_Comm_rank(IntPtr comm, out int rank);
    [DllImport(Library)] public static extern int MPI_Comm_size(IntPtr comm, out int size);
    [DllImport(Library)] public static extern int MPI_Barrier(IntPtr comm);
    [DllImport(Library)] public static extern int MPI_Bcast(void* buffer, int count, IntPtr datatype, int root, IntPtr comm);
    [DllImport(Library)] public static extern int MPI_Allreduce(IntPtr sendBuffer, void* receiveBuffer, int count, IntPtr datatype, IntPtr op, IntPtr comm);
}
