//! The probe's results on their way to the server: kept in order in memory, sent in
//! batches, written to `<data-dir>/results-<location>.jsonl` whenever a send fails (and at
//! stop), and read back at start. A result is identified by its monitor and start time, so a
//! batch sent twice (the answer lost) is stored once.

use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use actix::{
    Actor, ActorFutureExt, AsyncContext, Context, Handler, Message, ResponseActFuture, WrapFuture,
};
use flatline_actors::messages::{CertificateExpiring, RecordCertificate, RecordCheck};
use flatline_store::clock::now_ms;
use flatline_types::{ProbeBatch, ProbeBatchAnswer, ProbeResult, PROBE_BATCH_MAX};

use super::Link;

/// Largest batch body, well under the server's limit on request bodies.
const BATCH_MAX_BYTES: usize = 192 * 1024;
/// How often waiting results are sent.
const SEND_EVERY: Duration = Duration::from_millis(500);
/// Results waiting that make the next batch go at once rather than at the next tick.
const BACKLOG: usize = 500;
/// Longest wait between attempts while the server is away.
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Results not yet acknowledged by the server, oldest first, at most `max`.
pub struct Spool {
    path: PathBuf,
    max: usize,
    queue: VecDeque<ProbeResult>,
    /// Dropped since the last log line (the buffer was full).
    dropped: u64,
    on_disk: bool,
}

impl Spool {
    /// The spool of `location` under `dir`, with what an earlier run left there.
    pub fn open(dir: &Path, location: &str, max: usize) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("--data-dir {}: cannot create it: {e}", dir.display()))?;
        let path = dir.join(format!("results-{location}.jsonl"));
        let mut spool = Self {
            path,
            max: max.max(1),
            queue: VecDeque::new(),
            dropped: 0,
            on_disk: false,
        };
        match std::fs::File::open(&spool.path) {
            Ok(file) => {
                for line in std::io::BufReader::new(file).lines() {
                    let line = line.map_err(|e| format!("{}: {e}", spool.path.display()))?;
                    // A line cut by a crash is lost, the rest is kept.
                    if let Ok(result) = serde_json::from_str(&line) {
                        spool.push(result);
                    }
                }
                spool.on_disk = true;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", spool.path.display())),
        }
        Ok(spool)
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Adds a result; the oldest goes when the spool is full.
    pub fn push(&mut self, result: ProbeResult) {
        self.queue.push_back(result);
        while self.queue.len() > self.max {
            self.queue.pop_front();
            self.dropped += 1;
        }
    }

    /// The oldest results, as many as one batch takes.
    fn batch(&self) -> Vec<ProbeResult> {
        let mut bytes = 0;
        self.queue
            .iter()
            .take(PROBE_BATCH_MAX)
            .take_while(|r| {
                bytes += 96 + r.error.as_ref().map_or(0, String::len);
                bytes <= BATCH_MAX_BYTES
            })
            .cloned()
            .collect()
    }

    /// The server stored (or already had) the oldest `n`.
    fn acknowledge(&mut self, n: usize) {
        self.queue.drain(..n.min(self.queue.len()));
    }

    /// Writes every waiting result to disk (replacing what was there), or removes the file
    /// when none waits.
    fn save(&mut self) -> std::io::Result<()> {
        if self.queue.is_empty() {
            if self.on_disk {
                std::fs::remove_file(&self.path).or_else(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })?;
                self.on_disk = false;
            }
            return Ok(());
        }
        let tmp = self.path.with_extension("jsonl.tmp");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        for r in &self.queue {
            serde_json::to_writer(&mut out, r)?;
            out.write_all(b"\n")?;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        self.on_disk = true;
        Ok(())
    }
}

/// Saves what waits and stops sending.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Stop;

/// Sends the spool's results to the server.
pub struct Uploader {
    link: Link,
    spool: Spool,
    sending: bool,
    failures: u32,
    next_attempt: Instant,
    stopped: bool,
}

impl Uploader {
    pub fn new(link: Link, spool: Spool) -> Self {
        Self {
            link,
            spool,
            sending: false,
            failures: 0,
            next_attempt: Instant::now(),
            stopped: false,
        }
    }

    fn send(&mut self, ctx: &mut Context<Self>) {
        if self.sending || self.stopped || self.spool.is_empty() {
            return;
        }
        if Instant::now() < self.next_attempt {
            return;
        }
        if self.spool.dropped > 0 {
            tracing::error!(
                dropped = self.spool.dropped,
                limit = self.spool.max,
                "results dropped: the buffer is full (--buffer-max)"
            );
            self.spool.dropped = 0;
        }
        let results = self.spool.batch();
        let count = results.len();
        let batch = ProbeBatch {
            probe_id: self.link.probe_id.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            sent_at_ms: now_ms(),
            buffered: (self.spool.len() - count) as u64,
            results,
        };
        self.sending = true;
        let link = self.link.clone();
        ctx.spawn(
            async move {
                let response = link
                    .client
                    .post(link.url("/api/v1/probe/results"))
                    .bearer_auth(&link.token)
                    .send_json(&batch)
                    .await;
                match response {
                    Ok(mut r) if r.status().is_success() => {
                        r.json::<ProbeBatchAnswer>().await.map_err(|e| e.to_string())
                    }
                    Ok(r) => Err(format!("the server answered {}", r.status())),
                    Err(e) => Err(e.to_string()),
                }
            }
            .into_actor(self)
            .map(move |outcome, act, ctx| {
                act.sending = false;
                match outcome {
                    Ok(answer) => {
                        if act.failures > 0 {
                            tracing::info!(waiting = act.spool.len(), "the server takes results again");
                        }
                        act.failures = 0;
                        act.spool.acknowledge(count);
                        tracing::debug!(stored = answer.stored, ignored = answer.ignored, skew_ms = answer.skew_ms, "results sent");
                        if act.spool.is_empty() || act.spool.on_disk {
                            // Keep the file in step: nothing on disk that was acknowledged.
                            if let Err(e) = act.spool.save() {
                                tracing::warn!(error = %e, "cannot update the results buffer on disk");
                            }
                        }
                        // A backlog (after an outage) goes out batch after batch; otherwise
                        // the next tick takes what gathers meanwhile.
                        if act.spool.len() >= BACKLOG {
                            act.send(ctx);
                        }
                    }
                    Err(e) => {
                        act.failures = act.failures.saturating_add(1);
                        let wait = (Duration::from_millis(500) * 2u32.saturating_pow(act.failures.min(8)))
                            .min(BACKOFF_MAX);
                        act.next_attempt = Instant::now() + wait;
                        if act.failures == 1 || act.failures % 10 == 0 {
                            tracing::warn!(error = e.as_str(), waiting = act.spool.len(), "sending results failed; keeping them on disk and retrying");
                        }
                        if let Err(e) = act.spool.save() {
                            tracing::error!(error = %e, "cannot write the results buffer to disk");
                        }
                    }
                }
            }),
        );
    }
}

impl Actor for Uploader {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(SEND_EVERY, |act, ctx| act.send(ctx));
    }
}

impl Handler<RecordCheck> for Uploader {
    type Result = ();

    fn handle(&mut self, msg: RecordCheck, _ctx: &mut Context<Self>) {
        let c = msg.0;
        self.spool.push(ProbeResult {
            monitor_id: c.monitor_id,
            started_at_ms: c.checked_at_ms,
            latency_us: c.latency_us,
            status_code: c.status_code,
            error: c.error,
        });
    }
}

/// Certificates are the server's to read: a probe checks availability from its location.
impl Handler<RecordCertificate> for Uploader {
    type Result = ();

    fn handle(&mut self, _msg: RecordCertificate, _ctx: &mut Context<Self>) {}
}

impl Handler<CertificateExpiring> for Uploader {
    type Result = ();

    fn handle(&mut self, _msg: CertificateExpiring, _ctx: &mut Context<Self>) {}
}

impl Handler<Stop> for Uploader {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _msg: Stop, _ctx: &mut Context<Self>) -> Self::Result {
        self.stopped = true;
        if let Err(e) = self.spool.save() {
            tracing::error!(error = %e, "cannot write the results buffer to disk");
        } else if !self.spool.is_empty() {
            tracing::info!(waiting = self.spool.len(), path = %self.spool.path.display(), "results kept for the next start");
        }
        Box::pin(async {}.into_actor(self))
    }
}

#[cfg(test)]
mod tests {
    use super::Spool;
    use flatline_types::ProbeResult;

    fn result(i: i64) -> ProbeResult {
        ProbeResult {
            monitor_id: 1,
            started_at_ms: i,
            latency_us: 10,
            status_code: None,
            error: (i % 2 == 0).then(|| "connection refused".into()),
        }
    }

    #[test]
    fn a_spool_keeps_the_newest_and_survives_a_restart() {
        let dir = tempfile::tempdir().expect("dir");
        let mut spool = Spool::open(dir.path(), "eu", 3).expect("open");
        for i in 0..5 {
            spool.push(result(i));
        }
        assert_eq!(spool.len(), 3);
        assert_eq!(spool.dropped, 2);
        spool.save().expect("save");
        let again = Spool::open(dir.path(), "eu", 10).expect("reopen");
        let kept: Vec<i64> = again.queue.iter().map(|r| r.started_at_ms).collect();
        assert_eq!(kept, vec![2, 3, 4]);
        let mut again = again;
        again.acknowledge(3);
        again.save().expect("save empty");
        assert!(!dir.path().join("results-eu.jsonl").exists());
    }
}
