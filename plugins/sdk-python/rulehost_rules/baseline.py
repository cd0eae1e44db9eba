"""The municipal baseline rules (市级基线规则) as a library: an exact port of
the Rust SDK's `plugins/sdk/src/baseline.rs`. The baseline plugin runs them
unchanged; a district plugin runs them through the `Rules` hooks and changes
only what its policy changes. Every reason carries the values compared, and
every reason, figure and amount is byte for byte what the Rust baseline
gives: the same float operations in the same order, the same rounding, the
same number formatting (`rulehost_rules.money`).

Reasons that do not depend on the household are built once, at import (which
componentize-py runs at build time); the others are f-strings.
"""

from typing import List, Optional, Tuple

from .facts import Facts
from .money import display, fen_yuan, num, round_half_away, span, to_fen, yuan
from .params import Params
from .types import (
    Date,
    Decision,
    Evaluation,
    Flag,
    Household,
    Insurance,
    LaborCapacity,
    MonitoringCategory,
    PovertyStatus,
    SafetyGrade,
    Severity,
)

PARAMETERS = (
    "monitoring_income_line",
    "dibao_line",
    "hardship_expenditure_ratio",
    "income_drop_ratio",
    "employment_min_months",
)
"""The parameters the baseline reads, in the order the host passes them."""


class codes:
    """Stable codes of the guarantee flags (两不愁三保障 and drinking water)
    and of the programme decisions."""

    FOOD_CLOTHING = "guarantee.food_clothing"
    COMPULSORY_EDUCATION = "guarantee.compulsory_education"
    BASIC_MEDICAL = "guarantee.basic_medical"
    HOUSING_SAFETY = "guarantee.housing_safety"
    DRINKING_WATER = "guarantee.drinking_water"
    DIBAO = "dibao"
    TEKUN = "tekun"
    MEDICAL_TILT = "medical_tilt"
    HOUSING_RENOVATION = "housing_renovation"
    EMPLOYMENT_SUPPORT = "employment_support"
    PENSION_SUBSIDY = "pension_subsidy"


# The baseline's thresholds, named once: each condition tests the constant
# and each reason that cites the threshold prints the same constant. Ranges
# are inclusive (first, last) pairs.

COMPULSORY_EDUCATION_AGES = (6, 15)
"""义务教育阶段: ages, in full years, of compulsory education."""
ADULT_AGE = 16
"""Members younger than this are minors (未满 16 周岁), a ground for tekun."""
ELDERLY_AGE = 60
"""Members this old or older are elderly (年满 60 周岁), a ground for tekun."""
WORKING_AGES = (ADULT_AGE, ELDERLY_AGE - 1)
"""劳动年龄: from adulthood up to the elderly age (employment support, pension subsidy)."""
SEVERE_DISABILITY_GRADES = (1, 2)
"""重度残疾: disability grades that ground tekun and a full pension subsidy."""
INFANT_MEDICAL_EXEMPT_DAYS = 90
"""Infants younger than this many days are exempt from the medical flag."""
WATER_MIN_LITRES = 35.0
"""Drinking water: at least this many litres per person per day ..."""
WATER_MIN_LITRES_SCARCE = 20.0
"""... or this many in a water-scarce area (缺水地区);"""
WATER_MAX_FETCH_MINUTES = 20.0
"""at most this many minutes to fetch water, there and back;"""
WATER_MAX_INTERRUPTION_DAYS = 36
"""at most this many days without supply in a year."""

_EDUCATION_FIRST, _EDUCATION_LAST = COMPULSORY_EDUCATION_AGES
_WORKING_FIRST, _WORKING_LAST = WORKING_AGES
_SEVERE_FIRST, _SEVERE_LAST = SEVERE_DISABILITY_GRADES

_LIFTED = PovertyStatus.LIFTED
_INSURANCE_NONE = Insurance.NONE
_INSURANCE_RESIDENT = Insurance.RESIDENT
_LABOR_NONE = LaborCapacity.NONE
_GRADE_C = SafetyGrade.C
_GRADE_D = SafetyGrade.D
_WARNING, _CRITICAL = Severity.WARNING, Severity.CRITICAL
_UNSTABLE_LIFTED = MonitoringCategory.UNSTABLE_LIFTED
_MARGINAL = MonitoringCategory.MARGINAL
_SUDDEN_HARDSHIP = MonitoringCategory.SUDDEN_HARDSHIP


_WORKING_SPAN = span(*WORKING_AGES)
_SEVERE_SPAN = span(*SEVERE_DISABILITY_GRADES)
_EDUCATION_REASON = f"义务教育阶段（{span(*COMPULSORY_EDUCATION_AGES)} 周岁）未入学且未送教上门："
_MEDICAL_REASON = f"常住成员未参加基本医疗保险（出生未满 {INFANT_MEDICAL_EXEMPT_DAYS} 天的婴儿除外）："
# Housing reasons by grade, the grade as the JSON contract writes it (`A` to `D`).
_SAFE = {grade: f"住房安全等级 {grade.name} 级，无需改造" for grade in SafetyGrade}
_RENOVATED = {grade: f"住房安全等级 {grade.name} 级，已改造" for grade in SafetyGrade}
_NOT_RENOVATED = {grade: f"住房安全等级 {grade.name} 级，尚未改造" for grade in SafetyGrade}
_HOUSING_SAFETY = {
    _GRADE_C: (_WARNING, "住房安全鉴定为 C 级（局部危房），尚未改造"),
    _GRADE_D: (_CRITICAL, "住房安全鉴定为 D 级（整栋危房），尚未改造"),
}
_WATER_MIN_LITRES = display(WATER_MIN_LITRES)
_WATER_MIN_LITRES_SCARCE = display(WATER_MIN_LITRES_SCARCE)
_WATER_MAX_FETCH_MINUTES = display(WATER_MAX_FETCH_MINUTES)
_TEKUN_ELDERLY = f"无劳动能力、无法定赡养抚养扶养人、年满 {ELDERLY_AGE} 周岁"
_TEKUN_MINOR = f"无劳动能力、无法定赡养抚养扶养人、未满 {ADULT_AGE} 周岁"
_TEKUN_DISABLED = "无劳动能力、无法定赡养抚养扶养人、残疾等级 {} 级"
_TEKUN_NONE = (
    f"无成员同时满足无劳动能力、无法定赡养抚养扶养人且年满 {ELDERLY_AGE} 周岁、未满 {ADULT_AGE} 周岁"
    f"或残疾等级 {_SEVERE_SPAN} 级"
)
_TILT = (
    "，医疗保障倾斜：住院报销比例提高 10 个百分点，起付线降低 50%，大病保险起付线降低 50%、"
    "报销比例提高 5 个百分点，不设封顶线"
)
_TILT_LIFTED_MONITORED = "脱贫户且为监测对象" + _TILT
_TILT_LIFTED = "脱贫户" + _TILT
_TILT_MONITORED = "监测对象" + _TILT
_TILT_NONE = "非脱贫户且非监测对象"
_PENSION_FULL = f"参加城乡居民养老保险的重度残疾人（残疾等级 {_SEVERE_SPAN} 级），全额代缴："
_PENSION_PARTIAL = "低保、特困或监测对象家庭参加城乡居民养老保险，部分代缴："
_PENSION_NONE = (
    f"无符合代缴条件的 {_WORKING_SPAN} 周岁城乡居民养老保险参保人（需残疾等级 {_SEVERE_SPAN} 级，"
    "或家庭为低保、特困或监测对象）"
)


def severely_disabled(grade: Optional[int]) -> bool:
    """Whether a disability grade is severe (重度残疾, grade 1-2)."""
    return grade is not None and _SEVERE_FIRST <= grade <= _SEVERE_LAST


class BaselineParams:
    """The baseline's parameter values in force at `as_of`: the monitoring
    income line (监测收入线) and the dibao line (农村低保标准), yuan per person
    per year; the two ratios; the months of work below which employment
    support applies, a whole number. A district's `Rules.parameters` hook may
    change them (`p.monitoring_income_line += ...`)."""

    __slots__ = (
        "monitoring_income_line",
        "dibao_line",
        "hardship_expenditure_ratio",
        "income_drop_ratio",
        "employment_min_months",
    )

    def __init__(
        self,
        monitoring_income_line: float,
        dibao_line: float,
        hardship_expenditure_ratio: float,
        income_drop_ratio: float,
        employment_min_months: int,
    ):
        self.monitoring_income_line = monitoring_income_line
        self.dibao_line = dibao_line
        self.hardship_expenditure_ratio = hardship_expenditure_ratio
        self.income_drop_ratio = income_drop_ratio
        self.employment_min_months = employment_min_months

    @classmethod
    def from_params(cls, p: Params) -> "BaselineParams":
        """Reads and checks the baseline's parameters; raises `bad-parameters`
        for the first missing or out-of-range value, in the Rust SDK's order."""
        months = p.get_in("employment_min_months", 0.0, 12.0)
        return cls(
            p.get_in("monitoring_income_line", 0.0, 1e7),
            p.get_in("dibao_line", 0.0, 1e7),
            p.get_in("hardship_expenditure_ratio", 0.0, 10.0),
            p.get_in("income_drop_ratio", 0.0, 1.0),
            round_half_away(months),
        )

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"BaselineParams({fields})"


def evaluate(h: Household, p: BaselineParams, as_of: Date) -> Evaluation:
    """Evaluates every baseline rule; raises `unsupported` for a household
    without a resident."""
    return evaluate_facts(Facts(h, as_of), p)


def evaluate_facts(f: Facts, p: BaselineParams) -> Evaluation:
    """Evaluates every baseline rule on derived facts."""
    found = monitoring(f, p)
    flags = guarantee_flags(f)
    if found is None:
        return Evaluation(None, None, flags, decisions(f, p, False), f.derived())
    return Evaluation(found[0], found[1], flags, decisions(f, p, True), f.derived())


def monitoring(f: Facts, p: BaselineParams) -> Optional[Tuple[MonitoringCategory, str]]:
    """The monitoring category (first match wins) and why."""
    pci = f.per_capita_income
    line = p.monitoring_income_line
    if pci < line:
        if f.household.poverty_status is _LIFTED:
            category, who = _UNSTABLE_LIFTED, "脱贫户"
        else:
            category, who = _MARGINAL, "一般农户"
        return category, f"{who}人均纯收入 {yuan(pci)} 元，低于监测收入线 {num(line)} 元"
    reason = sudden_hardship(f, p)
    return None if reason is None else (_SUDDEN_HARDSHIP, reason)


def sudden_hardship(f: Facts, p: BaselineParams) -> Optional[str]:
    """突发严重困难: rigid spending or an income collapse, leaving the household
    below the monitoring line once rigid spending is paid."""
    prev = f.household.previous_year_income
    net = f.net_income
    rigid = f.rigid_expenditure
    heavy_spending = rigid >= p.hardship_expenditure_ratio * prev
    if not (heavy_spending or net < (1.0 - p.income_drop_ratio) * prev):
        return None
    after = (net - rigid) / f.residents
    if after >= p.monitoring_income_line:
        return None
    if heavy_spending:
        cause = (
            f"刚性支出 {yuan(rigid)} 元，达到上年收入 {yuan(prev)} 元的 "
            f"{num(p.hardship_expenditure_ratio)} 倍"
        )
    else:
        cause = f"纯收入 {yuan(net)} 元，较上年收入 {yuan(prev)} 元下降超过 {num(p.income_drop_ratio)}"
    return f"{cause}；扣除刚性支出后人均 {yuan(after)} 元，低于监测收入线 {num(p.monitoring_income_line)} 元"


def guarantee_flags(f: Facts) -> List[Flag]:
    """Every guarantee flag that applies, in the brief's order."""
    found = (food_clothing(f), compulsory_education(f), basic_medical(f), housing_safety(f), drinking_water(f))
    return [flag for flag in found if flag is not None]


def who(f: Facts, index: int) -> str:
    """A member as reasons name them: `第2位成员（9 周岁）`."""
    return f"第{index + 1}位成员（{f.ages[index]} 周岁）"


def list_members(f: Facts, members: List[int]) -> str:
    """Members as reasons list them, joined by `、`."""
    return "、".join([who(f, i) for i in members])


def food_clothing(f: Facts) -> Optional[Flag]:
    """吃穿不愁: food and clothing not secure."""
    if f.household.food_clothing_secure:
        return None
    return Flag(codes.FOOD_CLOTHING, _CRITICAL, "吃穿不愁未保障", [])


def compulsory_education(f: Facts) -> Optional[Flag]:
    """Members of compulsory-education age, neither enrolled nor home-schooled."""
    ages = f.ages
    out = [
        i
        for i, m in enumerate(f.household.members)
        if _EDUCATION_FIRST <= ages[i] <= _EDUCATION_LAST and not m.enrolled_in_school and not m.home_schooled
    ]
    if not out:
        return None
    return Flag(codes.COMPULSORY_EDUCATION, _WARNING, _EDUCATION_REASON + list_members(f, out), out)


def basic_medical(f: Facts) -> Optional[Flag]:
    """Residents without medical insurance, except young infants."""
    members = f.household.members
    out = [
        i
        for i in f.resident_indices
        if members[i].medical_insurance is _INSURANCE_NONE and f.days_old(i) >= INFANT_MEDICAL_EXEMPT_DAYS
    ]
    if not out:
        return None
    return Flag(codes.BASIC_MEDICAL, _WARNING, _MEDICAL_REASON + list_members(f, out), out)


def housing_safety(f: Facts) -> Optional[Flag]:
    """Housing appraised C (partly dangerous) or D (wholly dangerous), not renovated."""
    housing = f.household.housing
    grade = housing.safety_grade
    if (grade is not _GRADE_C and grade is not _GRADE_D) or housing.renovated:
        return None
    severity, reason = _HOUSING_SAFETY[grade]
    return Flag(codes.HOUSING_SAFETY, severity, reason, [])


def drinking_water(f: Facts) -> Optional[Flag]:
    """Drinking water below standard in quantity, quality, convenience or supply."""
    w = f.household.water
    scarce = w.water_scarce_area
    min_litres = WATER_MIN_LITRES_SCARCE if scarce else WATER_MIN_LITRES
    problems = []
    if w.litres_per_person_day < min_litres:
        if scarce:
            problems.append(
                f"人均日供水 {display(w.litres_per_person_day)} 升，低于 {_WATER_MIN_LITRES_SCARCE} 升（缺水地区）"
            )
        else:
            problems.append(f"人均日供水 {display(w.litres_per_person_day)} 升，低于 {_WATER_MIN_LITRES} 升")
    if not w.quality_ok:
        problems.append("水质不达标")
    if w.fetch_minutes > WATER_MAX_FETCH_MINUTES:
        problems.append(f"取水往返 {display(w.fetch_minutes)} 分钟，超过 {_WATER_MAX_FETCH_MINUTES} 分钟")
    if w.interruption_days > WATER_MAX_INTERRUPTION_DAYS:
        problems.append(f"年停水 {w.interruption_days} 天，超过 {WATER_MAX_INTERRUPTION_DAYS} 天")
    if not problems:
        return None
    return Flag(codes.DRINKING_WATER, _WARNING, "饮水安全未达标：" + "；".join(problems), [])


def decisions(f: Facts, p: BaselineParams, monitored: bool) -> List[Decision]:
    """Every programme decision, eligible or not, each with its reason."""
    dibao_decision = dibao(f, p)
    tekun_decision = tekun(f)
    vulnerable = dibao_decision.eligible or tekun_decision.eligible or monitored
    out = [dibao_decision, tekun_decision, medical_tilt(f, monitored), housing_renovation(f), employment_support(f, p)]
    out.extend(pension_subsidy(f, vulnerable))
    return out


def dibao(f: Facts, p: BaselineParams) -> Decision:
    """农村低保: tops per-capita income up to the dibao line for every resident."""
    pci = f.per_capita_income
    line = p.dibao_line
    if pci < line:
        fen = to_fen(line * f.residents - f.net_income)
        reason = (
            f"人均纯收入 {yuan(pci)} 元，低于低保标准 {num(line)} 元；按 {f.residents} 名常住成员补差，"
            f"每年 {fen_yuan(fen)} 元"
        )
        return Decision(codes.DIBAO, True, list(f.resident_indices), fen, None, reason)
    return Decision(codes.DIBAO, False, [], None, None, f"人均纯收入 {yuan(pci)} 元，不低于低保标准 {num(line)} 元")


def tekun(f: Facts) -> Decision:
    """特困供养: no work capacity, no legal supporter, and old, young or
    severely disabled."""
    members = []
    why = []
    ages = f.ages
    for i, m in enumerate(f.household.members):
        if m.labor_capacity is not _LABOR_NONE or m.has_legal_supporter:
            continue
        age = ages[i]
        if age >= ELDERLY_AGE:
            ground = _TEKUN_ELDERLY
        elif age < ADULT_AGE:
            ground = _TEKUN_MINOR
        elif severely_disabled(m.disability_grade):
            ground = _TEKUN_DISABLED.format(m.disability_grade)
        else:
            continue
        members.append(i)
        why.append(who(f, i) + ground)
    if not members:
        return Decision(codes.TEKUN, False, members, None, None, _TEKUN_NONE)
    return Decision(codes.TEKUN, True, members, None, None, "；".join(why))


def medical_tilt(f: Facts, monitored: bool) -> Decision:
    """医疗保障倾斜 for lifted-out or monitored households."""
    lifted = f.household.poverty_status is _LIFTED
    if lifted:
        reason = _TILT_LIFTED_MONITORED if monitored else _TILT_LIFTED
    elif monitored:
        reason = _TILT_MONITORED
    else:
        return Decision(codes.MEDICAL_TILT, False, [], None, None, _TILT_NONE)
    return Decision(codes.MEDICAL_TILT, True, list(f.resident_indices), None, None, reason)


def housing_renovation(f: Facts) -> Decision:
    """危房改造 for grade C or D housing not yet renovated."""
    h = f.household.housing
    grade = h.safety_grade
    if grade is _GRADE_C or grade is _GRADE_D:
        if h.renovated:
            return Decision(codes.HOUSING_RENOVATION, False, [], None, None, _RENOVATED[grade])
        return Decision(codes.HOUSING_RENOVATION, True, [], None, None, _NOT_RENOVATED[grade])
    return Decision(codes.HOUSING_RENOVATION, False, [], None, None, _SAFE[grade])


def employment_support(f: Facts, p: BaselineParams) -> Decision:
    """就业帮扶 for working-age residents able to work but employed fewer than
    `employment_min_months` months."""
    least = p.employment_min_months
    ages = f.ages
    members = f.household.members
    out = [
        i
        for i in f.resident_indices
        if _WORKING_FIRST <= ages[i] <= _WORKING_LAST
        and members[i].labor_capacity is not _LABOR_NONE
        and members[i].employment.months < least
    ]
    if not out:
        reason = f"无 {_WORKING_SPAN} 周岁有劳动能力且务工不足 {least} 个月的常住成员"
        return Decision(codes.EMPLOYMENT_SUPPORT, False, out, None, None, reason)
    worked = "、".join([f"{who(f, i)}务工 {members[i].employment.months} 个月" for i in out])
    reason = f"{_WORKING_SPAN} 周岁有劳动能力、务工不足 {least} 个月：{worked}"
    return Decision(codes.EMPLOYMENT_SUPPORT, True, out, None, None, reason)


def pension_subsidy(f: Facts, vulnerable: bool) -> List[Decision]:
    """城乡居民养老保险代缴: working-age residents in the resident pension; in
    full for a severe disability, in part for a vulnerable household."""
    full = []
    partial = []
    ages = f.ages
    members = f.household.members
    for i in f.resident_indices:
        m = members[i]
        if not _WORKING_FIRST <= ages[i] <= _WORKING_LAST or m.pension_insurance is not _INSURANCE_RESIDENT:
            continue
        if severely_disabled(m.disability_grade):
            full.append(i)
        elif vulnerable:
            partial.append(i)
    out = []
    if full:
        out.append(Decision(codes.PENSION_SUBSIDY, True, full, None, "full", _PENSION_FULL + list_members(f, full)))
    if partial:
        reason = _PENSION_PARTIAL + list_members(f, partial)
        out.append(Decision(codes.PENSION_SUBSIDY, True, partial, None, "partial", reason))
    if not out:
        out.append(Decision(codes.PENSION_SUBSIDY, False, [], None, None, _PENSION_NONE))
    return out
