//! Parameter values handed in by the host, named by the plugin's declared
//! parameter list: plugins never read parameter files themselves.

use crate::types::EvalError;

/// The values in force at `as_of`, in the order of the plugin's declared
/// parameter names: the baseline's, then the district's extras. The names
/// stay two borrowed lists so that nothing is allocated per household.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    names: &'a [&'a str],
    extra: &'a [&'a str],
    values: &'a [f64],
}

impl<'a> Params<'a> {
    pub fn new(names: &'a [&'a str], values: &'a [f64]) -> Params<'a> {
        Params { names, extra: &[], values }
    }

    /// Values for `names` followed by `extra`, as a district plugin declares
    /// them (the baseline's names, then its own).
    pub fn with_extra(names: &'a [&'a str], extra: &'a [&'a str], values: &'a [f64]) -> Params<'a> {
        Params { names, extra, values }
    }

    /// Every declared name, in the order the values come.
    pub fn names(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.names.iter().chain(self.extra).copied()
    }

    /// The value of `name`, or a `bad-parameters` error naming it.
    pub fn get(&self, name: &str) -> Result<f64, EvalError> {
        // The names are mostly the very constants the rules look up by:
        // their addresses match before any text is compared.
        let same_constant = |n: &str| std::ptr::eq(n, name);
        self.names()
            .position(same_constant)
            .or_else(|| self.names().position(|n| n == name))
            .and_then(|i| self.values.get(i).copied())
            .ok_or_else(|| EvalError::BadParameters(format!("parameter `{name}` was not given")))
    }

    /// A value that must be a finite number within `range`.
    pub fn get_in(&self, name: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64, EvalError> {
        let v = self.get(name)?;
        if v.is_finite() && range.contains(&v) {
            Ok(v)
        } else {
            Err(EvalError::BadParameters(format!(
                "parameter `{name}` is {v}, expected {} to {}",
                range.start(),
                range.end()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extras_follow_the_baseline_names() {
        let p = Params::with_extra(&["a", "b"], &["c"], &[1.0, 2.0, 3.0]);
        assert_eq!(p.names().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(p.get("b"), Ok(2.0));
        assert_eq!(p.get("c"), Ok(3.0));
        assert_eq!(p.get("d"), Err(EvalError::BadParameters("parameter `d` was not given".into())));
    }

    #[test]
    fn a_missing_value_is_not_given() {
        let p = Params::with_extra(&["a"], &["c"], &[1.0]);
        assert_eq!(p.get("c"), Err(EvalError::BadParameters("parameter `c` was not given".into())));
    }
}
