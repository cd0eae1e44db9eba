//! The per-household path, line in to record out: read (UTF-8, JSON,
//! schema), route by district, pick the parameters in force, evaluate in the
//! sandbox, check the output and serialise the record.

use rulehost_sdk::Date;

use crate::household::{HouseholdReader, Parsed};
use crate::outcome::{Failure, FailureKind, Status};
use crate::plugin::Evaluator;
use crate::record::{Record, check_output};
use crate::registry::Registry;

/// Per-thread state: one lazily started evaluator per deployment.
pub struct Worker<'r> {
    registry: &'r Registry,
    reader: &'r HouseholdReader,
    as_of: Option<Date>,
    pretty: bool,
    evaluators: Vec<Option<Evaluator<'r>>>,
}

impl std::fmt::Debug for Worker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("as_of", &self.as_of).finish_non_exhaustive()
    }
}

impl<'r> Worker<'r> {
    /// `as_of` overrides every household's `survey_date` when given.
    pub fn new(registry: &'r Registry, reader: &'r HouseholdReader, as_of: Option<Date>) -> Worker<'r> {
        let evaluators = registry.deployments().iter().map(|_| None).collect();
        Worker { registry, reader, as_of, pretty: false, evaluators }
    }

    /// Writes indented records (for one household on a terminal).
    pub fn pretty(mut self, pretty: bool) -> Self {
        self.pretty = pretty;
        self
    }

    /// Processes input line `line` (1-based), appending exactly one JSON
    /// record and a newline to `out`.
    pub fn process(&mut self, line: u64, bytes: &[u8], out: &mut Vec<u8>) -> Status {
        let parsed = std::str::from_utf8(bytes)
            .map_err(|e| {
                Failure::new(
                    FailureKind::NotUtf8,
                    format!("not valid UTF-8 (invalid byte at column {})", e.valid_up_to() + 1),
                )
            })
            .and_then(|text| self.reader.read(text));
        match parsed {
            Ok(parsed) => self.evaluate(line, &parsed, out),
            Err(failure) => write_failed(line, None, &failure, self.pretty, out),
        }
    }

    /// Evaluates an already read household.
    pub fn evaluate(&mut self, line: u64, parsed: &Parsed, out: &mut Vec<u8>) -> Status {
        let Some(index) = self.registry.route(&parsed.district_code) else {
            let failure = Failure::at(
                FailureKind::UnknownDistrict,
                format!("no plugin serves district `{}` and the registry has no default", parsed.district_code),
                "/district_code",
            );
            return write_failed(line, Some(parsed), &failure, self.pretty, out);
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
            return write_failed(line, Some(parsed), &failure, self.pretty, out);
        };
        let evaluator = self.evaluators[index].get_or_insert_with(|| deployment.plugin.evaluator());
        let identity = deployment.plugin.identity();
        let result = evaluator
            .evaluate(&parsed.household, &params.values, as_of)
            .and_then(|e| check_output(&e, parsed.member_ids.len()).map(|()| e));
        match result {
            Ok(evaluation) => {
                let record = Record::ok(
                    line,
                    &parsed.household_id,
                    &parsed.district_code,
                    as_of,
                    identity,
                    &evaluation,
                    &parsed.member_ids,
                );
                write(&record, self.pretty, out);
                Status::Ok
            }
            Err(failure) => {
                let mut record = Record::failed(line, &failure);
                record.household_id = Some(&parsed.household_id);
                record.district_code = Some(&parsed.district_code);
                record.as_of = Some(as_of);
                record.plugin = Some(identity);
                write(&record, self.pretty, out);
                record.status
            }
        }
    }
}

fn write_failed(line: u64, parsed: Option<&Parsed>, failure: &Failure, pretty: bool, out: &mut Vec<u8>) -> Status {
    let mut record = Record::failed(line, failure);
    if let Some(p) = parsed {
        record.household_id = Some(&p.household_id);
        record.district_code = Some(&p.district_code);
    }
    write(&record, pretty, out);
    record.status
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
