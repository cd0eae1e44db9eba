//! The monthly bulletin (`rulehost track`), one household's history
//! (`rulehost history`) and the risk-elimination candidates, computed from
//! the store as `../shared/docs/product.md` ("Rounds: definitions") defines
//! them. A household is *present* in a round for these comparisons when its
//! record there is `ok`; a household whose record is rejected or failed in
//! either round is listed as not evaluated, never counted.
//!
//! Over 400 lines on purpose: the bulletin (one walk over both rounds'
//! snapshots), the candidates and the history share the private snapshot
//! and row types, and a third of the file is the bulletin's public shape.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use serde::Serialize;

use super::rows::{self, RowView};
use super::store::{Result, Store, StoreError};

/// Guarantee problems are `guarantee.*` flags; a district's `local.*`
/// flags are counted the same way and listed apart.
const GUARANTEE: &str = "guarantee.";
const LOCAL: &str = "local.";

/// A district, status, category, flag code or programme: a few dozen
/// names repeated over a million rows, each kept once ([`Names`]).
type Name = Rc<str>;

/// The names seen so far.
#[derive(Debug, Default)]
struct Names(FxHashSet<Name>);

impl Names {
    fn get(&mut self, name: &str) -> Name {
        if let Some(known) = self.0.get(name) {
            return known.clone();
        }
        let name: Name = name.into();
        self.0.insert(name.clone());
        name
    }

    /// Sorted, without repeats.
    fn set<'a>(&mut self, names: impl Iterator<Item = &'a str>) -> Box<[Name]> {
        let mut set: Vec<Name> = names.map(|n| self.get(n)).collect();
        set.sort();
        set.dedup();
        set.into_boxed_slice()
    }
}

/// One household in one round, as the bulletin needs it.
#[derive(Debug, Clone)]
struct Row {
    district: Name,
    ok: bool,
    status: Name,
    category: Option<Name>,
    /// Sorted, without repeats.
    flags: Box<[Name]>,
    programs: Box<[Name]>,
    dibao_fen: i64,
}

/// The households of one round, by id (rows without an id are counted).
#[derive(Debug, Default)]
struct Snapshot {
    rows: FxHashMap<Box<str>, Row>,
    unnamed: u64,
}

/// The names in `a` that are not in `b` (both sorted).
fn difference<'a>(a: &'a [Name], b: &'a [Name]) -> impl Iterator<Item = &'a Name> {
    a.iter().filter(|n| b.binary_search(n).is_err())
}

/// The figures of `district`, added when missing.
fn district<'b>(districts: &'b mut BTreeMap<String, Figures>, name: &str) -> &'b mut Figures {
    if !districts.contains_key(name) {
        districts.insert(name.to_owned(), Figures::default());
    }
    districts.get_mut(name).unwrap_or_else(|| unreachable!("inserted above"))
}

/// Counts for one guarantee problem kind.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub found: u64,
    pub cleared: u64,
    pub outstanding: u64,
    /// Flagged in each of the last N + 1 rounds up to this one.
    pub outstanding_over_n_rounds: u64,
}

/// The bulletin's figures for one district or for the total.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub monitored: u64,
    /// Entered (纳入), by category in this round.
    pub entered: BTreeMap<String, u64>,
    /// Left, by category in the previous round.
    pub left: BTreeMap<String, u64>,
    pub still_monitored: u64,
    pub new: u64,
    pub gone: u64,
    pub not_evaluated: u64,
    pub guarantee: BTreeMap<String, Problem>,
    pub local: BTreeMap<String, Problem>,
    pub gained: BTreeMap<String, u64>,
    pub lost: BTreeMap<String, u64>,
    pub dibao_fen: i64,
    pub dibao_fen_before: i64,
    pub dibao_change_fen: i64,
    pub candidates: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginChange {
    pub name: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    pub household_id: String,
    pub district: String,
    /// For a household not evaluated: its statuses (previous, this round).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statuses: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub round: String,
    pub per_capita_income: Option<f64>,
    pub plugin: Option<String>,
    pub plugin_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub household_id: String,
    pub district: String,
    pub evidence: Vec<Evidence>,
}

/// The monthly bulletin of round `round` against `against`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bulletin {
    pub round: String,
    pub against: Option<String>,
    pub rounds_for_elimination: usize,
    pub plugins_changed: Vec<PluginChange>,
    pub total: Figures,
    pub districts: BTreeMap<String, Figures>,
    pub new: Vec<Listed>,
    pub gone: Vec<Listed>,
    pub not_evaluated: Vec<Listed>,
    /// Records of this round that name no household (a line that is not
    /// a household, or a repeated id): kept in the store, matched to none.
    pub unidentified: u64,
    pub candidates: Vec<Candidate>,
}

/// One household in one round, for `history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRow {
    pub round: String,
    pub as_of: String,
    pub status: String,
    pub district: Option<String>,
    pub category: Option<String>,
    pub per_capita_income: Option<f64>,
    pub plugin: Option<String>,
    pub plugin_version: Option<String>,
    pub flags: Vec<String>,
    pub programs: Vec<String>,
}

impl Store {
    fn round_id(&self, label: &str) -> Result<i64> {
        self.round_ids()?
            .into_iter()
            .find(|(_, l)| l == label)
            .map(|(id, _)| id)
            .ok_or_else(|| StoreError::NoRound(label.to_owned()))
    }

    /// Calls `f` with every row of a round, in line order.
    fn each_row(&self, round_id: i64, mut f: impl FnMut(&RowView<'_>)) -> Result<()> {
        let e = |x| self.sql_error(x);
        let mut stmt =
            self.conn.prepare("SELECT households FROM blocks WHERE round_id = ?1 ORDER BY first_line").map_err(e)?;
        let mut rows = stmt.query([round_id]).map_err(e)?;
        while let Some(r) = rows.next().map_err(e)? {
            let households = r.get_ref(0).map_err(e)?.as_bytes().map_err(|x| e(x.into()))?;
            let parsed = rows::parse(households)
                .map_err(|source| StoreError::Io { what: "a block of the store".to_owned(), source: source.into() })?;
            parsed.iter().for_each(&mut f);
        }
        Ok(())
    }

    fn snapshot(&self, round_id: i64, names: &mut Names) -> Result<Snapshot> {
        let mut snap = Snapshot::default();
        self.each_row(round_id, |row| {
            let Some(id) = row.household_id() else {
                snap.unnamed += 1;
                return;
            };
            let kept = Row {
                district: names.get(row.district().unwrap_or_default()),
                ok: row.ok(),
                status: names.get(row.status()),
                category: row.category().map(|c| names.get(c)),
                flags: names.set(row.flags()),
                programs: names.set(row.programs()),
                dibao_fen: row.dibao_fen(),
            };
            snap.rows.insert(id.into(), kept);
        })?;
        Ok(snap)
    }

    /// `(household, code)` of the problems flagged on an `ok` record in a round.
    fn problems(&self, round_id: i64) -> Result<HashSet<(String, String)>> {
        let mut found = HashSet::new();
        self.each_row(round_id, |row| {
            let Some(id) = row.household_id().filter(|_| row.ok()) else { return };
            for code in row.flags().filter(|c| c.starts_with(GUARANTEE) || c.starts_with(LOCAL)) {
                found.insert((id.to_owned(), code.to_owned()));
            }
        })?;
        Ok(found)
    }

    fn plugins_of(&self, round_id: i64) -> Result<BTreeMap<String, String>> {
        let text: String = self
            .conn
            .query_row("SELECT plugins FROM rounds WHERE id = ?1", [round_id], |r| r.get(0))
            .map_err(|x| self.sql_error(x))?;
        let pins: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap_or_default();
        Ok(pins
            .iter()
            .filter_map(|p| {
                let name = p.get("name")?.as_str()?.to_owned();
                let version = p.get("version")?.as_str()?;
                let sha = p.get("sha256")?.as_str()?;
                Some((name, format!("{version} (sha256 {})", sha.get(..12).unwrap_or(sha))))
            })
            .collect())
    }

    /// The bulletin of round `round` against `against` (default: the round
    /// before it), with risk-elimination candidates over `n` rounds.
    pub fn bulletin(&self, round: &str, against: Option<&str>, n: usize) -> Result<Bulletin> {
        let ids = self.round_ids()?;
        let pos = ids.iter().position(|(_, l)| l == round).ok_or_else(|| StoreError::NoRound(round.to_owned()))?;
        let cur_id = ids[pos].0;
        let prev = match against {
            Some(label) => Some((self.round_id(label)?, label.to_owned())),
            None => pos.checked_sub(1).map(|p| ids[p].clone()),
        };
        let mut names = Names::default();
        let cur = self.snapshot(cur_id, &mut names)?;
        let before = match &prev {
            Some((id, _)) => self.snapshot(*id, &mut names)?,
            None => Snapshot::default(),
        };
        // Problems flagged in each of the last n + 1 rounds up to this one.
        let long = if pos >= n {
            let mut set = self.problems(cur_id)?;
            for (id, _) in ids[pos - n..pos].iter().rev() {
                if set.is_empty() {
                    break;
                }
                let earlier = self.problems(*id)?;
                set.retain(|p| earlier.contains(p));
            }
            set
        } else {
            HashSet::new()
        };
        let mut long_by_id: FxHashMap<String, HashSet<String>> = FxHashMap::default();
        for (id, code) in long {
            long_by_id.entry(id).or_default().insert(code);
        }

        let mut b = Bulletin {
            round: round.to_owned(),
            against: prev.as_ref().map(|(_, l)| l.clone()),
            rounds_for_elimination: n,
            plugins_changed: Vec::new(),
            total: Figures::default(),
            districts: BTreeMap::new(),
            new: Vec::new(),
            gone: Vec::new(),
            not_evaluated: Vec::new(),
            unidentified: cur.unnamed,
            candidates: Vec::new(),
        };
        if let Some((prev_id, _)) = &prev {
            let (was, now) = (self.plugins_of(*prev_id)?, self.plugins_of(cur_id)?);
            let names: BTreeSet<&String> = was.keys().chain(now.keys()).collect();
            for name in names {
                if was.get(name) != now.get(name) {
                    b.plugins_changed.push(PluginChange {
                        name: name.clone(),
                        before: was.get(name).cloned(),
                        after: now.get(name).cloned(),
                    });
                }
            }
        }

        let empty: Box<[Name]> = Box::new([]);
        for (id, row) in &cur.rows {
            let old = before.rows.get(id);
            let add = |f: &mut Figures| {
                if row.ok {
                    f.dibao_fen += row.dibao_fen;
                    if row.category.is_some() {
                        f.monitored += 1;
                    }
                }
                let old_flags = old.filter(|o| o.ok).map_or(&empty, |o| &o.flags);
                if row.ok {
                    let long = long_by_id.get(&**id);
                    for code in &row.flags {
                        let Some(p) = problem(f, code) else { continue };
                        p.outstanding += 1;
                        if old_flags.binary_search(code).is_err() {
                            p.found += 1;
                        }
                        if long.is_some_and(|codes| codes.contains(&**code)) {
                            p.outstanding_over_n_rounds += 1;
                        }
                    }
                    for code in difference(old_flags, &row.flags) {
                        if let Some(p) = problem(f, code) {
                            p.cleared += 1;
                        }
                    }
                }
                match old {
                    None => f.new += 1,
                    Some(o) if !(o.ok && row.ok) => f.not_evaluated += 1,
                    Some(o) => {
                        match (&o.category, &row.category) {
                            (None, Some(c)) => *f.entered.entry(c.to_string()).or_default() += 1,
                            (Some(c), None) => *f.left.entry(c.to_string()).or_default() += 1,
                            (Some(_), Some(_)) => f.still_monitored += 1,
                            (None, None) => {}
                        }
                        for p in difference(&row.programs, &o.programs) {
                            *f.gained.entry(p.to_string()).or_default() += 1;
                        }
                        for p in difference(&o.programs, &row.programs) {
                            *f.lost.entry(p.to_string()).or_default() += 1;
                        }
                    }
                }
            };
            add(&mut b.total);
            add(district(&mut b.districts, &row.district));
            let listed =
                |statuses| Listed { household_id: id.to_string(), district: row.district.to_string(), statuses };
            match old {
                None => b.new.push(listed(None)),
                Some(o) if !(o.ok && row.ok) => {
                    b.not_evaluated.push(listed(Some((o.status.to_string(), row.status.to_string()))))
                }
                Some(_) => {}
            }
        }
        for (id, row) in &before.rows {
            let district = district(&mut b.districts, &row.district);
            if row.ok {
                b.total.dibao_fen_before += row.dibao_fen;
                district.dibao_fen_before += row.dibao_fen;
            }
            if !cur.rows.contains_key(id) {
                b.total.gone += 1;
                district.gone += 1;
                b.gone.push(Listed {
                    household_id: id.to_string(),
                    district: row.district.to_string(),
                    statuses: None,
                });
            }
        }
        for f in std::iter::once(&mut b.total).chain(b.districts.values_mut()) {
            f.dibao_change_fen = f.dibao_fen - f.dibao_fen_before;
        }
        b.candidates = self.candidates(&ids, pos, n)?;
        for c in &b.candidates {
            b.total.candidates += 1;
            b.districts.entry(c.district.clone()).or_default().candidates += 1;
        }
        for list in [&mut b.new, &mut b.gone, &mut b.not_evaluated] {
            list.sort_by(|x, y| x.household_id.cmp(&y.household_id));
        }
        Ok(b)
    }

    /// Risk-elimination candidates at `ids[pos]` over `n` rounds: out of
    /// every monitoring category, with no guarantee problem, in an `ok`
    /// record in each of the last `n` rounds; monitored in an `ok` record
    /// in some round before them; and able to work in this round.
    fn candidates(&self, ids: &[(i64, String)], pos: usize, n: usize) -> Result<Vec<Candidate>> {
        if n == 0 || pos < n {
            // Not monitored "before the last n" without a round before them.
            return Ok(Vec::new());
        }
        let out_of_monitoring =
            |row: &RowView<'_>| row.ok() && row.category().is_none() && !row.flags().any(|c| c.starts_with(GUARANTEE));
        // Household -> (district, evidence), from this round, then narrowed
        // by each of the n - 1 rounds before it.
        let mut found: FxHashMap<String, (String, Vec<Evidence>)> = FxHashMap::default();
        let evidence = |label: &str, row: &RowView<'_>| Evidence {
            round: label.to_owned(),
            per_capita_income: row.per_capita_income(),
            plugin: row.plugin().map(str::to_owned),
            plugin_version: row.plugin_version().map(str::to_owned),
        };
        let (cur_id, cur_label) = &ids[pos];
        self.each_row(*cur_id, |row| {
            if let Some(id) = row.household_id().filter(|_| out_of_monitoring(row) && row.can_work()) {
                let district = row.district().unwrap_or_default().to_owned();
                found.insert(id.to_owned(), (district, vec![evidence(cur_label, row)]));
            }
        })?;
        for (round_id, label) in ids[pos + 1 - n..pos].iter().rev() {
            if found.is_empty() {
                break;
            }
            let mut kept = FxHashMap::with_capacity_and_hasher(found.len(), Default::default());
            self.each_row(*round_id, |row| {
                let Some(id) = row.household_id().filter(|_| out_of_monitoring(row)) else { return };
                if let Some((id, (district, mut seen))) = found.remove_entry(id) {
                    seen.push(evidence(label, row));
                    kept.insert(id, (district, seen));
                }
            })?;
            found = kept;
        }
        let mut monitored_before = FxHashSet::default();
        for (round_id, _) in &ids[..pos + 1 - n] {
            self.each_row(*round_id, |row| {
                if let Some(id) = row.household_id().filter(|_| row.ok() && row.category().is_some())
                    && found.contains_key(id)
                {
                    monitored_before.insert(id.to_owned());
                }
            })?;
        }
        let mut out: Vec<Candidate> = found
            .into_iter()
            .filter(|(id, _)| monitored_before.contains(id))
            .map(|(household_id, (district, mut evidence))| {
                evidence.reverse();
                Candidate { household_id, district, evidence }
            })
            .collect();
        out.sort_by(|a, b| a.household_id.cmp(&b.household_id));
        Ok(out)
    }

    /// One household across every round it appears in, in round order.
    pub fn history(&self, household_id: &str) -> Result<Vec<HistoryRow>> {
        let mut out = Vec::new();
        self.each_round_of(household_id, |label, as_of, row, _, _| {
            out.push(HistoryRow {
                round: label.to_owned(),
                as_of: as_of.to_owned(),
                status: row.status().to_owned(),
                district: row.district().map(str::to_owned),
                category: row.category().map(str::to_owned),
                per_capita_income: row.per_capita_income(),
                plugin: row.plugin().map(str::to_owned),
                plugin_version: row.plugin_version().map(str::to_owned),
                flags: row.flags().map(str::to_owned).collect(),
                programs: row.programs().map(str::to_owned).collect(),
            });
            Ok(())
        })?;
        Ok(out)
    }
}

/// The counter of a guarantee (or local) problem kind; other flags are
/// not problems.
fn problem<'f>(f: &'f mut Figures, code: &str) -> Option<&'f mut Problem> {
    if code.starts_with(GUARANTEE) {
        Some(f.guarantee.entry(code.to_owned()).or_default())
    } else if code.starts_with(LOCAL) {
        Some(f.local.entry(code.to_owned()).or_default())
    } else {
        None
    }
}
