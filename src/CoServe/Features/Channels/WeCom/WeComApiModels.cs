using System.Text.Json;
using System.Text.Json.Serialization;

namespace CoServe.Features.Channels.WeCom;

// WeCom's JSON wire shapes. Property names follow WeCom's snake_case fields through the naming policy in
// WeComJson (external_userid -> ExternalUserid), so they read like the official docs.

internal static class WeComJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };
}

/// <summary>Every WeCom API answer carries errcode/errmsg; 0 is success.</summary>
public class WeComReply
{
    public int Errcode { get; set; }
    public string? Errmsg { get; set; }
}

public sealed class WeComTokenReply : WeComReply
{
    public string? AccessToken { get; set; }
    public int ExpiresIn { get; set; }
}

public sealed class KfSyncRequest
{
    public string? Cursor { get; set; }
    public string? Token { get; set; }
    public int Limit { get; set; } = 1000;
    public int VoiceFormat { get; set; }
    public string? OpenKfid { get; set; }
}

public sealed class KfSyncReply : WeComReply
{
    public string? NextCursor { get; set; }
    public int HasMore { get; set; }
    public List<KfMessage> MsgList { get; set; } = [];
}

public sealed class KfText
{
    public string? Content { get; set; }
    public string? MenuId { get; set; }
}

public sealed class KfMedia
{
    public string? MediaId { get; set; }
}

public sealed class KfLocation
{
    public double Latitude { get; set; }
    public double Longitude { get; set; }
    public string? Name { get; set; }
    public string? Address { get; set; }
}

public sealed class KfLink
{
    public string? Title { get; set; }
    public string? Desc { get; set; }
    public string? Url { get; set; }
}

public sealed class KfEvent
{
    public string? EventType { get; set; }
}

/// <summary>One item of kf/sync_msg. origin: 3 the WeChat customer, 4 a system event, 5 a servicer in WeCom.</summary>
public sealed class KfMessage
{
    public const int OriginCustomer = 3;

    public string Msgid { get; set; } = "";
    public string? OpenKfid { get; set; }
    public string? ExternalUserid { get; set; }
    public long SendTime { get; set; }
    public int Origin { get; set; }
    public string? ServicerUserid { get; set; }
    public string Msgtype { get; set; } = "";
    public KfText? Text { get; set; }
    public KfMedia? Image { get; set; }
    public KfMedia? Voice { get; set; }
    public KfMedia? Video { get; set; }
    public KfMedia? File { get; set; }
    public KfLocation? Location { get; set; }
    public KfLink? Link { get; set; }
    public KfEvent? Event { get; set; }
}

public sealed class KfSendTextRequest
{
    public string Touser { get; set; } = "";
    public string OpenKfid { get; set; } = "";
    public string? Msgid { get; set; }
    public string Msgtype { get; set; } = "text";
    public KfText Text { get; set; } = new();
}

public sealed class KfSendReply : WeComReply
{
    public string? Msgid { get; set; }
}

public sealed class KfServiceStateReply : WeComReply
{
    public int ServiceState { get; set; }
    public string? ServicerUserid { get; set; }
}

public sealed class KfServiceStateTransReply : WeComReply
{
    public string? MsgCode { get; set; }
}

public sealed class ContactListReply : WeComReply
{
    public List<string> ExternalUserid { get; set; } = [];
}

public sealed class ExternalContactInfo
{
    public string ExternalUserid { get; set; } = "";
    public string? Name { get; set; }
    public int Type { get; set; }
    public string? Avatar { get; set; }
    public int Gender { get; set; }
    public string? Unionid { get; set; }
    public string? CorpName { get; set; }
}

public sealed class FollowTag
{
    public string? GroupName { get; set; }
    public string? TagName { get; set; }
    public string? TagId { get; set; }
    public int Type { get; set; }
}

public sealed class FollowUser
{
    public string Userid { get; set; } = "";
    public string? Remark { get; set; }
    public string? Description { get; set; }
    public long Createtime { get; set; }
    public List<FollowTag> Tags { get; set; } = [];
    public List<string> RemarkMobiles { get; set; } = [];
    public int AddWay { get; set; }
    public string? OperUserid { get; set; }
    public string? State { get; set; }
}

public sealed class ContactGetReply : WeComReply
{
    public ExternalContactInfo? ExternalContact { get; set; }
    public List<FollowUser> FollowUser { get; set; } = [];
    public string? NextCursor { get; set; }
}

public sealed class FollowInfo
{
    public string Userid { get; set; } = "";
    public string? Remark { get; set; }
    public string? Description { get; set; }
    public long Createtime { get; set; }
    public List<string> TagId { get; set; } = [];
    public List<string> RemarkMobiles { get; set; } = [];
    public int AddWay { get; set; }
    public string? OperUserid { get; set; }
}

public sealed class ContactByUserItem
{
    public ExternalContactInfo ExternalContact { get; set; } = new();
    public FollowInfo FollowInfo { get; set; } = new();
}

public sealed class BatchGetByUserRequest
{
    public List<string> UseridList { get; set; } = [];
    public string? Cursor { get; set; }
    public int Limit { get; set; } = 100;
}

public sealed class BatchGetByUserReply : WeComReply
{
    public List<ContactByUserItem> ExternalContactList { get; set; } = [];
    public string? NextCursor { get; set; }
}

public sealed class TransferCustomerRequest
{
    public string HandoverUserid { get; set; } = "";
    public string TakeoverUserid { get; set; } = "";
    public List<string> ExternalUserid { get; set; } = [];
    public string? TransferSuccessMsg { get; set; }
}

public sealed class TransferCustomerItem
{
    public string ExternalUserid { get; set; } = "";
    public int Errcode { get; set; }
}

public sealed class TransferCustomerReply : WeComReply
{
    public List<TransferCustomerItem> Customer { get; set; } = [];
}

public sealed class TransferResultRequest
{
    public string HandoverUserid { get; set; } = "";
    public string TakeoverUserid { get; set; } = "";
    public string? Cursor { get; set; }
}

public sealed class TransferResultItem
{
    public string ExternalUserid { get; set; } = "";
    public int Status { get; set; }
    public long TakeoverTime { get; set; }
}

public sealed class TransferResultReply : WeComReply
{
    public List<TransferResultItem> Customer { get; set; } = [];
    public string? NextCursor { get; set; }
}

public sealed class UnassignedRequest
{
    public string? Cursor { get; set; }
    public int PageSize { get; set; } = 1000;
}

public sealed class UnassignedItem
{
    public string HandoverUserid { get; set; } = "";
    public string ExternalUserid { get; set; } = "";
    public long DimissionTime { get; set; }
}

public sealed class UnassignedReply : WeComReply
{
    public List<UnassignedItem> Info { get; set; } = [];
    public bool IsLast { get; set; }
    public string? NextCursor { get; set; }
}

public sealed class MsgTemplateText
{
    public string Content { get; set; } = "";
}

public sealed class AddMsgTemplateRequest
{
    public string ChatType { get; set; } = "single";
    public List<string> ExternalUserid { get; set; } = [];
    public string? Sender { get; set; }
    public MsgTemplateText? Text { get; set; }
}

public sealed class AddMsgTemplateReply : WeComReply
{
    public List<string> FailList { get; set; } = [];
    public string? Msgid { get; set; }
}

public sealed class MarkTagRequest
{
    public string Userid { get; set; } = "";
    public string ExternalUserid { get; set; } = "";
    public List<string>? AddTag { get; set; }
    public List<string>? RemoveTag { get; set; }
}

/// <summary>message/send: an application message to staff members (企业微信应用消息), text or textcard.</summary>
public sealed class AppMessageRequest
{
    /// <summary>Staff user ids joined with '|'.</summary>
    public string Touser { get; set; } = "";
    public string Msgtype { get; set; } = "text";
    public int Agentid { get; set; }
    public AppText? Text { get; set; }
    public AppTextCard? Textcard { get; set; }
    /// <summary>1: WeCom drops a repeat of the same content to the same users within the interval (a retry after a lost answer).</summary>
    public int EnableDuplicateCheck { get; set; }
    public int DuplicateCheckInterval { get; set; } = 1800;
}

public sealed class AppText
{
    public string Content { get; set; } = "";
}

public sealed class AppTextCard
{
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string Url { get; set; } = "";
    public string? Btntxt { get; set; }
}

public sealed class AppMessageReply : WeComReply
{
    /// <summary>Recipients WeCom did not accept, joined with '|'.</summary>
    public string? Invaliduser { get; set; }
    public string? Msgid { get; set; }
}
