//! Flatline inside the test's own process: the binary's own start-up ([`startup::start`]) and
//! application ([`app::build`]) on a fresh SQLite database, served on a free loopback port,
//! with the kit's API client. For API tests where a separate process adds nothing: nothing to
//! build or spawn, so they start in milliseconds. Signals, crashes, restarts, the CLI and the
//! browser stay with [`crate::Flatline`].

use actix_web::dev::ServerHandle;
use actix_web::HttpServer;
use clap::Parser;
use flatline_actors::Engine;
use flatline_server::config::Config;
use flatline_server::startup::{self, Started};
use flatline_server::{app, live, service};

use crate::client::ApiClient;

/// A Flatline served from this process.
pub struct InProcess {
    api: ApiClient,
    server: ServerHandle,
    /// Held for the instance's life: the engine's actors (the sweeper, the summary refresher)
    /// live while their addresses do, as in the binary.
    _engine: Engine,
    _dir: tempfile::TempDir,
}

impl InProcess {
    /// Starts Flatline in this process (inside the test's actix system) with an API token.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let database_url = format!("sqlite:{}", dir.path().join("flatline.db").display());
        let config = Config::try_parse_from([
            "flatline",
            "--database-url",
            &database_url,
            "--engine-workers",
            "1",
            "--admin-password",
            "in-process-admin",
        ])
        .expect("configuration");
        let Started {
            store,
            engine,
            data,
            ..
        } = startup::start(&config).await.expect("start-up");
        let token = service::tokens::issue(&store, "e2e".into(), None, None, None)
            .await
            .expect("API token")
            .token;
        actix_rt::spawn(live::run(data.hub.clone(), data.board.clone()));
        let openapi = flatline_server::openapi::document();
        let server = HttpServer::new(move || app::build(&data, openapi.clone()))
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("bind a loopback port");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Self {
            api: ApiClient::new(format!("http://{addr}"), Some(token)),
            server: handle,
            _engine: engine,
            _dir: dir,
        }
    }
}

impl std::ops::Deref for InProcess {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.api
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        // Sends the stop at once; nothing is left to wait for it.
        drop(self.server.stop(false));
    }
}
