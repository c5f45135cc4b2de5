using CoServe.Data;
using CoServe.Features.Notifications;
using CoServe.Features.ServiceOfficer.Knowledge;
using CoServe.Features.ServiceOfficer.RuleLists;
using CoServe.Platform.Auth;

namespace CoServe.Features.ServiceOfficer.Guardrails;

/// <summary>The guardrail rule lists' use cases (the shared workflow of <see cref="RuleListEditor{TRule, TCompiled}"/>).</summary>
public sealed class GuardrailRuleEditor(CoServeDb db, TimeProvider clock, GuardrailRulesInForce inForce, KnowledgeReloader reloader, Notifier notifier)
    : RuleListEditor<GuardrailRuleData, GuardrailRuleSet>(db, clock, inForce, reloader, notifier)
{
    public static bool CanEdit(CurrentStaff s) => RuleListRoles.CanEdit(s);

    public static bool CanRead(CurrentStaff s) => RuleListRoles.CanRead(s);

    protected override string What => "guardrail rules";

    protected override void Validate(IReadOnlyList<GuardrailRuleData> rules) => GuardrailRuleValidation.Validate(rules);
}
