//! Schema step 3: stores written before it kept a row per household and
//! round (the record and the household compressed one by one with the
//! round's dictionaries) and a row per flag and per decision. This step
//! rewrites every round as blocks (`store::TABLES`), with `can_work` read
//! from each kept household. It runs once, inside the migration's
//! transaction.

use rulehost_core::record::{Columns, StoreRows};
use rulehost_input::Status;
use rusqlite::Transaction;

use super::store::{Checked, StoreError, TABLES, VIEWS};
use super::write::{Blocks, INSERT_BLOCK, can_work_of_line};

fn decompress(dictionary: &[u8], data: &[u8]) -> std::result::Result<Vec<u8>, Checked> {
    let bad = |source| Checked::Store(StoreError::Io { what: "a row kept before schema version 3".to_owned(), source });
    let size = zstd::zstd_safe::get_frame_content_size(data).ok().flatten().unwrap_or(16 << 20);
    let mut d = zstd::bulk::Decompressor::with_dictionary(dictionary).map_err(bad)?;
    d.decompress(data, usize::try_from(size).unwrap_or(16 << 20)).map_err(bad)
}

fn status(text: &str) -> Status {
    match text {
        "ok" => Status::Ok,
        "plugin_error" => Status::PluginError,
        _ => Status::Rejected,
    }
}

pub(super) fn blocks(tx: &Transaction<'_>) -> std::result::Result<(), Checked> {
    tx.execute_batch(TABLES)?;
    let mut insert = tx.prepare(INSERT_BLOCK)?;
    let rounds: Vec<(i64, Vec<u8>, Vec<u8>)> = tx
        .prepare("SELECT id, record_dictionary, household_dictionary FROM rounds")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut rows = tx.prepare(
        "SELECT h.line, h.household_id, h.district, h.status, h.category, h.per_capita_income, h.plugin, \
         h.plugin_version, h.dibao_fen, h.can_work, h.household, h.record, \
         (SELECT json_group_array(json_object('code', f.code, 'severity', f.severity, 'members', json(f.members)) \
                 ORDER BY f.rowid) FROM flags f WHERE f.household_round_id = h.id), \
         (SELECT json_group_array(json_object('program', d.program, 'members', json(d.members), \
                 'amount_fen', d.amount_fen, 'level', d.level) ORDER BY d.rowid) \
          FROM decisions d WHERE d.household_round_id = h.id) \
         FROM household_rounds h WHERE h.round_id = ?1 ORDER BY h.line",
    )?;
    for (round_id, record_dictionary, household_dictionary) in rounds {
        let mut blocks = Blocks::new()?;
        let mut found = rows.query([round_id])?;
        while let Some(r) = found.next()? {
            let status = status(&r.get::<_, String>(3)?);
            let known: Option<bool> = r.get(9)?;
            let kept: Option<Vec<u8>> = r.get(10)?;
            let can_work = match (status, known, kept) {
                (Status::Ok, None, Some(data)) => can_work_of_line(&decompress(&household_dictionary, &data)?),
                (Status::Ok, known, _) => known,
                _ => None,
            };
            let text = |i| r.get_ref(i).and_then(|v| v.as_str_or_null().map_err(Into::into));
            let (id, district, category) = (text(1)?, text(2)?, text(4)?);
            let (plugin, version) = (text(6)?, text(7)?);
            let (flags, decisions) = (text(12)?.unwrap_or("[]"), text(13)?.unwrap_or("[]"));
            let columns = Columns {
                household_id: id,
                district,
                status,
                category,
                per_capita_income: r.get(5)?,
                plugin: plugin.zip(version),
                dibao_fen: r.get(8)?,
                can_work,
            };
            let mut entry = StoreRows::default();
            entry.push_with(
                columns,
                None,
                |out| out.extend_from_slice(flags.as_bytes()),
                |out| out.extend_from_slice(decisions.as_bytes()),
            );
            let mut record = decompress(&record_dictionary, &r.get::<_, Vec<u8>>(11)?)?;
            record.push(b'\n');
            let Some(entry) = entry.get(0) else { continue };
            blocks.add(r.get(0)?, entry, &record, &mut insert, round_id)?;
        }
        blocks.finish(tx, &mut insert, round_id)?;
    }
    drop((insert, rows));
    tx.execute_batch(
        "DROP TABLE flags; DROP TABLE decisions; DROP TABLE household_rounds; \
         ALTER TABLE rounds DROP COLUMN record_dictionary; ALTER TABLE rounds DROP COLUMN household_dictionary;",
    )?;
    tx.execute_batch(VIEWS)?;
    Ok(())
}
