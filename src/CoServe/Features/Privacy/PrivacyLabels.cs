namespace CoServe.Features.Privacy;

/// <summary>Chinese names of the rights for notification lines, which are stored text rather than rendered pages.</summary>
public static class PrivacyLabels
{
    public static string Right(DataRight right) => right switch
    {
        DataRight.Copy => "查阅复制",
        DataRight.Correct => "更正补充",
        DataRight.Delete => "删除",
        DataRight.Explain => "解释说明",
        _ => right.ToString(),
    };
}
