using System.CommandLine;
using CoServe.Features.Assets;
using CoServe.Platform.Csv;

namespace CoServe.Cli.Commands;

/// <summary>The file argument and flags every CSV import shares.</summary>
internal sealed class ImportOptions
{
    public Argument<FileInfo> File { get; } = new("FILE") { Description = "CSV file with a header row" };
    public Option<string> Encoding { get; } = new("--encoding") { Description = "utf-8 (default) or gbk", DefaultValueFactory = _ => "utf-8" };
    public Option<bool> SkipBadRows { get; } = new("--skip-bad-rows") { Description = "Import good rows, write bad ones to FILE.rejects.csv" };

    public void AddTo(Command command)
    {
        command.Arguments.Add(File);
        command.Options.Add(Encoding);
        command.Options.Add(SkipBadRows);
    }

    public (FileInfo File, AssetImportSettings Settings) Read(ParseResult parse)
    {
        var file = parse.GetValue(File)!;
        if (!file.Exists) throw new FileNotFoundException($"{file.FullName} does not exist");
        return (file, new AssetImportSettings(StrictEncodings.Parse(parse.GetValue(Encoding)), parse.GetValue(SkipBadRows)));
    }
}
