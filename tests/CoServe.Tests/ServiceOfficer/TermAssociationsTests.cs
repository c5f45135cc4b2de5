using CoServe.Features.ServiceOfficer.Retrieval;

namespace CoServe.Tests.ServiceOfficer;

/// <summary>
/// The translation model learned from paraphrase groups: a word that sibling wordings use for the same thing counts
/// for another entry that only has the other word, and a wording left out of training teaches nothing.
/// </summary>
public sealed class TermAssociationsTests
{
    // Entry 0 says 提现 and 银证转账 转出 for the same thing; entry 1 only ever says 转出; entry 2 is about something else.
    private static readonly (int Entry, string[] Words)[] Kb =
    [
        (0, ["提现", "流程"]),
        (0, ["银证转账", "转出", "流程"]),
        (0, ["提现", "怎么", "操作"]),
        (0, ["转出", "怎么", "操作"]),
        (1, ["转出", "到账", "时间"]),
        (1, ["转出", "多久", "到账"]),
        (1, ["资金", "转出", "几点", "到账"]),
        (2, ["开户", "时间"]),
        (2, ["开户", "多久"]),
        (2, ["开户", "几点", "办理"]),
    ];

    [Fact]
    public void Score_RanksTheEntryWithTheAssociatedWord()
    {
        var model = TermAssociations.Train(Kb, entryCount: 3);
        // "提现 多久 到账": entry 1 never says 提现, but 提现 translates to its 转出.
        var query = model.WordIds(["提现", "多久", "到账"]);
        Assert.True(model.Score(1, query) > model.Score(2, query));

        // 提现 alone: entry 1 gets evidence from the association (its 转出), entry 2 only the background share.
        var single = model.WordIds(["提现"]);
        Assert.True(model.Score(1, single) > model.Score(2, single));
        Assert.Equal(MathF.Log(TermAssociations.BackgroundWeight), model.Score(2, single), 4);
    }

    [Fact]
    public void LeftOutWordings_TeachNothing()
    {
        // Without entry 0's wordings that pair 提现 with 转出, 提现 (still in the vocabulary through a one-wording
        // entry 3) is no evidence for entry 1 any more.
        var without = Kb.Where(w => w.Entry != 0).Append((3, ["提现", "开户"])).ToList();
        var model = TermAssociations.Train(without, entryCount: 4);
        var single = model.WordIds(["提现"]);
        Assert.NotEqual(-1, single[0]);
        Assert.True(model.Score(1, single) < 0f);
        Assert.True(model.Score(3, single) > 0f);
        // Entry 0 has no wording left: its distribution is empty, every known word scores as absent.
        Assert.True(model.Score(0, single) < 0f);
    }

    [Fact]
    public void UnknownWords_AreNoEvidence_AndTrainingIsDeterministic()
    {
        var a = TermAssociations.Train(Kb, entryCount: 3);
        var b = TermAssociations.Train(Kb, entryCount: 3);
        var unknown = a.WordIds(["港股通"]);
        Assert.Equal(-1, unknown[0]);
        Assert.Equal(0f, a.Score(1, unknown));
        var query = a.WordIds(["提现", "到账"]);
        for (var e = 0; e < 3; e++) Assert.Equal(a.Score(e, query), b.Score(e, query));
    }
}
