using System.Runtime.InteropServices;
using System.Text;

namespace Verity.Zkvm.Tests.Determinism;

/// <summary>
/// A Z3 context driven through its SMT-LIB2 text interface (<c>Z3_eval_smtlib2_string</c>): the checker writes each
/// query as an SMT-LIB2 script and reads back <c>sat</c>/<c>unsat</c>/<c>unknown</c> and, for <c>sat</c>, the model
/// values it asks for. Only seven C functions are used, all present in every Z3 release since 4.0, so this works with
/// the system library (Debian's <c>libz3-4</c>, installed by scripts/install-test-deps.sh). The NuGet package
/// Microsoft.Z3 4.12.2 is not an option: it ships no Linux native library, and its managed binding calls
/// <c>Z3_enable_concurrent_dec_ref</c>, which the Debian library (4.8.12) does not have.
/// Scripts can be dumped for replay with the z3 command line: set VERITY_DETERMINISM_DUMP to a folder.
/// </summary>
internal sealed unsafe class Z3Session : IDisposable
{
    private static readonly Lazy<Api> Native = new(Api.Load);
    private IntPtr _context;

    public Z3Session()
    {
        var api = Native.Value;
        IntPtr config = api.MkConfig();
        _context = api.MkContext(config);
        api.DelConfig(config);
        if (_context == IntPtr.Zero) throw new InvalidOperationException("Z3_mk_context failed");
        // Without a handler Z3 only records errors (the default handler would end the process).
        api.SetErrorHandler(_context, IntPtr.Zero);
    }

    /// <summary>Evaluates SMT-LIB2 commands and returns what Z3 printed; throws on an <c>(error …)</c> answer.</summary>
    public string Eval(string script)
    {
        ObjectDisposedException.ThrowIf(_context == IntPtr.Zero, this);
        byte[] bytes = Encoding.UTF8.GetBytes(script + "\0");
        string output;
        fixed (byte* p = bytes) output = Marshal.PtrToStringUTF8(Native.Value.Eval(_context, p)) ?? "";
        int code = Native.Value.GetErrorCode(_context);
        if (code != 0 || output.Contains("(error", StringComparison.Ordinal))
            throw new InvalidOperationException($"Z3 rejected the script (error code {code}): {output.Trim()}");
        return output;
    }

    public void Dispose()
    {
        if (_context == IntPtr.Zero) return;
        Native.Value.DelContext(_context);
        _context = IntPtr.Zero;
    }

    private sealed class Api
    {
        public required delegate* unmanaged<IntPtr> MkConfig;
        public required delegate* unmanaged<IntPtr, void> DelConfig;
        public required delegate* unmanaged<IntPtr, IntPtr> MkContext;
        public required delegate* unmanaged<IntPtr, void> DelContext;
        public required delegate* unmanaged<IntPtr, byte*, IntPtr> Eval;
        public required delegate* unmanaged<IntPtr, IntPtr, void> SetErrorHandler;
        public required delegate* unmanaged<IntPtr, int> GetErrorCode;

        public static Api Load()
        {
            string[] names = OperatingSystem.IsWindows() ? ["libz3.dll", "z3.dll"]
                : OperatingSystem.IsMacOS() ? ["libz3.dylib", "/opt/homebrew/lib/libz3.dylib", "/usr/local/lib/libz3.dylib"]
                : ["libz3.so.4", "libz3.so"];
            IntPtr lib = IntPtr.Zero;
            foreach (var name in names)
                if (NativeLibrary.TryLoad(name, out lib)) break;
            if (lib == IntPtr.Zero)
                throw new InvalidOperationException($"The determinism checker needs the Z3 solver library ({string.Join(" or ", names)}); " +
                    "on Debian/Ubuntu install the package libz3-4 (scripts/install-test-deps.sh does).");
            IntPtr F(string name) => NativeLibrary.GetExport(lib, name);
            return new Api
            {
                MkConfig = (delegate* unmanaged<IntPtr>)F("Z3_mk_config"),
                DelConfig = (delegate* unmanaged<IntPtr, void>)F("Z3_del_config"),
                MkContext = (delegate* unmanaged<IntPtr, IntPtr>)F("Z3_mk_context"),
                DelContext = (delegate* unmanaged<IntPtr, void>)F("Z3_del_context"),
                Eval = (delegate* unmanaged<IntPtr, byte*, IntPtr>)F("Z3_eval_smtlib2_string"),
                SetErrorHandler = (delegate* unmanaged<IntPtr, IntPtr, void>)F("Z3_set_error_handler"),
                GetErrorCode = (delegate* unmanaged<IntPtr, int>)F("Z3_get_error_code"),
            };
        }
    }
}
