//! Public status pages: what the public reads at `/status/<slug>` (and at `/` of a page's
//! custom domain), as server-rendered HTML, JSON and an Atom feed.
//!
//! - [`data`] gathers what a page shows (names and states only, never a monitor's URL, host
//!   or error) from the status board and the store;
//! - [`html`] renders it (maud; no wasm, works without JavaScript, refreshed by a tiny
//!   script); [`feed`] writes the Atom feed;
//! - [`routes`] serves it and decides who may read; [`domains`] maps custom domains to
//!   pages; [`limit`] is the per-address rate limit of every public route.
//!
//! Pages are cached, rendered and compressed once per change: a page is rebuilt when one of
//! its monitors changes state, when anything written on it changes (the page, a notice, an
//! incident update: [`StatusPages::changed`]), or a minute after it was built (uptime moves).

pub mod data;
pub mod domains;
pub mod feed;
pub mod html;
pub mod limit;
pub mod routes;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use flatline_actors::StatusBoard;
use flatline_store::peers::PeerEvent;
use flatline_store::{Store, StoreResult, StoredPage};
use flatline_types::{PageVisibility, PublicStatusPage};
use parking_lot::{Mutex, RwLock};

use crate::api::views::shown_status;

/// How long a built page is served before it is gathered again.
pub const PAGE_TTL: Duration = Duration::from_secs(60);

/// Which pages exist, found by slug and by domain; reloaded whole on every change (pages are
/// few and change rarely).
#[derive(Default)]
struct Index {
    by_slug: HashMap<String, Arc<StoredPage>>,
    /// Custom domain → slug.
    by_domain: HashMap<String, String>,
    /// Monitors on at least one public page (their badges are public too), with the name
    /// the first such page gives them, if it gives one.
    public_monitors: HashMap<i64, Option<String>>,
}

/// The status pages of this Flatline, their index and their cache.
pub struct StatusPages {
    store: Store,
    board: StatusBoard,
    index: RwLock<Arc<Index>>,
    cache: Mutex<HashMap<i64, Arc<Slot>>>,
    /// Bumped by every change to what pages show that the board does not see.
    epoch: AtomicU64,
    /// The per-day bars of monitors, kept a minute.
    bars: data::BarsCache,
}

/// One page's cache: the build lock (one build at a time) and the newest build.
#[derive(Default)]
struct Slot {
    build: tokio::sync::Mutex<()>,
    current: RwLock<Option<Arc<Built>>>,
}

/// A page gathered and encoded, ready to serve.
pub struct Built {
    /// The page's configuration it was built from.
    pub page: Arc<StoredPage>,
    pub data: PublicStatusPage,
    /// What it was built for: the change epoch and the state of the page's monitors.
    key: (u64, u64),
    built_at: Instant,
    pub json: Encoded,
    /// The HTML, at `/status/<slug>` (0) and at `/` of the custom domain (1), rendered when
    /// first asked for.
    html: [OnceLock<Encoded>; 2],
}

impl Built {
    /// The page's HTML, its links rooted at `base` (`/status/<slug>` or ``).
    pub fn html(&self, on_domain: bool) -> &Encoded {
        self.html[usize::from(on_domain)].get_or_init(|| {
            let base = if on_domain {
                String::new()
            } else {
                format!("/status/{}", self.page.spec.slug)
            };
            Encoded::new(html::page(&self.data, &base).into_string().into_bytes())
        })
    }
}

/// A body, plain and compressed.
pub struct Encoded {
    pub identity: Bytes,
    pub gzip: Bytes,
    pub brotli: Bytes,
}

impl Encoded {
    pub fn new(body: Vec<u8>) -> Self {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let gzip = gz
            .write_all(&body)
            .and_then(|()| gz.finish())
            .unwrap_or_default();
        let mut brotli = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 9,
            ..Default::default()
        };
        if brotli::BrotliCompress(&mut &body[..], &mut brotli, &params).is_err() {
            brotli.clear();
        }
        Self {
            identity: Bytes::from(body),
            gzip: Bytes::from(gzip),
            brotli: Bytes::from(brotli),
        }
    }
}

impl StatusPages {
    /// The pages stored, indexed.
    pub async fn load(store: Store, board: StatusBoard) -> StoreResult<Self> {
        let pages = Self {
            store,
            board,
            index: RwLock::default(),
            cache: Mutex::default(),
            epoch: AtomicU64::new(0),
            bars: data::BarsCache::default(),
        };
        pages.reload().await?;
        Ok(pages)
    }

    /// Reads the pages again (after a page was created, changed or deleted here) and
    /// forgets every built page; the other nodes do the same.
    pub async fn reload(&self) -> StoreResult<()> {
        self.read_again().await?;
        self.tell_peers();
        Ok(())
    }

    /// Another node changed pages or what they show: read them again here.
    pub async fn peers_changed(&self) -> StoreResult<()> {
        self.read_again().await
    }

    /// Tells the other nodes sharing the database (in the background) that pages changed.
    fn tell_peers(&self) {
        if self.store.node().is_none() {
            return;
        }
        let store = self.store.clone();
        actix_web::rt::spawn(async move {
            if let Err(e) = store.tell_peers(&PeerEvent::Pages).await {
                tracing::warn!(error = %e, "telling the other nodes of a status page change failed");
            }
        });
    }

    async fn read_again(&self) -> StoreResult<()> {
        let pages = self.store.list_pages().await?;
        let mut index = Index::default();
        for page in pages {
            if let Some(domain) = &page.spec.custom_domain {
                index
                    .by_domain
                    .insert(domain.clone(), page.spec.slug.clone());
            }
            if page.spec.visibility == PageVisibility::Public {
                for m in page.spec.sections.iter().flat_map(|s| &s.monitors) {
                    index
                        .public_monitors
                        .entry(m.monitor_id)
                        .or_insert_with(|| m.display_name.clone());
                }
            }
            index.by_slug.insert(page.spec.slug.clone(), Arc::new(page));
        }
        *self.index.write() = Arc::new(index);
        self.cache.lock().clear();
        self.epoch.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Something pages show changed that the status board does not see (a notice, an
    /// incident update, a maintenance window): every page is gathered again at its next
    /// request, here and on the other nodes.
    pub fn changed(&self) {
        self.epoch.fetch_add(1, Ordering::Relaxed);
        self.tell_peers();
    }

    /// The page at `/status/<slug>`.
    pub fn by_slug(&self, slug: &str) -> Option<Arc<StoredPage>> {
        self.index.read().by_slug.get(slug).cloned()
    }

    /// The slug of the page served at `/` of `domain` (lower-case, without port).
    pub fn slug_for_domain(&self, domain: &str) -> Option<String> {
        let index = self.index.read();
        if index.by_domain.is_empty() {
            return None;
        }
        index.by_domain.get(domain).cloned()
    }

    /// Whether monitor `id` is on a public page: `Some`, with the display name the page
    /// gives it, if any.
    pub fn on_public_page(&self, id: i64) -> Option<Option<String>> {
        self.index.read().public_monitors.get(&id).cloned()
    }

    /// The page, built no longer ago than [`PAGE_TTL`] and for the current states of its
    /// monitors.
    pub async fn built(&self, page: &Arc<StoredPage>) -> StoreResult<Arc<Built>> {
        let slot = self.cache.lock().entry(page.id).or_default().clone();
        let key = (self.epoch.load(Ordering::Relaxed), self.fingerprint(page));
        let fresh = |b: &Option<Arc<Built>>| {
            b.as_ref()
                .filter(|b| b.key == key && b.built_at.elapsed() < PAGE_TTL)
                .cloned()
        };
        if let Some(built) = fresh(&slot.current.read()) {
            return Ok(built);
        }
        let _building = slot.build.lock().await;
        if let Some(built) = fresh(&slot.current.read()) {
            return Ok(built);
        }
        let data = data::gather(&self.store, &self.board, &self.bars, page).await?;
        let json = serde_json::to_vec(&data).unwrap_or_default();
        let built = Arc::new(Built {
            page: page.clone(),
            data,
            key,
            built_at: Instant::now(),
            json: Encoded::new(json),
            html: Default::default(),
        });
        *slot.current.write() = Some(built.clone());
        Ok(built)
    }

    /// A hash of the shown state of every monitor on `page`.
    fn fingerprint(&self, page: &StoredPage) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        let ids = page
            .spec
            .sections
            .iter()
            .flat_map(|s| s.monitors.iter().map(|m| m.monitor_id));
        self.board.visit(ids, |id, live| {
            id.hash(&mut hasher);
            if let Some(live) = live {
                let status = live
                    .monitor
                    .as_ref()
                    .map_or(live.status, |m| shown_status(&m.spec, live));
                status.hash(&mut hasher);
                live.monitor
                    .as_ref()
                    .map(|m| m.updated_at_ms)
                    .hash(&mut hasher);
            }
        });
        hasher.finish()
    }
}
