//! Parameter values handed in by the host, named by the plugin's declared
//! parameter list: plugins never read parameter files themselves.

use crate::types::EvalError;

/// The values in force at `as_of`, in the order of the plugin's
/// declared parameter names.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    names: &'a [&'a str],
    values: &'a [f64],
}

impl<'a> Params<'a> {
    pub fn new(names: &'a [&'a str], values: &'a [f64]) -> Params<'a> {
        Params { names, values }
    }

    /// The value of `name`, or a `bad-parameters` error naming it.
    pub fn get(&self, name: &str) -> Result<f64, EvalError> {
        self.names
            .iter()
            .position(|n| *n == name)
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
