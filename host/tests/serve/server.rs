//! Starts the real `rulehost serve` on 127.0.0.1:0 and waits until it is
//! ready; the process is killed when the handle is dropped.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::client;
use super::harness;

pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub admin: Option<SocketAddr>,
}

impl Server {
    /// `rulehost serve --registry REGISTRY --listen 127.0.0.1:0 ARGS...`,
    /// once `/readyz` says ready (within a minute).
    pub fn start(registry: &std::path::Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rulehost"))
            .args(["serve", "--registry"])
            .arg(registry)
            .args(["--listen", "127.0.0.1:0", "--no-access-log"])
            .args(args)
            .current_dir(harness::root())
            .env("RULEHOST_CACHE_DIR", std::env::temp_dir().join("rulehost-serve-test-cache"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting rulehost serve: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut lines = BufReader::new(stdout).lines();
        let (mut addr, mut admin) = (None, None);
        let wants_admin = args.contains(&"--admin-listen");
        while addr.is_none() || (wants_admin && admin.is_none()) {
            let line = lines.next().unwrap_or_else(|| panic!("rulehost serve exited early")).unwrap_or_default();
            let at = |prefix: &str| line.strip_prefix(prefix).and_then(|a| a.parse::<SocketAddr>().ok());
            addr = addr.or(at("listening on http://"));
            admin = admin.or(at("admin listening on http://"));
        }
        let server = Server { child, addr: addr.unwrap_or_else(|| panic!("no address")), admin };
        let started = Instant::now();
        while client::try_send(server.addr, "GET", "/readyz", &[], b"").map(|a| a.status).ok() != Some(200) {
            assert!(started.elapsed() < Duration::from_secs(60), "not ready within a minute");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Sends a signal (`TERM`, `HUP`) to the server.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{name}");
    }

    /// Waits (at most `limit`) for the process to exit; its exit code.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
