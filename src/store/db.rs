//! The metadata database: one SQLite file shared by every kiln process (WAL mode, busy timeout,
//! `BEGIN IMMEDIATE` for writes, as Nix does).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::error::{Result, StoreError};
use super::path::StorePath;

/// The schema this build writes; kept in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA_V1: &str = "
CREATE TABLE paths (
    id INTEGER PRIMARY KEY,
    base TEXT NOT NULL UNIQUE,        -- <hash32>-<name>
    content_hash TEXT NOT NULL,       -- hex blake3 of the canonical serialisation
    nar_size INTEGER NOT NULL,
    step_hash TEXT,
    registered_at INTEGER NOT NULL    -- unix seconds
);
-- Self-references are kept here too; GC deletes a path's own rows first.
CREATE TABLE refs (
    referrer INTEGER NOT NULL REFERENCES paths(id),
    reference INTEGER NOT NULL REFERENCES paths(id),
    PRIMARY KEY (referrer, reference)
) WITHOUT ROWID;
CREATE INDEX refs_by_reference ON refs(reference);
-- Incremental source import: a host file's hash, trusted while its stat data is unchanged.
CREATE TABLE source_cache (
    host_path BLOB PRIMARY KEY,
    dev INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    hash BLOB NOT NULL
) WITHOUT ROWID;
";

/// What the store knows about a valid path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInfo {
    /// The path.
    pub path: StorePath,
    /// Hex blake3 content hash (see [`super::hash`]).
    pub content_hash: String,
    /// Size of the canonical serialisation with contents inline.
    pub nar_size: u64,
    /// Other store paths (and possibly itself) that the contents mention.
    pub references: BTreeSet<StorePath>,
    /// The hash of the step that produced it, if any.
    pub step_hash: Option<String>,
    /// When it was registered, unix seconds.
    pub registered_at: i64,
}

/// Stat data that must match for a cached source file hash to be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// Change time, nanoseconds since the epoch.
    pub ctime_ns: i64,
}

/// An open database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

impl Db {
    /// Opens (creating if needed) and migrates the database.
    pub fn open(path: &Path) -> Result<Db> {
        let err = |source| StoreError::Db {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        // Several kiln processes share the file; wait rather than fail when one writes.
        conn.busy_timeout(Duration::from_secs(600)).map_err(err)?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        let mut db = Db {
            conn,
            path: path.to_owned(),
        };
        db.migrate()?;
        Ok(db)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Db {
            path: self.path.clone(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let err = |source| StoreError::Db {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                path,
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version == 0 {
            tx.execute_batch(SCHEMA_V1).map_err(err)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    fn id_of(&self, path: &StorePath) -> Result<Option<i64>> {
        self.conn
            .prepare_cached("SELECT id FROM paths WHERE base = ?1")
            .and_then(|mut s| s.query_row([path.base_name()], |r| r.get(0)).optional())
            .map_err(self.err())
    }

    /// Whether the path is registered.
    pub fn is_valid(&self, path: &StorePath) -> Result<bool> {
        Ok(self.id_of(path)?.is_some())
    }

    /// Registers a path and its references in one transaction; every reference other than the
    /// path itself must already be valid.
    pub fn insert(&mut self, info: &PathInfo) -> Result<()> {
        let path = self.path.clone();
        let err = |source| StoreError::Db {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute(
            "INSERT INTO paths (base, content_hash, nar_size, step_hash, registered_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                info.path.base_name(),
                info.content_hash,
                info.nar_size as i64,
                info.step_hash,
                info.registered_at
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        for reference in &info.references {
            let ref_id: Option<i64> = tx
                .query_row(
                    "SELECT id FROM paths WHERE base = ?1",
                    [reference.base_name()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(err)?;
            let Some(ref_id) = ref_id else {
                return Err(StoreError::InvalidReference {
                    path: info.path.clone(),
                    reference: reference.clone(),
                });
            };
            tx.execute(
                "INSERT INTO refs (referrer, reference) VALUES (?1, ?2)",
                [id, ref_id],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Everything known about a path, or `None` if it is not valid.
    pub fn query_info(&self, path: &StorePath) -> Result<Option<PathInfo>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, content_hash, nar_size, step_hash, registered_at
                 FROM paths WHERE base = ?1",
            )
            .and_then(|mut s| {
                s.query_row([path.base_name()], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                })
                .optional()
            })
            .map_err(self.err())?;
        let Some((id, content_hash, nar_size, step_hash, registered_at)) = row else {
            return Ok(None);
        };
        let references = self.edges(
            "SELECT p.base FROM refs r JOIN paths p ON p.id = r.reference WHERE r.referrer = ?1",
            id,
        )?;
        Ok(Some(PathInfo {
            path: path.clone(),
            content_hash,
            nar_size: nar_size as u64,
            references,
            step_hash,
            registered_at,
        }))
    }

    fn edges(&self, sql: &str, id: i64) -> Result<BTreeSet<StorePath>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(self.err())?;
        let bases = stmt
            .query_map([id], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        bases
            .iter()
            .map(|b| StorePath::from_base_name(b).map_err(StoreError::from))
            .collect()
    }

    /// Paths whose contents mention `path` (including itself if self-referencing).
    pub fn referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>> {
        let Some(id) = self.id_of(path)? else {
            return Ok(BTreeSet::new());
        };
        self.edges(
            "SELECT p.base FROM refs r JOIN paths p ON p.id = r.referrer WHERE r.reference = ?1",
            id,
        )
    }

    /// Every valid path with its references, for closure walks and GC.
    pub fn graph(&self) -> Result<BTreeMap<StorePath, BTreeSet<StorePath>>> {
        let mut graph = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT base FROM paths")
            .map_err(self.err())?;
        let bases = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        for b in bases {
            graph.insert(StorePath::from_base_name(&b)?, BTreeSet::new());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.base, b.base FROM refs r
                 JOIN paths a ON a.id = r.referrer JOIN paths b ON b.id = r.reference",
            )
            .map_err(self.err())?;
        let pairs = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        for (a, b) in pairs {
            let a = StorePath::from_base_name(&a)?;
            let b = StorePath::from_base_name(&b)?;
            graph.entry(a).or_default().insert(b);
        }
        Ok(graph)
    }

    /// Makes a path invalid, unless another path still refers to it; returns whether it did.
    pub fn delete_if_unreferenced(&mut self, path: &StorePath) -> Result<bool> {
        let db_path = self.path.clone();
        let err = |source| StoreError::Db {
            path: db_path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let id: Option<i64> = tx
            .query_row(
                "SELECT id FROM paths WHERE base = ?1",
                [path.base_name()],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let Some(id) = id else {
            return Ok(false);
        };
        let n_referrers: i64 = tx
            .query_row(
                "SELECT count(*) FROM refs WHERE reference = ?1 AND referrer != ?1",
                [id],
                |r| r.get(0),
            )
            .map_err(err)?;
        if n_referrers > 0 {
            return Ok(false);
        }
        tx.execute("DELETE FROM refs WHERE referrer = ?1", [id])
            .map_err(err)?;
        tx.execute("DELETE FROM paths WHERE id = ?1", [id])
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(true)
    }

    /// Cached hashes of host files whose stamps still match, by host path.
    pub fn source_cache_lookup(
        &mut self,
        files: &[(Vec<u8>, FileStamp)],
    ) -> Result<BTreeMap<Vec<u8>, [u8; 32]>> {
        let path = self.path.clone();
        let err = |source| StoreError::Db {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut found = BTreeMap::new();
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT dev, ino, size, mtime_ns, ctime_ns, hash FROM source_cache
                     WHERE host_path = ?1",
                )
                .map_err(err)?;
            for (host, stamp) in files {
                let row = stmt
                    .query_row([host], |r| {
                        Ok((
                            FileStamp {
                                dev: r.get::<_, i64>(0)? as u64,
                                ino: r.get::<_, i64>(1)? as u64,
                                size: r.get::<_, i64>(2)? as u64,
                                mtime_ns: r.get(3)?,
                                ctime_ns: r.get(4)?,
                            },
                            r.get::<_, Vec<u8>>(5)?,
                        ))
                    })
                    .optional()
                    .map_err(err)?;
                if let Some((cached, hash)) = row {
                    if cached == *stamp && hash.len() == 32 {
                        let mut h = [0u8; 32];
                        h.copy_from_slice(&hash);
                        found.insert(host.clone(), h);
                    }
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(found)
    }

    /// Remembers host file hashes for the next import.
    pub fn source_cache_store(&mut self, files: &[(Vec<u8>, FileStamp, [u8; 32])]) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |source| StoreError::Db {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO source_cache
                     (host_path, dev, ino, size, mtime_ns, ctime_ns, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(err)?;
            for (host, s, hash) in files {
                stmt.execute(params![
                    host,
                    s.dev as i64,
                    s.ino as i64,
                    s.size as i64,
                    s.mtime_ns,
                    s.ctime_ns,
                    &hash[..]
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }
}
