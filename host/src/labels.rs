//! Chinese labels for the codes in evaluation records, for pages and text
//! meant for officials. Unknown codes (a district's own flags) have none and
//! are shown as written.

use rulehost_sdk::baseline::codes;

/// 监测对象 categories.
pub fn monitoring(code: &str) -> Option<&'static str> {
    Some(match code {
        "unstable_lifted" => "脱贫不稳定户",
        "marginal" => "边缘易致贫户",
        "sudden_hardship" => "突发严重困难户",
        _ => return None,
    })
}

/// Programmes (帮扶措施).
pub fn programme(code: &str) -> Option<&'static str> {
    Some(match code {
        codes::DIBAO => "低保",
        codes::TEKUN => "特困供养",
        codes::MEDICAL_TILT => "医疗救助倾斜",
        codes::HOUSING_RENOVATION => "危房改造",
        codes::EMPLOYMENT_SUPPORT => "就业帮扶",
        codes::PENSION_SUBSIDY => "养老保险代缴",
        _ => return None,
    })
}

/// Flags: the “two assurances, three guarantees” (两不愁三保障) and drinking water.
pub fn flag(code: &str) -> Option<&'static str> {
    Some(match code {
        codes::FOOD_CLOTHING => "吃穿不愁",
        codes::COMPULSORY_EDUCATION => "义务教育保障",
        codes::BASIC_MEDICAL => "基本医疗保障",
        codes::HOUSING_SAFETY => "住房安全保障",
        codes::DRINKING_WATER => "饮水安全保障",
        _ => return None,
    })
}

/// Why a line was rejected or failed.
pub fn failure(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "not_utf8" => "非 UTF-8 文本",
        "not_json" => "非 JSON",
        "schema" => "不符合数据规范",
        "invalid_household" => "户信息不一致",
        "unknown_district" => "未知区县",
        "duplicate_household_id" => "户编号重复",
        "line_too_long" => "行过长",
        "no_parameters" => "无适用参数",
        "trap" => "插件异常终止",
        "out_of_fuel" => "超出计算预算",
        "timeout" => "超时",
        "memory_limit" => "超出内存限制",
        "bad_output" => "输出不合规",
        "declined" => "插件拒绝评估",
        _ => return None,
    })
}

/// `中文 (code)` when a label is known, else the code.
pub fn both(label: Option<&'static str>, code: &str) -> String {
    label.map_or_else(|| code.to_owned(), |l| format!("{l} ({code})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_kind_has_a_label() {
        for kind in crate::FailureKind::ALL {
            let code = serde_json::to_value(kind).unwrap();
            let code = code.as_str().unwrap();
            assert!(failure(code).is_some(), "no label for `{code}`");
        }
    }

    #[test]
    fn every_baseline_code_has_a_label() {
        use rulehost_sdk::baseline::codes::*;
        for code in [FOOD_CLOTHING, COMPULSORY_EDUCATION, BASIC_MEDICAL, HOUSING_SAFETY, DRINKING_WATER] {
            assert!(flag(code).is_some(), "{code}");
        }
        for code in [DIBAO, TEKUN, MEDICAL_TILT, HOUSING_RENOVATION, EMPLOYMENT_SUPPORT, PENSION_SUBSIDY] {
            assert!(programme(code).is_some(), "{code}");
        }
        assert_eq!(both(monitoring("marginal"), "marginal"), "边缘易致贫户 (marginal)");
        assert_eq!(both(flag("local.x"), "local.x"), "local.x");
    }
}
