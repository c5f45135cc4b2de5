using CoServe.Features.ServiceOfficer.RuleLists;

namespace CoServe.Features.ServiceOfficer.Guardrails;

/// <summary>
/// The approved guardrail rule list (the engine's snapshot, the knowledge editor's check, the KB import and the
/// preview share it); version 1 is <see cref="GuardrailRuleSet.DefaultRules"/>.
/// </summary>
public sealed class GuardrailRulesInForce(IServiceScopeFactory scopes, TimeProvider clock) : RulesInForce<GuardrailRuleData, GuardrailRuleSet>(scopes, clock)
{
    public override RuleListKind Kind => RuleListKind.Guardrail;

    protected override IReadOnlyList<GuardrailRuleData> DefaultRules { get; } = [.. GuardrailRuleSet.DefaultRules.Select(GuardrailRuleData.From)];

    protected override string NoticeName => "合规护栏规则";

    public override string PagePath => "/guardrails";

    public override GuardrailRuleSet Compile(IReadOnlyList<GuardrailRuleData> rules, int version) => GuardrailRuleData.Compile(rules, version);
}
