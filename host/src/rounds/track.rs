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

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rusqlite::params;
use serde::Serialize;

use super::store::{Result, Store, StoreError};

/// Guarantee problems are `guarantee.*` flags; a district's `local.*`
/// flags are counted the same way and listed apart.
const GUARANTEE: &str = "guarantee.";
const LOCAL: &str = "local.";

/// One household in one round, as the bulletin needs it.
#[derive(Debug, Default, Clone)]
struct Row {
    district: String,
    ok: bool,
    status: String,
    category: Option<String>,
    flags: BTreeSet<String>,
    programs: BTreeSet<String>,
    dibao_fen: i64,
}

/// The households of one round, by id (rows without an id are counted).
#[derive(Debug, Default)]
struct Snapshot {
    rows: HashMap<String, Row>,
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

    fn snapshot(&self, round_id: i64) -> Result<Snapshot> {
        let e = |x| self.sql_error(x);
        let mut snap = Snapshot::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT household_id, district, status, category, dibao_fen FROM household_rounds \
                 WHERE round_id = ?1 AND household_id IS NOT NULL",
            )
            .map_err(e)?;
        let mut rows = stmt.query([round_id]).map_err(e)?;
        while let Some(r) = rows.next().map_err(e)? {
            let status: String = r.get(2).map_err(e)?;
            let row = Row {
                district: r.get::<_, Option<String>>(1).map_err(e)?.unwrap_or_default(),
                ok: status == rulehost_core::Status::Ok.as_str(),
                status,
                category: r.get(3).map_err(e)?,
                flags: BTreeSet::new(),
                programs: BTreeSet::new(),
                dibao_fen: r.get(4).map_err(e)?,
            };
            snap.rows.insert(r.get(0).map_err(e)?, row);
        }
        for (table, column) in [("flags", "code"), ("decisions", "program")] {
            let mut stmt = self
                .conn
                .prepare(&format!(
                    "SELECT h.household_id, c.{column} FROM {table} c JOIN household_rounds h \
                     ON h.id = c.household_round_id WHERE h.round_id = ?1 AND h.household_id IS NOT NULL"
                ))
                .map_err(e)?;
            let mut rows = stmt.query([round_id]).map_err(e)?;
            while let Some(r) = rows.next().map_err(e)? {
                let id: String = r.get(0).map_err(e)?;
                let code: String = r.get(1).map_err(e)?;
                if let Some(row) = snap.rows.get_mut(&id) {
                    if table == "flags" { &mut row.flags } else { &mut row.programs }.insert(code);
                }
            }
        }
        Ok(snap)
    }

    /// `(household, code)` of the problems flagged on an `ok` record in a round.
    fn problems(&self, round_id: i64) -> Result<HashSet<(String, String)>> {
        let e = |x| self.sql_error(x);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT h.household_id, f.code FROM flags f JOIN household_rounds h ON h.id = f.household_round_id \
                 WHERE h.round_id = ?1 AND h.status = 'ok' AND h.household_id IS NOT NULL \
                 AND (f.code LIKE 'guarantee.%' OR f.code LIKE 'local.%')",
            )
            .map_err(e)?;
        let rows = stmt.query_map([round_id], |r| Ok((r.get(0)?, r.get(1)?))).map_err(e)?;
        rows.collect::<std::result::Result<HashSet<_>, _>>().map_err(e)
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
        let cur = self.snapshot(cur_id)?;
        let before = match &prev {
            Some((id, _)) => self.snapshot(*id)?,
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
            unidentified: self
                .conn
                .query_row(
                    "SELECT count(*) FROM household_rounds WHERE round_id = ?1 AND household_id IS NULL",
                    [cur_id],
                    |r| r.get(0),
                )
                .map_err(|x| self.sql_error(x))?,
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

        let empty = BTreeSet::new();
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
                    for code in &row.flags {
                        let Some(p) = problem(f, code) else { continue };
                        p.outstanding += 1;
                        if !old_flags.contains(code) {
                            p.found += 1;
                        }
                        if long.contains(&(id.clone(), code.clone())) {
                            p.outstanding_over_n_rounds += 1;
                        }
                    }
                    for code in old_flags.difference(&row.flags) {
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
                            (None, Some(c)) => *f.entered.entry(c.clone()).or_default() += 1,
                            (Some(c), None) => *f.left.entry(c.clone()).or_default() += 1,
                            (Some(_), Some(_)) => f.still_monitored += 1,
                            (None, None) => {}
                        }
                        for p in row.programs.difference(&o.programs) {
                            *f.gained.entry(p.clone()).or_default() += 1;
                        }
                        for p in o.programs.difference(&row.programs) {
                            *f.lost.entry(p.clone()).or_default() += 1;
                        }
                    }
                }
            };
            add(&mut b.total);
            add(b.districts.entry(row.district.clone()).or_default());
            let listed = |statuses| Listed { household_id: id.clone(), district: row.district.clone(), statuses };
            match old {
                None => b.new.push(listed(None)),
                Some(o) if !(o.ok && row.ok) => {
                    b.not_evaluated.push(listed(Some((o.status.clone(), row.status.clone()))))
                }
                Some(_) => {}
            }
        }
        for (id, row) in &before.rows {
            let district = b.districts.entry(row.district.clone()).or_default();
            if row.ok {
                b.total.dibao_fen_before += row.dibao_fen;
                district.dibao_fen_before += row.dibao_fen;
            }
            if !cur.rows.contains_key(id) {
                b.total.gone += 1;
                district.gone += 1;
                b.gone.push(Listed { household_id: id.clone(), district: row.district.clone(), statuses: None });
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

    /// Risk-elimination candidates at `ids[pos]` over `n` rounds.
    fn candidates(&self, ids: &[(i64, String)], pos: usize, n: usize) -> Result<Vec<Candidate>> {
        if n == 0 || pos < n {
            // Not monitored "before the last n" without a round before them.
            return Ok(Vec::new());
        }
        let list = |rounds: &[(i64, String)]| rounds.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>().join(",");
        let (earlier, last) = (list(&ids[..pos + 1 - n]), list(&ids[pos + 1 - n..=pos]));
        // Ids are the store's own integers, so formatting them in is safe.
        let sql = format!(
            "SELECT h.household_id, h.district, h.can_work, h.household, r.household_dictionary \
             FROM household_rounds h JOIN rounds r ON r.id = h.round_id \
             WHERE h.round_id = ?1 AND (h.can_work = 1 OR h.can_work IS NULL) AND h.household_id IN ( \
                 SELECT q.household_id FROM household_rounds q \
                 WHERE q.round_id IN ({last}) AND q.status = 'ok' AND q.category IS NULL \
                   AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.household_round_id = q.id \
                                   AND f.code LIKE 'guarantee.%') \
                 GROUP BY q.household_id HAVING count(*) = ?2) \
             AND h.household_id IN ( \
                 SELECT p.household_id FROM household_rounds p \
                 WHERE p.round_id IN ({earlier}) AND p.status = 'ok' AND p.category IS NOT NULL) \
             ORDER BY h.household_id"
        );
        let e = |x| self.sql_error(x);
        let mut stmt = self.conn.prepare(&sql).map_err(e)?;
        type Found = (String, Option<String>, Option<bool>, Option<Vec<u8>>, Vec<u8>);
        let found: Vec<Found> = stmt
            .query_map(params![ids[pos].0, n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .map_err(e)?
            .collect::<std::result::Result<_, _>>()
            .map_err(e)?;
        // Whether a resident can work: kept by stores written before
        // rounds were streamed, else read from the household as evaluated.
        let can_work = |known: Option<bool>, household: Option<Vec<u8>>, dictionary: &[u8]| -> Result<bool> {
            if let Some(known) = known {
                return Ok(known);
            }
            let Some(data) = household else { return Ok(false) };
            let text = super::store::decompress(dictionary, &data)
                .map_err(|source| StoreError::Io { what: "a household kept in the store".to_owned(), source })?;
            Ok(serde_json::from_str::<super::store::Labour>(&text).is_ok_and(|l| super::store::can_work(&l)))
        };
        let mut kept = Vec::with_capacity(found.len());
        for (household_id, district, known, household, dictionary) in found {
            if can_work(known, household, &dictionary)? {
                kept.push((household_id, district));
            }
        }
        let found = kept;
        let mut evidence = self
            .conn
            .prepare(&format!(
                "SELECT r.label, h.per_capita_income, h.plugin, h.plugin_version FROM household_rounds h \
                 JOIN rounds r ON r.id = h.round_id WHERE h.household_id = ?1 AND h.round_id IN ({last}) \
                 ORDER BY r.as_of, r.label"
            ))
            .map_err(e)?;
        let mut out = Vec::with_capacity(found.len());
        for (household_id, district) in found {
            let rows = evidence
                .query_map([&household_id], |r| {
                    Ok(Evidence {
                        round: r.get(0)?,
                        per_capita_income: r.get(1)?,
                        plugin: r.get(2)?,
                        plugin_version: r.get(3)?,
                    })
                })
                .map_err(e)?
                .collect::<std::result::Result<_, _>>()
                .map_err(e)?;
            out.push(Candidate { household_id, district: district.unwrap_or_default(), evidence: rows });
        }
        Ok(out)
    }

    /// One household across every round it appears in, in round order.
    pub fn history(&self, household_id: &str) -> Result<Vec<HistoryRow>> {
        let e = |x| self.sql_error(x);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.label, r.as_of, h.status, h.district, h.category, h.per_capita_income, h.plugin, \
                 h.plugin_version, h.id FROM household_rounds h JOIN rounds r ON r.id = h.round_id \
                 WHERE h.household_id = ?1 ORDER BY r.as_of, r.label",
            )
            .map_err(e)?;
        let rows: Vec<(HistoryRow, i64)> = stmt
            .query_map([household_id], |r| {
                Ok((
                    HistoryRow {
                        round: r.get(0)?,
                        as_of: r.get(1)?,
                        status: r.get(2)?,
                        district: r.get(3)?,
                        category: r.get(4)?,
                        per_capita_income: r.get(5)?,
                        plugin: r.get(6)?,
                        plugin_version: r.get(7)?,
                        flags: Vec::new(),
                        programs: Vec::new(),
                    },
                    r.get(8)?,
                ))
            })
            .map_err(e)?
            .collect::<std::result::Result<_, _>>()
            .map_err(e)?;
        let mut flags = self.conn.prepare("SELECT code FROM flags WHERE household_round_id = ?1").map_err(e)?;
        let mut programs =
            self.conn.prepare("SELECT program FROM decisions WHERE household_round_id = ?1").map_err(e)?;
        let mut out = Vec::with_capacity(rows.len());
        for (mut row, id) in rows {
            row.flags =
                flags.query_map([id], |r| r.get(0)).map_err(e)?.collect::<std::result::Result<_, _>>().map_err(e)?;
            row.programs =
                programs.query_map([id], |r| r.get(0)).map_err(e)?.collect::<std::result::Result<_, _>>().map_err(e)?;
            out.push(row);
        }
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
