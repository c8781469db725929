//! [`MockCloud`]: the emulator in-process, on random loopback ports, shut down on drop — the
//! way a Rust integrator uses `wiremock::MockServer`.
//!
//! ```no_run
//! # async fn demo() {
//! let cloud = payterm::MockCloud::start().await;
//! let token_url = format!("{}/cloud/oauth/token", cloud.uri());
//! # let _ = token_url;
//! # }
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::control;
use crate::http::{Handler, ServerHandle, ServerLimits, serve};
use crate::profile::Profile;
use crate::scenario::Scenario;
use crate::script::served::scenario_of;
use crate::script::setup::{HarnessKey, world_for};
use crate::surfaces::cloud::CloudApi;
use crate::surfaces::cloud::auth::{DOCUMENTED_CLIENT_ID, DOCUMENTED_CLIENT_SECRET, TokenSecret, TokenService};
use crate::surfaces::served::Recipe;
use crate::surfaces::sim::{ScenarioWorlds, Sim, WorldFactory};
use crate::time::{Clock, Pace, VirtualDuration, VirtualTime};
use crate::world::World;
use crate::world::ids::Tid;
use crate::world::money::Currency;
use crate::world::terminal::{Merchant, TerminalConfig, TerminalMode};

/// Why the mock cloud could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A port could not be bound.
    #[error("failed to bind {what} on {addr}: {source}\n(hint: pick another port, or 0 for any free one)")]
    Bind {
        /// Which listener.
        what: &'static str,
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// TLS could not be set up.
    #[error("{0}")]
    Tls(String),
    /// The OS gave no randomness for the token-signing secret.
    #[error(transparent)]
    Entropy(#[from] crate::surfaces::cloud::auth::EntropyError),
}

/// Builds a [`MockCloud`].
#[must_use = "a builder does nothing until `start` is called"]
#[derive(Clone, Debug)]
pub struct MockCloudBuilder {
    seed: u64,
    start_at: Option<VirtualTime>,
    time_scale: Option<f64>,
    terminals: Vec<TerminalConfig>,
    merchants: Vec<Merchant>,
    port: u16,
    control_port: u16,
    tls: Option<PathBuf>,
    client: (String, String),
    profile: Profile,
    journal_capacity: usize,
    run_journal: Option<usize>,
    control_api: bool,
    control_extension: Option<Arc<dyn control::Extension>>,
    posted_events: bool,
    scenario: Option<Arc<Scenario>>,
    harness_key: Option<HarnessKey>,
    token_secret: TokenSecret,
    merchant_id: Option<String>,
    stores: Vec<String>,
    hosts: crate::http::Hosts,
}

impl Default for MockCloudBuilder {
    fn default() -> Self {
        MockCloudBuilder {
            seed: 0,
            start_at: None,
            time_scale: Some(0.01),
            terminals: Vec::new(),
            merchants: vec![Merchant::documented_example()],
            port: 0,
            control_port: 0,
            tls: None,
            client: (DOCUMENTED_CLIENT_ID.to_owned(), DOCUMENTED_CLIENT_SECRET.to_owned()),
            profile: Profile::default(),
            journal_capacity: 10_000,
            run_journal: None,
            control_api: true,
            control_extension: None,
            posted_events: true,
            scenario: None,
            harness_key: None,
            token_secret: TokenSecret::Fresh,
            merchant_id: None,
            stores: Vec::new(),
            hosts: Default::default(),
        }
    }
}

impl MockCloudBuilder {
    /// The seed every id and random choice comes from (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Real seconds per virtual second (default 0.01: one virtual second lasts 10 ms).
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.time_scale = Some(scale);
        self
    }

    /// A paused clock: virtual time moves only through [`MockCloud::advance`].
    pub fn paused(mut self) -> Self {
        self.time_scale = None;
        self
    }

    /// Where virtual time starts (default 2026-01-01T00:00:00Z).
    pub fn starting_at(mut self, at: VirtualTime) -> Self {
        self.start_at = Some(at);
        self
    }

    /// Adds a terminal. Without any, the vendor's example terminal `999888` is there.
    pub fn terminal(mut self, config: TerminalConfig) -> Self {
        self.terminals.push(config);
        self
    }

    /// Adds `n` terminals in `mode` with the documented example's currency and merchant:
    /// `999888` first, then `100001`, `100002`, …
    pub fn terminals(mut self, n: usize, mode: TerminalMode, currency: Currency) -> Self {
        for i in 0..n {
            let tid = if i == 0 && !self.terminals.iter().any(|t| t.tid.as_str() == "999888") {
                "999888".to_owned()
            } else {
                format!("{}", 100_000 + i)
            };
            self.terminals.push(TerminalConfig {
                tid: Tid(tid),
                mode,
                currency,
                ..TerminalConfig::documented_example()
            });
        }
        self
    }

    /// The documented merchant's id (default `223`): what deep links must pass as `clientID`
    /// and what receipts print as `merchantID`. A real app passes its own.
    pub fn merchant_id(mut self, id: &str) -> Self {
        self.merchant_id = Some(id.to_owned());
        self
    }

    /// Makes an initiator store known to the service before any key is enrolled for it.
    pub fn store(mut self, name: &str) -> Self {
        self.stores.push(name.to_owned());
        self
    }

    /// The host names both ports answer to besides loopback ones (`payterm serve
    /// --allow-host`): a request addressed to any other name is refused `403 FOREIGN_HOST`.
    pub fn allow_hosts(mut self, hosts: crate::http::Hosts) -> Self {
        self.hosts = hosts;
        self
    }

    /// Adds a merchant login.
    pub fn merchant(mut self, merchant: Merchant) -> Self {
        self.merchants.push(merchant);
        self
    }

    /// The Cloud API port (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The control API port (default 0: any free port).
    pub fn control_port(mut self, port: u16) -> Self {
        self.control_port = port;
        self
    }

    /// Serves HTTPS with a self-signed certificate written to `cert_path`.
    pub fn tls(mut self, cert_path: PathBuf) -> Self {
        self.tls = Some(cert_path);
        self
    }

    /// The OAuth client credential (default: the vendor's documented `atom` client).
    pub fn client(mut self, id: &str, secret: &str) -> Self {
        self.client = (id.to_owned(), secret.to_owned());
        self
    }

    /// The profile (timings and limits).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// How many journal entries to keep (default 10,000; 0 keeps none).
    pub fn journal_capacity(mut self, n: usize) -> Self {
        self.journal_capacity = n;
        self
    }

    /// Journals one run for its judge: every exchange from the beginning with its bodies
    /// whole, until [`MockCloudBuilder::journal_capacity`] exchanges or `body_budget` bytes of
    /// bodies are kept; past either, what comes is counted, not kept
    /// ([`crate::journal::Journal::for_run`]). A long-running server keeps its last entries
    /// instead, with 4 KiB of each body.
    pub fn journal_for_run(mut self, body_budget: usize) -> Self {
        self.run_journal = Some(body_budget);
        self
    }

    /// Starts no control API: during a run the World is payterm's alone, and nothing the
    /// integration can reach drives it except the protocol surfaces.
    pub fn without_control_api(mut self) -> Self {
        self.control_api = false;
        self
    }

    /// Serves `extension`'s routes on the control port beside the control API (`payterm
    /// serve` adds the dashboard so).
    pub fn control_extension(mut self, extension: Arc<dyn control::Extension>) -> Self {
        self.control_extension = Some(extension);
        self
    }

    /// Refuses events posted to `/_payterm/events` (409): in command mode the integration
    /// reports on stdout, and nothing else is read.
    pub fn refuse_posted_events(mut self) -> Self {
        self.posted_events = false;
        self
    }

    /// Plays `scenario`: its terminals, stores and history make the World, and its script
    /// drives statuses, task states, faults and timed actions. Its seed is used unless
    /// [`MockCloudBuilder::seed`] is called after this.
    pub fn scenario(mut self, scenario: Arc<Scenario>) -> Self {
        if let Some(seed) = scenario.seed {
            self.seed = seed;
        }
        self.scenario = Some(scenario);
        self
    }

    /// Signs access and refresh tokens with a secret derived from the seed, so two servers
    /// with the same seed accept each other's tokens — for tests that need the same tokens
    /// every run. By default the secret is fresh randomness from the OS, so nobody who knows
    /// the seed (it is printed) can mint tokens this server accepts.
    pub fn token_secret_from_seed(mut self) -> Self {
        self.token_secret = TokenSecret::FromSeed;
        self
    }

    /// The initiator key the harness signs with, enrolled for the scenario's stores.
    pub fn harness_key(mut self, key: HarnessKey) -> Self {
        self.harness_key = Some(key);
        self
    }

    fn world_factory(&self) -> WorldFactory {
        let start = self.start_at.unwrap_or(VirtualTime::DEFAULT_START);
        self.recipe().factory(self.scenario.as_ref(), self.seed, start)
    }

    /// How the server builds the World of a scenario loaded at run time: with the scenario's
    /// seed, or this server's.
    fn scenario_worlds(&self) -> ScenarioWorlds {
        let (recipe, seed) = (self.recipe(), self.seed);
        Box::new(move |served, start| {
            let scenario = served.and_then(scenario_of);
            let seed = scenario.as_ref().and_then(|s| s.seed).unwrap_or(seed);
            recipe.factory(scenario.as_ref(), seed, start)
        })
    }

    fn recipe(&self) -> WorldRecipe {
        WorldRecipe {
            profile: self.profile.clone(),
            key: self.harness_key.clone(),
            merchants: self.merchants.clone(),
            merchant_id: self.merchant_id.clone(),
            stores: self.stores.clone(),
            terminals: if self.terminals.is_empty() {
                vec![TerminalConfig::documented_example()]
            } else {
                self.terminals.clone()
            },
        }
    }

    /// Starts the server on the current tokio runtime.
    pub async fn start(self) -> Result<MockCloud, StartError> {
        let start = self.start_at.unwrap_or(VirtualTime::DEFAULT_START);
        let clock = match self.time_scale {
            Some(scale) => Clock::running(start, Pace::new(scale)),
            None => Clock::paused(start),
        };
        let served = self.scenario.clone().map(|s| s as Arc<dyn Recipe>);
        let mut sim = Sim::new(self.world_factory(), clock, self.journal_capacity, served);
        sim.hosts = self.hosts.clone();
        if let Some(budget) = self.run_journal {
            sim.journal = crate::journal::Journal::for_run(self.journal_capacity, budget);
        }
        sim.inbox.open(self.posted_events);
        let sim = Arc::new(sim.with_scenario_worlds(self.scenario_worlds()));
        let cloud_addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let control_addr = SocketAddr::from(([127, 0, 0, 1], self.control_port));
        let bind = |what, addr| async move {
            TcpListener::bind(addr).await.map_err(|source| StartError::Bind { what, addr, source })
        };
        let cloud_listener = bind("the Cloud API", cloud_addr).await?;
        let control_listener = if self.control_api { Some(bind("the control API", control_addr).await?) } else { None };
        let tls = match &self.tls {
            None => None,
            Some(path) => Some(crate::http::self_signed(path).map_err(StartError::Tls)?.acceptor),
        };
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let base_url = format!(
            "{scheme}://{}",
            cloud_listener.local_addr().map_err(|source| StartError::Bind {
                what: "the Cloud API",
                addr: cloud_addr,
                source
            })?
        );
        let api = Arc::new(CloudApi {
            sim: sim.clone(),
            tokens: TokenService::new(&self.client.0, &self.client.1, self.seed, self.token_secret)?,
            max_body_bytes: self.profile.max_body_bytes,
            base_url,
            rendered: Default::default(),
        });
        let basic = api.tokens.basic_credential();
        let cloud_handler: Arc<dyn Handler> = {
            let api = api.clone();
            Arc::new(move |req| -> crate::http::BoxReply {
                Box::pin(crate::surfaces::front_door::handle(api.clone(), req))
            })
        };
        let control_handler: Arc<dyn Handler> = {
            let (sim, extension) = (sim.clone(), self.control_extension.clone());
            Arc::new(move |req| -> crate::http::BoxReply {
                Box::pin(control::handle(sim.clone(), extension.clone(), req))
            })
        };
        let io_err = |what, addr| move |source| StartError::Bind { what, addr, source };
        let cloud = serve(cloud_listener, cloud_handler, ServerLimits::default(), tls.clone())
            .map_err(io_err("the Cloud API", cloud_addr))?;
        let control = match control_listener {
            Some(listener) => Some(
                serve(listener, control_handler, ServerLimits::default(), None)
                    .map_err(io_err("the control API", control_addr))?,
            ),
            None => None,
        };
        Ok(MockCloud { cloud, control, sim, tls: self.tls.is_some(), basic, seed: self.seed })
    }
}

/// What every World of one server is built from, with or without a scenario.
#[derive(Clone)]
struct WorldRecipe {
    profile: Profile,
    key: Option<HarnessKey>,
    merchants: Vec<Merchant>,
    merchant_id: Option<String>,
    stores: Vec<String>,
    terminals: Vec<TerminalConfig>,
}

impl WorldRecipe {
    /// Builds `scenario`'s World (its terminals, stores and history), or without one the
    /// server's own merchants and terminals, at `start` with `seed`.
    fn factory(&self, scenario: Option<&Arc<Scenario>>, seed: u64, start: VirtualTime) -> WorldFactory {
        let recipe = self.clone();
        let scenario = scenario.cloned();
        Box::new(move || {
            let mut w = match &scenario {
                Some(scenario) => world_for(scenario, seed, start, recipe.key.as_ref(), recipe.profile.clone()),
                None => {
                    let mut w = World::new(seed, start, recipe.profile.clone());
                    for m in &recipe.merchants {
                        w.add_merchant(m.clone());
                    }
                    for t in &recipe.terminals {
                        w.add_terminal(t.clone());
                    }
                    w
                }
            };
            if let Some(id) = &recipe.merchant_id {
                w.rename_merchant(&Merchant::documented_example().merchant_id, id);
            }
            for store in &recipe.stores {
                w.declare_store(store);
            }
            w
        })
    }
}

/// A running emulator. Dropping it shuts both servers down.
pub struct MockCloud {
    cloud: ServerHandle,
    control: Option<ServerHandle>,
    sim: Arc<Sim>,
    tls: bool,
    basic: String,
    seed: u64,
}

impl MockCloud {
    /// Starts an emulator with the vendor's documented example (terminal `999888`, merchant
    /// `jan.novak@example.com`), a clock at 0.01 real seconds per virtual second, on random
    /// loopback ports.
    ///
    /// # Panics
    /// If no loopback port can be bound, as `wiremock::MockServer::start` does.
    pub async fn start() -> MockCloud {
        match MockCloud::builder().start().await {
            Ok(cloud) => cloud,
            Err(e) => panic!("failed to start the mock cloud: {e}"),
        }
    }

    /// A builder for anything but the defaults.
    pub fn builder() -> MockCloudBuilder {
        MockCloudBuilder::default()
    }

    /// The Cloud API's base URL, e.g. `http://127.0.0.1:41234`.
    pub fn uri(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.cloud.addr())
    }

    /// The Cloud API's address.
    pub fn address(&self) -> SocketAddr {
        self.cloud.addr()
    }

    /// The control API's base URL.
    ///
    /// # Panics
    /// If the server was built [`MockCloudBuilder::without_control_api`].
    pub fn control_uri(&self) -> String {
        match &self.control {
            Some(control) => format!("http://{}", control.addr()),
            None => panic!("this mock cloud was started without a control API"),
        }
    }

    /// Whether a control API is served.
    pub fn has_control_api(&self) -> bool {
        self.control.is_some()
    }

    /// The `Authorization` header value for the token endpoint.
    pub fn basic_credential(&self) -> &str {
        &self.basic
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Runs `f` on the World, brought up to the clock's time.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        self.sim.act(|world| f(world))
    }

    /// Jumps virtual time forward by `by`, firing what falls due.
    pub fn advance(&self, by: VirtualDuration) -> VirtualTime {
        self.sim.advance(by)
    }

    /// Holds the clock until the integration comes up: its first request starts it, dated at
    /// its arrival; or [`MockCloud::start_clock_at`] does, on another sign of life.
    pub fn hold_clock_until_started(&self) {
        self.sim.hold_until_started();
    }

    /// Starts a clock held by [`MockCloud::hold_clock_until_started`] as of `at` (no-op if it
    /// runs already).
    pub fn start_clock_at(&self, at: std::time::Instant) {
        self.sim.start_at(at);
    }

    /// When a held clock was started (real time), once it was.
    pub fn clock_started_at(&self) -> Option<std::time::Instant> {
        self.sim.started_at()
    }

    /// Stops or restarts the virtual clock (a running clock only; a paused one stays paused).
    pub fn set_paused(&self, paused: bool) {
        self.sim.set_paused(paused);
    }

    /// Virtual time now.
    pub fn now(&self) -> VirtualTime {
        self.sim.now()
    }

    /// The real instant the World's or the script's next scheduled event falls due (running
    /// clock only).
    pub fn next_due(&self) -> Option<std::time::Instant> {
        self.sim.next_due()
    }

    /// Reads virtual time from anywhere (a task that outlives no borrow of this handle).
    pub fn clock_reader(&self) -> impl Fn() -> VirtualTime + Send + Sync + 'static {
        let sim = self.sim.clone();
        move || sim.now()
    }

    /// The journal of exchanges and World transitions.
    pub fn journal(&self) -> &crate::journal::Journal {
        &self.sim.journal
    }

    /// Takes the events a service-mode integration posted to `/_payterm/events` since the
    /// last call.
    pub fn take_posted_events(&self) -> Vec<crate::record::events::Event> {
        self.sim.inbox.take()
    }

    /// Woken at every post of events accepted (see [`MockCloud::take_posted_events`]).
    pub fn events_posted(&self) -> &tokio::sync::Notify {
        self.sim.inbox.posted()
    }
}
