using System.Runtime.InteropServices;

namespace CoServe.Features.Channels.WeCom.Archive;

/// <summary>
/// WeCom's native Finance SDK (libWeWorkFinanceSdk_C.so, C API) through P/Invoke: NewSdk, Init(corpid, secret),
/// GetChatData(sdk, seq, limit, proxy, passwd, timeout, slice), DecryptData(encrypt_key, encrypt_msg, slice),
/// NewSlice/GetContentFromSlice/GetSliceLen/FreeSlice, DestroySdk. The library is loaded from the configured path
/// only (no search path), and one instance's calls are serialised: the SDK handle is not documented as thread-safe.
/// </summary>
public sealed class FinanceSdkArchiveSource : IArchiveSource
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr NewSdkFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int InitFn(IntPtr sdk, [MarshalAs(UnmanagedType.LPUTF8Str)] string corpId, [MarshalAs(UnmanagedType.LPUTF8Str)] string secret);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetChatDataFn(IntPtr sdk, ulong seq, uint limit, [MarshalAs(UnmanagedType.LPUTF8Str)] string? proxy, [MarshalAs(UnmanagedType.LPUTF8Str)] string? passwd, int timeout, IntPtr slice);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int DecryptDataFn([MarshalAs(UnmanagedType.LPUTF8Str)] string encryptKey, [MarshalAs(UnmanagedType.LPUTF8Str)] string encryptMsg, IntPtr slice);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr NewSliceFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SliceFn(IntPtr slice);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr SliceContentFn(IntPtr slice);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SliceLenFn(IntPtr slice);

    private readonly Lock _gate = new();
    private readonly IntPtr _library;
    private readonly IntPtr _sdk;
    private readonly GetChatDataFn _getChatData;
    private readonly DecryptDataFn _decryptData;
    private readonly NewSliceFn _newSlice;
    private readonly SliceFn _freeSlice;
    private readonly SliceContentFn _content;
    private readonly SliceLenFn _length;
    private readonly SliceFn _destroySdk;
    private readonly string? _proxy;
    private readonly string? _proxyCredentials;
    private readonly int _timeoutSeconds;

    private FinanceSdkArchiveSource(IntPtr library, string corpId, string secret, ArchiveOptions options)
    {
        _library = library;
        T Fn<T>(string name) where T : Delegate =>
            NativeLibrary.TryGetExport(library, name, out var address)
                ? Marshal.GetDelegateForFunctionPointer<T>(address)
                : throw new InvalidOperationException($"WeCom:Archive:SdkLibraryPath: the library has no {name} export; is it WeCom's Finance SDK?");
        var newSdk = Fn<NewSdkFn>("NewSdk");
        var init = Fn<InitFn>("Init");
        _getChatData = Fn<GetChatDataFn>("GetChatData");
        _decryptData = Fn<DecryptDataFn>("DecryptData");
        _newSlice = Fn<NewSliceFn>("NewSlice");
        _freeSlice = Fn<SliceFn>("FreeSlice");
        _content = Fn<SliceContentFn>("GetContentFromSlice");
        _length = Fn<SliceLenFn>("GetSliceLen");
        _destroySdk = Fn<SliceFn>("DestroySdk");
        _proxy = options.Proxy;
        _proxyCredentials = options.ProxyCredentials;
        _timeoutSeconds = options.TimeoutSeconds;
        _sdk = newSdk();
        var code = init(_sdk, corpId, secret);
        if (code != 0)
        {
            _destroySdk(_sdk);
            throw new ArchiveSourceException($"WeCom Finance SDK Init failed with code {code} (check the corp id and the 会话内容存档 secret)");
        }
    }

    /// <summary>Loads the SDK from the configured path; a clear error when it is missing or not loadable.</summary>
    public static FinanceSdkArchiveSource Open(string libraryPath, string corpId, string secret, ArchiveOptions options)
    {
        if (!File.Exists(libraryPath)) throw new InvalidOperationException($"WeCom:Archive:SdkLibraryPath: no file at {libraryPath}");
        if (!NativeLibrary.TryLoad(libraryPath, out var library))
        {
            throw new InvalidOperationException($"WeCom:Archive:SdkLibraryPath: {libraryPath} could not be loaded as a native library (wrong architecture or missing dependencies?)");
        }
        try
        {
            return new FinanceSdkArchiveSource(library, corpId, secret, options);
        }
        catch
        {
            NativeLibrary.Free(library);
            throw;
        }
    }

    public Task<ChatDataReply> GetChatDataAsync(long seq, int limit, CancellationToken ct)
    {
        // The SDK call blocks up to its timeout; keep it off the caller's thread.
        return Task.Run(() =>
        {
            string json;
            lock (_gate)
            {
                json = WithSlice(slice =>
                {
                    var code = _getChatData(_sdk, (ulong)seq, (uint)limit, _proxy, _proxyCredentials, _timeoutSeconds, slice);
                    return code == 0 ? Read(slice) : throw new ArchiveSourceException($"GetChatData failed with SDK code {code}");
                });
            }
            var reply = ChatDataReply.Parse(json);
            if (reply.ErrCode != 0) throw new ArchiveSourceException($"GetChatData errcode {reply.ErrCode}");
            return reply;
        }, ct);
    }

    public string? DecryptData(string randomKey, string encryptChatMsg)
    {
        lock (_gate)
        {
            return WithSlice(slice => _decryptData(randomKey, encryptChatMsg, slice) == 0 ? Read(slice) : null);
        }
    }

    private T WithSlice<T>(Func<IntPtr, T> use)
    {
        var slice = _newSlice();
        try
        {
            return use(slice);
        }
        finally
        {
            _freeSlice(slice);
        }
    }

    private string Read(IntPtr slice) => Marshal.PtrToStringUTF8(_content(slice), _length(slice));

    public void Dispose()
    {
        lock (_gate)
        {
            _destroySdk(_sdk);
            NativeLibrary.Free(_library);
        }
    }
}
