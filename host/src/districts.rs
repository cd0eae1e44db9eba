//! Chongqing's 38 districts and counties (区县): codes, names, which are
//! national key districts for rural revitalisation, and rough rural
//! populations. The report, `explain`, the batch summary and the sample
//! generator all read this one table.

/// One district or county.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct District {
    pub code: &'static str,
    pub name: &'static str,
    /// One of the 14 national key districts/counties (国家乡村振兴重点帮扶区县).
    pub national_key: bool,
    /// Rural population in thousands, rough and illustrative (not
    /// official); the six central urban districts are small but non-zero.
    pub rural_thousands: u32,
}

const fn district(code: &'static str, name: &'static str, rural_thousands: u32, national_key: bool) -> District {
    District { code, name, national_key, rural_thousands }
}

/// All 38 districts (区) and counties (县, 自治县) of Chongqing.
pub const DISTRICTS: &[District] = &[
    district("500101", "万州区", 700, true),
    district("500102", "涪陵区", 450, false),
    district("500103", "渝中区", 20, false),
    district("500104", "大渡口区", 30, false),
    district("500105", "江北区", 40, false),
    district("500106", "沙坪坝区", 40, false),
    district("500107", "九龙坡区", 60, false),
    district("500108", "南岸区", 40, false),
    district("500109", "北碚区", 150, false),
    district("500110", "綦江区", 500, false),
    district("500111", "大足区", 500, false),
    district("500112", "渝北区", 250, false),
    district("500113", "巴南区", 300, false),
    district("500114", "黔江区", 300, true),
    district("500115", "长寿区", 400, false),
    district("500116", "江津区", 650, false),
    district("500117", "合川区", 700, false),
    district("500118", "永川区", 500, false),
    district("500119", "南川区", 350, false),
    district("500120", "璧山区", 250, false),
    district("500151", "铜梁区", 400, false),
    district("500152", "潼南区", 500, false),
    district("500153", "荣昌区", 400, false),
    district("500154", "开州区", 800, true),
    district("500155", "梁平区", 450, false),
    district("500156", "武隆区", 220, true),
    district("500229", "城口县", 120, true),
    district("500230", "丰都县", 450, true),
    district("500231", "垫江县", 480, false),
    district("500233", "忠县", 500, false),
    district("500235", "云阳县", 650, true),
    district("500236", "奉节县", 550, true),
    district("500237", "巫山县", 350, true),
    district("500238", "巫溪县", 280, true),
    district("500240", "石柱土家族自治县", 300, true),
    district("500241", "秀山土家族苗族自治县", 360, true),
    district("500242", "酉阳土家族苗族自治县", 480, true),
    district("500243", "彭水苗族土家族自治县", 400, true),
];

/// The Chinese name of a district of Chongqing, from its code.
pub fn district_name(code: &str) -> Option<&'static str> {
    DISTRICTS.iter().find(|d| d.code == code).map(|d| d.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_38_districts_and_the_14_key_ones() {
        assert_eq!(DISTRICTS.len(), 38);
        let key: Vec<&str> = DISTRICTS.iter().filter(|d| d.national_key).map(|d| d.code).collect();
        let listed = [
            "500101", "500114", "500154", "500156", "500229", "500230", "500235", "500236", "500237", "500238",
            "500240", "500241", "500242", "500243",
        ];
        assert_eq!(key, listed);
        assert_eq!(district_name("500229"), Some("城口县"));
        assert_eq!(district_name("500299"), None);
    }
}
