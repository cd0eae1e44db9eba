//! The per-household path, line in to record out: read (UTF-8, JSON,
//! schema), route by district, pick the parameters in force, evaluate in the
//! sandbox, check the output, serialise the record and count it.

use std::hash::{Hash, Hasher};

use rulehost_sdk::{Date, Evaluation};
#[cfg(feature = "unsandboxed-native")]
use rulehost_sdk::{EvalError, Household};

use crate::checks::{check_evaluation, check_message};
use crate::plugin::Evaluator;
use crate::record::{Record, StoreRows};
use crate::registry::Registry;
use crate::summary::{Contribution, Summary};
use rulehost_input::{Failure, FailureKind, Status};
use rulehost_input::{HouseholdReader, Parsed};

/// What became of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineOutcome {
    pub status: Status,
    /// A 128-bit hash of the `household_id`, when the line had one.
    pub id_hash: Option<u128>,
    /// The deployment that evaluated it, if any.
    pub deployment: Option<usize>,
}

/// Rules called natively instead of through the plugins, with the values
/// the host would pass: for measuring what the sandbox costs. Only with the
/// `unsandboxed-native` feature, which the benchmarks turn on: production
/// builds cannot run a household outside the sandbox.
#[cfg(feature = "unsandboxed-native")]
pub type NativeRules = fn(&Household, &[f64], Date) -> Result<Evaluation, EvalError>;

/// [`NativeRules`] in the batch options, compared by address.
#[cfg(feature = "unsandboxed-native")]
#[derive(Debug, Clone, Copy)]
pub struct Native(pub NativeRules);

#[cfg(feature = "unsandboxed-native")]
impl PartialEq for Native {
    fn eq(&self, other: &Native) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

#[cfg(feature = "unsandboxed-native")]
impl Eq for Native {}

/// Per-thread state: one lazily started evaluator per deployment, and the
/// running summary of what it wrote.
pub struct Pipeline<'r> {
    registry: &'r Registry,
    reader: &'r HouseholdReader,
    as_of: Option<Date>,
    pretty: bool,
    fresh_each: bool,
    evaluators: Vec<Option<Evaluator<'r>>>,
    #[cfg(feature = "unsandboxed-native")]
    native: Option<NativeRules>,
    summary: Summary,
    /// A results store's entry for every record written, when asked for.
    store_rows: Option<StoreRows>,
}

impl std::fmt::Debug for Pipeline<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline").field("as_of", &self.as_of).finish_non_exhaustive()
    }
}

impl<'r> Pipeline<'r> {
    /// `as_of` overrides every household's `survey_date` when given.
    pub fn new(registry: &'r Registry, reader: &'r HouseholdReader, as_of: Option<Date>) -> Pipeline<'r> {
        let evaluators = registry.deployments().iter().map(|_| None).collect();
        Pipeline {
            registry,
            reader,
            as_of,
            pretty: false,
            fresh_each: false,
            evaluators,
            #[cfg(feature = "unsandboxed-native")]
            native: None,
            summary: Summary::default(),
            store_rows: None,
        }
    }

    /// Also builds a results store's row for every record it writes
    /// ([`Pipeline::take_store_rows`]).
    pub fn keep_store_rows(mut self, keep: bool) -> Self {
        self.store_rows = keep.then(StoreRows::default);
        self
    }

    /// The store rows of the records written since the last call, in
    /// order; empty unless asked for with [`Pipeline::keep_store_rows`].
    pub fn take_store_rows(&mut self) -> StoreRows {
        self.store_rows.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Writes indented records (for one household on a terminal).
    pub fn pretty(mut self, pretty: bool) -> Self {
        self.pretty = pretty;
        self
    }

    /// Evaluates every household in a fresh plugin instance (slower; used
    /// where a plugin was caught keeping state between households).
    pub fn fresh_each(mut self, fresh: bool) -> Self {
        self.fresh_each = fresh;
        self
    }

    #[cfg(feature = "unsandboxed-native")]
    /// Runs `rules` natively in place of every plugin (benchmarks only:
    /// nothing is sandboxed).
    pub fn native(mut self, rules: NativeRules) -> Self {
        self.native = Some(rules);
        self
    }

    /// Drops every plugin instance: the next household starts fresh ones.
    pub fn reset(&mut self) {
        self.evaluators.iter_mut().for_each(|e| *e = None);
    }

    /// What deployment `index`'s plugin wrote to stdout and stderr during
    /// its last evaluation in this pipeline (a WASI plugin only). Never
    /// part of a record: `rulehost test` and `eval --debug` show it.
    pub fn take_output(&mut self, index: usize) -> Option<crate::wasi::Output> {
        self.evaluators.get_mut(index)?.as_mut()?.take_output()
    }

    /// The counts of everything written so far, leaving an empty summary.
    pub fn take_summary(&mut self) -> Summary {
        std::mem::take(&mut self.summary)
    }

    /// Processes input line `line` (1-based), appending exactly one JSON
    /// record and a newline to `out`.
    pub fn process(&mut self, line: u64, bytes: &[u8], out: &mut Vec<u8>) -> LineOutcome {
        match self.reader.read_line(bytes) {
            Ok(parsed) => self.evaluate(line, &parsed, out),
            Err(failure) => self.write_failed(line, None, &failure, out),
        }
    }

    /// Writes the record of a line that could not be read at all.
    pub fn reject(&mut self, line: u64, failure: &Failure, out: &mut Vec<u8>) -> LineOutcome {
        self.write_failed(line, None, failure, out)
    }

    /// Evaluates an already read household.
    pub fn evaluate(&mut self, line: u64, parsed: &Parsed, out: &mut Vec<u8>) -> LineOutcome {
        let Some(index) = self.registry.route(&parsed.district_code) else {
            let failure = Failure::at(
                FailureKind::UnknownDistrict,
                format!("district `{}` is not served by any plugin in the registry", parsed.district_code),
                "/district_code",
            );
            return self.write_failed(line, Some(parsed), &failure, out);
        };
        let deployment = &self.registry.deployments()[index];
        let as_of = self.as_of.unwrap_or(parsed.household.survey_date);
        let Some(params) = deployment.params.at(as_of) else {
            let failure = Failure::new(
                FailureKind::NoParameters,
                format!(
                    "no parameter set of `{}` is in force on {as_of}: the earliest is valid from {}",
                    deployment.params.label(),
                    deployment.params.earliest().map_or_else(|| "(none)".to_owned(), |d| d.to_string())
                ),
            );
            return self.write_failed(line, Some(parsed), &failure, out);
        };
        let identity = deployment.plugin.identity();
        let result = self.call(index, parsed, &params.values, as_of);
        let output_bytes = deployment.plugin.limits().output_bytes;
        let result = result.and_then(|e| check_evaluation(&e, &parsed.member_ids, output_bytes).map(|()| e));
        if self.fresh_each {
            self.evaluators[index] = None;
        }
        let mut outcome =
            LineOutcome { status: Status::Ok, id_hash: Some(id_hash(&parsed.household_id)), deployment: Some(index) };
        match result {
            Ok(evaluation) => {
                let (id, district, members) = (&parsed.household_id, &parsed.district_code, &parsed.member_ids);
                if self.pretty {
                    write(&Record::ok(line, id, district, as_of, identity, &evaluation, members), true, out);
                } else {
                    crate::record::write_ok(out, line, id, district, as_of, identity, &evaluation, members);
                    out.push(b'\n');
                }
                self.summary.apply(Contribution::of_evaluation(&parsed.district_code, &evaluation), 1);
                if let Some(rows) = &mut self.store_rows {
                    let household = &parsed.household;
                    rows.push_ok(id, district, as_of, identity, &evaluation, household, members);
                }
            }
            Err(failure) => {
                let mut record = Record::failed(line, &failure);
                record.household_id = Some(&parsed.household_id);
                record.district_code = Some(&parsed.district_code);
                record.as_of = Some(as_of);
                record.plugin = Some(identity);
                write(&record, self.pretty, out);
                let status = record.status;
                self.summary.apply(Contribution::of_status(Some(&parsed.district_code), status), 1);
                outcome.status = status;
                if let Some(rows) = &mut self.store_rows {
                    let district = Some(parsed.district_code.as_str());
                    let id = Some(parsed.household_id.as_str());
                    rows.push_failure(failure.kind, id, district, Some(as_of), Some(identity));
                }
            }
        }
        outcome
    }

    /// Evaluates through deployment `index`'s plugin, in this pipeline's
    /// instance of it.
    fn call(&mut self, index: usize, parsed: &Parsed, params: &[f64], as_of: Date) -> Result<Evaluation, Failure> {
        #[cfg(feature = "unsandboxed-native")]
        if let Some(rules) = self.native {
            return rules(&parsed.household, params, as_of).map_err(|e| declined(&e.to_string()));
        }
        let plugin = &self.registry.deployments()[index].plugin;
        let evaluator = self.evaluators[index].get_or_insert_with(|| plugin.evaluator());
        evaluator.evaluate(&parsed.household, params, as_of)
    }

    fn write_failed(
        &mut self,
        line: u64,
        parsed: Option<&Parsed>,
        failure: &Failure,
        out: &mut Vec<u8>,
    ) -> LineOutcome {
        let mut record = Record::failed(line, failure);
        if let Some(p) = parsed {
            record.household_id = Some(&p.household_id);
            record.district_code = Some(&p.district_code);
        }
        write(&record, self.pretty, out);
        let district = parsed.map(|p| p.district_code.as_str());
        self.summary.apply(Contribution::of_status(district, record.status), 1);
        if let Some(rows) = &mut self.store_rows {
            let id = parsed.map(|p| p.household_id.as_str());
            rows.push_failure(failure.kind, id, district, None, None);
        }
        LineOutcome { status: record.status, id_hash: parsed.map(|p| id_hash(&p.household_id)), deployment: None }
    }
}

/// The failure of a household a plugin declined, unless its message
/// itself is bad output.
pub(crate) fn declined(message: &str) -> Failure {
    match check_message(message) {
        Ok(()) => Failure::new(FailureKind::Declined, message),
        Err(bad) => bad,
    }
}

/// Two independent 64-bit hashes of a household id: duplicates are found
/// with 16 bytes per household instead of the ids themselves.
pub fn id_hash(id: &str) -> u128 {
    let half = |salt: u64| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        id.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0x5eed_0001)) << 64) | u128::from(half(0x5eed_0002))
}

fn write(record: &Record<'_>, pretty: bool, out: &mut Vec<u8>) {
    // Serialising plain structs into a Vec cannot fail.
    if pretty {
        serde_json::to_writer_pretty(&mut *out, record).ok();
    } else {
        serde_json::to_writer(&mut *out, record).ok();
    }
    out.push(b'\n');
}
