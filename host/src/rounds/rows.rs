//! Reading a block's `households` array back (`store::TABLES` gives its
//! layout): the rows `track`, `history` and the record lookup read.

use std::borrow::Cow;

use serde::Deserialize;

/// One line's entry in a block, borrowed from the block's text where JSON
/// escapes allow it.
#[derive(Debug, Deserialize)]
pub(super) struct RowView<'a>(
    #[serde(borrow)] pub Option<Cow<'a, str>>,
    #[serde(borrow)] pub Option<Cow<'a, str>>,
    #[serde(borrow)] pub Cow<'a, str>,
    #[serde(borrow)] pub Option<Cow<'a, str>>,
    pub Option<f64>,
    #[serde(borrow)] pub Option<Cow<'a, str>>,
    #[serde(borrow)] pub Option<Cow<'a, str>>,
    pub i64,
    pub Option<bool>,
    #[serde(borrow)] pub Vec<Named<'a>>,
    #[serde(borrow)] pub Vec<Named<'a>>,
);

/// A flag's `code` or a decision's `program`.
#[derive(Debug, Deserialize)]
pub(super) struct Named<'a> {
    #[serde(borrow, alias = "program")]
    pub code: Cow<'a, str>,
}

impl<'a> RowView<'a> {
    pub fn household_id(&self) -> Option<&str> {
        self.0.as_deref()
    }
    pub fn district(&self) -> Option<&str> {
        self.1.as_deref()
    }
    pub fn status(&self) -> &str {
        &self.2
    }
    pub fn ok(&self) -> bool {
        self.status() == rulehost_core::Status::Ok.as_str()
    }
    pub fn category(&self) -> Option<&str> {
        self.3.as_deref()
    }
    pub fn per_capita_income(&self) -> Option<f64> {
        self.4
    }
    pub fn plugin(&self) -> Option<&str> {
        self.5.as_deref()
    }
    pub fn plugin_version(&self) -> Option<&str> {
        self.6.as_deref()
    }
    pub fn dibao_fen(&self) -> i64 {
        self.7
    }
    pub fn can_work(&self) -> bool {
        self.8 == Some(true)
    }
    pub fn flags(&self) -> impl Iterator<Item = &str> {
        self.9.iter().map(|n| &*n.code)
    }
    pub fn programs(&self) -> impl Iterator<Item = &str> {
        self.10.iter().map(|n| &*n.code)
    }
}

/// The rows of a block, in line order.
pub(super) fn parse(households: &[u8]) -> Result<Vec<RowView<'_>>, serde_json::Error> {
    serde_json::from_slice(households)
}
