using System.Text;

namespace CoServe.Platform.Csv;

/// <summary>Encodings for imported files, set to throw on invalid bytes instead of guessing.</summary>
public static class StrictEncodings
{
    // Field initializers run in order: the code-page provider must be registered before GBK is looked up.
    private static readonly bool CodePagesRegistered = RegisterCodePages();

    public static Encoding Utf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Encoding Gbk { get; } = Encoding.GetEncoding(936, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    private static bool RegisterCodePages()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return true;
    }

    public static Encoding Strict(Encoding encoding) => !CodePagesRegistered ? encoding : encoding.CodePage switch
    {
        65001 => Utf8,
        936 => Gbk,
        _ => Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback),
    };

    /// <summary>Parses an --encoding value: utf-8 (default) or gbk (also gb2312, gb18030, cp936).</summary>
    public static Encoding Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "utf-8" or "utf8" => Utf8,
        "gbk" or "gb2312" or "cp936" or "936" => Gbk,
        "gb18030" => Encoding.GetEncoding(54936, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback),
        _ => throw new ArgumentException($"unknown encoding '{name}'; use utf-8 or gbk", nameof(name)),
    };
}
