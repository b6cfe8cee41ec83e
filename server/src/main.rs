//! `ibasho-server`: opens the database and the map, prints the address and a staff invite,
//! and serves until interrupted.

use std::sync::Arc;

use ibasho_server::{AppState, Config, Store, TownHandle, TownOptions, app};
use protocol::{Role, TownMap};

/// How long the staff invite printed at start stays valid, in seconds (one day).
const START_INVITE_SECONDS: i64 = 24 * 3600;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(ibasho_server::log_filter(std::env::var("RUST_LOG").ok().as_deref()))
        .with_writer(std::io::stderr)
        .init();
    if let Err(message) = run().await {
        eprintln!("ibasho-server: {message}");
        std::process::exit(1);
    }
}

/// The database file inside the data folder.
const DATABASE_FILE: &str = "ibasho.sqlite3";

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("backup") {
        return backup(&args[1..]);
    }
    serve(args).await
}

/// `ibasho-server backup FILE [--data-dir DIR]`: an online, consistent copy of the database,
/// safe while the server runs.
fn backup(args: &[String]) -> Result<(), String> {
    let (file, flags) = args.split_first().ok_or("usage: ibasho-server backup FILE [--data-dir DIR]")?;
    let config = Config::from_args(flags.iter().cloned())?;
    let database = config.data_dir.join(DATABASE_FILE);
    if !database.exists() {
        return Err(format!("no database at {}", database.display()));
    }
    let accounts = Store::backup(&database, std::path::Path::new(file))?;
    println!("ibasho: backup of {} written to {file} ({accounts} accounts)", database.display());
    Ok(())
}

async fn serve(args: Vec<String>) -> Result<(), String> {
    let mut config = Config::from_args(args)?;
    ibasho_server::city_time::set_city_zone(config.time_zone.clone());
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
    let database = config.data_dir.join(DATABASE_FILE);
    let store = Store::open(&database)
        .map_err(|e| format!("cannot open {}: {e}", database.display()))?
        .with_sessions(config.sessions);
    let map_text = std::fs::read_to_string(&config.map_path)
        .map_err(|e| format!("cannot read map {}: {e}", config.map_path.display()))?;
    let map = TownMap::from_ron(&map_text).map_err(|e| format!("map {}: {e}", config.map_path.display()))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    if config.public_url.is_empty() {
        config.public_url = format!("http://{address}");
    }
    // Kept alive until the server stops, which stops coturn too.
    let _turn_process = match config.spawn_turn {
        Some(address) => {
            let (turn, process) = ibasho_server::turn::spawn(address.ip(), address.port(), &config.data_dir)?;
            println!("ibasho: TURN relay for booths at {}", turn.url);
            config.turn = Some(turn);
            Some(process)
        }
        None => None,
    };
    if config.turn.is_none() {
        eprintln!("ibasho-server: no TURN relay configured: booth connections are direct (see --spawn-turn)");
    }
    // Kept alive until the server stops, which stops Janus too.
    let _janus_process = if config.spawn_janus {
        let (endpoint, process) = ibasho_server::sfu::janus::spawn(&config.data_dir, &config.janus_network).await?;
        println!("ibasho: SFU (Janus) for halls at {}", endpoint.api_url);
        config.janus.push(endpoint);
        Some(process)
    } else {
        None
    };
    let no_staff = store.staff_count().map_err(|e| e.to_string())? == 0;
    let staff_invite = if config.staff_invite || no_staff {
        let invite = store
            .create_invite(
                Role::Staff,
                protocol::locale::Lang::Ja.text("staff.first_invite_note"),
                None,
                START_INVITE_SECONDS,
            )
            .map_err(|e| e.to_string())?;
        Some(config.invite_url(&invite.token))
    } else {
        None
    };
    let public_url = config.public_url.clone();
    if config.load_test {
        eprintln!("ibasho-server: --load-test: moves are not held to walking; never use this for a real town");
    }
    let options =
        TownOptions { relayed: config.turn.is_some(), teleports_allowed: config.load_test, ..TownOptions::default() };
    let halls: Vec<protocol::PlaceId> =
        map.places.iter().filter(|place| place.kind == protocol::PlaceKind::Hall).map(|p| p.id.clone()).collect();
    let town = TownHandle::start(Arc::new(map), options);
    if !config.janus.is_empty() {
        let sfu = ibasho_server::sfu::Sfu::start(config.janus.clone(), halls)
            .await
            .map_err(|e| format!("cannot use the SFU: {e}"))?;
        town.set_sfu(sfu);
    } else {
        eprintln!(
            "ibasho-server: no SFU configured: a hall's stage reaches only the people connected to it (see --spawn-janus)"
        );
    }
    let awaited = town.restore_from(&store);
    if awaited > 0 {
        println!("ibasho: waiting for {awaited} people who were in the town before the restart");
    }
    town.keep_saved(store.clone());
    let state = AppState { store: store.clone(), town: town.clone(), config: Arc::new(config), limits: Arc::default() };
    ibasho_server::reservations::keep_in_step(state.clone());
    ibasho_server::programs::keep_in_step(state.clone());
    ibasho_server::announcements::keep_in_step(state.clone());
    ibasho_server::open_hours::keep_in_step(state.clone());
    ibasho_server::audit::keep_trimmed(state.clone());
    ibasho_server::blocks::load(&state).map_err(|e| format!("cannot read the blocks: {e}"))?;
    ibasho_server::gallery::start(&state).map_err(|e| format!("cannot open the gallery: {e}"))?;
    if let Some(url) = staff_invite {
        println!("ibasho: staff invite (one use, valid 24 hours): {url}");
    }
    // The last line of the start: whoever reads the output may stop here.
    println!("ibasho: listening on {public_url}/");
    // The client's address is known to handlers, for the rate limits.
    let stopping = {
        let (town, store) = (town.clone(), store.clone());
        async move {
            stop_signal().await;
            eprintln!("ibasho-server: stopping; people in the town are told it restarts");
            town.stop(&store);
        }
    };
    // Small frames (positions, signals) go out at once rather than waiting to be joined.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    let served = axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(stopping);
    // In-flight requests finish; a request that hangs does not hold the stop up for long.
    let served = async move { served.await.map_err(|e| e.to_string()) };
    tokio::select! {
        result = served => result?,
        () = async {
            stop_signal().await;
            tokio::time::sleep(STOP_WAIT).await;
        } => eprintln!("ibasho-server: requests still open after {} s; stopping anyway", STOP_WAIT.as_secs()),
    }
    store.checkpoint().map_err(|e| e.to_string())?;
    drop(town);
    eprintln!("ibasho-server: stopped");
    Ok(())
}

/// How long in-flight requests may take to finish once the server is stopping.
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (systemd, docker stop).
async fn stop_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match terminate.as_mut() {
                Some(signal) => { signal.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}
