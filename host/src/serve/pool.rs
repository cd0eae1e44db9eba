//! The evaluation pool: a fixed set of std threads fed by a bounded queue.
//! Wasm never runs on the async executor. Each worker takes the requests
//! waiting for it (up to a chunk) and evaluates them as the batch evaluates
//! a chunk: fresh plugin instances for the chunk, then the state check, and,
//! when a plugin is caught keeping state, the chunk again with a fresh
//! instance per household. So a record is the one `batch` writes.

use std::sync::Arc;
use std::time::Instant;

use crate::sdk::Date;
use crate::{Failure, FailureKind, HouseholdReader, LineOutcome, Pipeline};
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use super::state::Loaded;

/// At most this many requests are evaluated as one chunk.
const MAX_CHUNK: usize = 64;

/// One household to evaluate, with where to send its record.
pub struct Job {
    pub loaded: Arc<Loaded>,
    pub as_of: Option<Date>,
    pub body: bytes::Bytes,
    pub deadline: Instant,
    pub reply: oneshot::Sender<Done>,
    /// Held until the job is answered or dropped: bounds jobs queued or running.
    pub permit: Option<OwnedSemaphorePermit>,
}

/// A household's record (one JSON line, with its newline) and outcome.
#[derive(Debug)]
pub struct Done {
    pub record: Vec<u8>,
    pub outcome: LineOutcome,
    /// Plugins caught keeping state in this request's chunk.
    pub stateful: Vec<String>,
}

/// The queue in front of the workers. At most `capacity` jobs are queued
/// or being evaluated: past that, a job is refused at once.
#[derive(Clone)]
pub struct Pool {
    queue: Sender<Job>,
    pending: Arc<Semaphore>,
    capacity: usize,
    workers: usize,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("workers", &self.workers).finish_non_exhaustive()
    }
}

impl Pool {
    /// Starts `workers` threads behind a queue of `capacity` requests.
    pub fn start(workers: usize, capacity: usize, reader: Arc<HouseholdReader>) -> std::io::Result<Pool> {
        let (queue, jobs) = bounded::<Job>(capacity.max(1));
        for i in 0..workers.max(1) {
            let (jobs, reader) = (jobs.clone(), Arc::clone(&reader));
            std::thread::Builder::new().name(format!("rulehost-eval-{i}")).spawn(move || work(&jobs, &reader))?;
        }
        let capacity = capacity.max(1);
        Ok(Pool { queue, pending: Arc::new(Semaphore::new(capacity)), capacity, workers: workers.max(1) })
    }

    /// Queues a job, or gives it back when `capacity` jobs are pending.
    pub fn submit(&self, mut job: Job) -> Result<(), Box<Job>> {
        let Ok(permit) = Arc::clone(&self.pending).try_acquire_owned() else { return Err(Box::new(job)) };
        job.permit = Some(permit);
        match self.queue.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) => Err(Box::new(job)),
        }
    }

    /// Jobs queued or being evaluated.
    pub fn pending(&self) -> usize {
        self.capacity - self.pending.available_permits()
    }
}

fn work(jobs: &Receiver<Job>, reader: &HouseholdReader) {
    while let Ok(first) = jobs.recv() {
        let mut chunk = vec![first];
        while chunk.len() < MAX_CHUNK {
            match jobs.try_recv() {
                Ok(job) => chunk.push(job),
                Err(_) => break,
            }
        }
        // A request whose caller has given up (deadline, disconnect) is not evaluated.
        let now = Instant::now();
        chunk.retain(|j| !j.reply.is_closed() && j.deadline > now);
        // Requests that came in before and after a reload run on their own registry.
        while !chunk.is_empty() {
            let split = chunk.iter().position(|j| !Arc::ptr_eq(&j.loaded, &chunk[0].loaded)).unwrap_or(chunk.len());
            let rest = chunk.split_off(split);
            evaluate(reader, std::mem::replace(&mut chunk, rest));
        }
    }
}

/// Evaluates jobs that share a registry as one chunk and answers each.
fn evaluate(reader: &HouseholdReader, jobs: Vec<Job>) {
    let Some(loaded) = jobs.first().map(|j| Arc::clone(&j.loaded)) else { return };
    let registry = &loaded.registry;
    let mut done = run(registry, reader, &jobs, false);
    let stateful = find_state(registry, reader, &jobs, &done);
    if !stateful.is_empty() {
        done = run(registry, reader, &jobs, true);
    }
    for (job, (record, outcome)) in jobs.into_iter().zip(done) {
        // The caller may have gone; nothing to do then.
        let _ = job.reply.send(Done { record, outcome, stateful: stateful.clone() });
    }
}

/// Every job through pipelines started for this chunk, one per `as_of`.
fn run(
    registry: &crate::Registry,
    reader: &HouseholdReader,
    jobs: &[Job],
    fresh_each: bool,
) -> Vec<(Vec<u8>, LineOutcome)> {
    let mut pipelines: Vec<(Option<Date>, Pipeline<'_>)> = Vec::new();
    jobs.iter()
        .map(|job| {
            let i = match pipelines.iter().position(|(d, _)| *d == job.as_of) {
                Some(i) => i,
                None => {
                    pipelines.push((job.as_of, Pipeline::new(registry, reader, job.as_of).fresh_each(fresh_each)));
                    pipelines.len() - 1
                }
            };
            let mut out = Vec::with_capacity(2048);
            let outcome = pipelines[i].1.process(1, &job.body, &mut out);
            (out, outcome)
        })
        .collect()
}

/// Re-evaluates, in a fresh instance, the last household each plugin
/// evaluated in the chunk (per `as_of`, each in its own instance); a
/// different record means the plugin kept state. Returns the names of such
/// plugins. A plugin that got only one household evaluated it fresh
/// already, which is the common case when requests come one at a time.
fn find_state(
    registry: &crate::Registry,
    reader: &HouseholdReader,
    jobs: &[Job],
    done: &[(Vec<u8>, LineOutcome)],
) -> Vec<String> {
    let lines = jobs.iter().zip(done).map(|(job, (_, o))| (o.deployment.map(|d| (d, job.as_of)), o.status));
    let mut stateful = Vec::new();
    for ((deployment, _), i) in crate::batch::to_recheck(lines) {
        let mut again = Vec::new();
        Pipeline::new(registry, reader, jobs[i].as_of).process(1, &jobs[i].body, &mut again);
        if again != done[i].0 {
            let name = registry.deployments()[deployment].plugin.identity().name.clone();
            if !stateful.contains(&name) {
                stateful.push(name);
            }
        }
    }
    stateful
}

/// The record of a body over the size limit: the batch's `line_too_long`,
/// written without reading the rest of the body.
pub fn too_large(limit: usize, length: Option<u64>) -> Vec<u8> {
    let message = match length {
        Some(len) => format!("line is {len} bytes long; the limit is {limit} bytes"),
        None => format!("the body is longer than the limit of {limit} bytes"),
    };
    let failure = Failure::new(FailureKind::LineTooLong, message);
    let record = crate::record::Record::failed(1, &failure);
    let mut out = serde_json::to_vec(&record).unwrap_or_default();
    out.push(b'\n');
    out
}
