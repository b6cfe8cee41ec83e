//! Assets are declared, then awaited: the town map (a RON asset with its own loader), the
//! interface's cut of the Japanese font (raw bytes for egui), and whatever else plugins add to
//! `PendingAssets`. The loading screen shows their progress and moves on when all are in and the
//! server welcomed us; the font's full cut (for what people type) follows once the town is open.

use bevy::asset::io::Reader;
use bevy::asset::{AssetLoader, LoadContext, LoadState};
use bevy::prelude::*;
use protocol::{MapError, TownMap};

use crate::locale::t;
use crate::screens::{ClosedReason, Screen};

/// Path of the town map under `assets/`.
pub const TOWN_MAP_PATH: &str = "maps/town.ron";
/// Path of the Japanese font's cut for the interface's own text (0.2 MB) under `assets/`: the
/// town waits for it.
pub const UI_FONT_PATH: &str = "fonts/BIZUDPGothic-ui.ttf";
/// Path of the font's full cut (1.9 MB: the JIS kanji, for names, chat and programme titles),
/// loaded once the town is open so that it never delays it.
pub const FULL_FONT_PATH: &str = "fonts/BIZUDPGothic-ibasho.ttf";

/// The town map as a Bevy asset.
#[derive(Asset, TypePath, Debug, Clone)]
pub struct TownMapAsset(pub TownMap);

/// A font file's bytes, handed to egui.
#[derive(Asset, TypePath, Debug, Clone)]
pub struct FontBytes(pub Vec<u8>);

/// Why an asset file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AssetFileError {
    /// Reading the file failed.
    #[error("could not read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The map is not valid.
    #[error("invalid town map: {0}")]
    Map(#[from] MapError),
    /// The map is not UTF-8.
    #[error("the town map is not UTF-8")]
    Utf8(#[from] std::string::FromUtf8Error),
}

/// An asset made from a whole file's bytes.
trait FromFileBytes: Asset + Sized {
    /// File extensions it is loaded from.
    const EXTENSIONS: &'static [&'static str];
    /// Builds the asset.
    fn from_bytes(bytes: Vec<u8>) -> Result<Self, AssetFileError>;
}

impl FromFileBytes for TownMapAsset {
    const EXTENSIONS: &'static [&'static str] = &["ron"];
    fn from_bytes(bytes: Vec<u8>) -> Result<Self, AssetFileError> {
        Ok(TownMapAsset(TownMap::from_ron(&String::from_utf8(bytes)?)?))
    }
}

impl FromFileBytes for FontBytes {
    const EXTENSIONS: &'static [&'static str] = &["ttf"];
    fn from_bytes(bytes: Vec<u8>) -> Result<Self, AssetFileError> {
        Ok(FontBytes(bytes))
    }
}

/// Loads any [`FromFileBytes`] asset.
#[derive(TypePath)]
struct FileLoader<A>(std::marker::PhantomData<A>);

impl<A> Default for FileLoader<A> {
    fn default() -> Self {
        FileLoader(std::marker::PhantomData)
    }
}

impl<A: FromFileBytes> AssetLoader for FileLoader<A> {
    type Asset = A;
    type Settings = ();
    type Error = AssetFileError;

    async fn load(&self, reader: &mut dyn Reader, _: &(), _: &mut LoadContext<'_>) -> Result<A, AssetFileError> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).await?;
        A::from_bytes(bytes)
    }

    fn extensions(&self) -> &[&str] {
        A::EXTENSIONS
    }
}

/// Handles of the core assets.
#[derive(Resource, Debug, Clone)]
pub struct CoreAssets {
    /// The town map.
    pub map: Handle<TownMapAsset>,
    /// The font's cut for the interface.
    pub font: Handle<FontBytes>,
}

/// The font's full cut, asked for when the town opens.
#[derive(Resource, Debug, Clone)]
pub struct FullFont(pub Handle<FontBytes>);

/// Every asset the loading screen waits for; plugins add theirs at startup.
#[derive(Resource, Debug, Default)]
pub struct PendingAssets(pub Vec<UntypedHandle>);

/// How far loading is: assets loaded out of all, and whether the server welcomed us.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct LoadingProgress {
    /// Assets loaded.
    pub loaded: usize,
    /// Assets awaited.
    pub total: usize,
    /// Whether the server's welcome arrived.
    pub welcomed: bool,
}

impl LoadingProgress {
    /// Fraction done, 0 to 1; the welcome counts as one more step.
    pub fn fraction(&self) -> f32 {
        (self.loaded + usize::from(self.welcomed)) as f32 / (self.total + 1) as f32
    }
}

/// Set when the server's welcome arrived (by the presence plugin).
#[derive(Resource, Debug, Default)]
pub struct Welcomed(pub bool);

pub(super) fn plugin(app: &mut App) {
    app.init_asset::<TownMapAsset>()
        .init_asset::<FontBytes>()
        .init_asset_loader::<FileLoader<TownMapAsset>>()
        .init_asset_loader::<FileLoader<FontBytes>>()
        .init_resource::<PendingAssets>()
        .init_resource::<LoadingProgress>()
        .init_resource::<Welcomed>()
        .add_systems(PreStartup, load_core_assets)
        .add_systems(OnEnter(Screen::Town), load_full_font)
        .add_systems(Update, track_loading.run_if(in_state(Screen::Loading)));
}

fn load_core_assets(mut commands: Commands, server: Res<AssetServer>, mut pending: ResMut<PendingAssets>) {
    let core = CoreAssets { map: server.load(TOWN_MAP_PATH), font: server.load(UI_FONT_PATH) };
    pending.0.push(core.map.clone().untyped());
    pending.0.push(core.font.clone().untyped());
    commands.insert_resource(core);
}

fn load_full_font(mut commands: Commands, server: Res<AssetServer>) {
    commands.insert_resource(FullFont(server.load(FULL_FONT_PATH)));
}

fn track_loading(
    server: Res<AssetServer>,
    pending: Res<PendingAssets>,
    welcomed: Res<Welcomed>,
    mut progress: ResMut<LoadingProgress>,
    mut next: ResMut<NextState<Screen>>,
    mut commands: Commands,
) {
    let mut loaded = 0;
    for handle in &pending.0 {
        match server.load_state(handle.id()) {
            LoadState::Loaded => loaded += 1,
            LoadState::Failed(error) => {
                error!("asset failed to load: {error}");
                let message = t("closed.assets_failed");
                commands.insert_resource(ClosedReason(message.into()));
                next.set(Screen::Closed);
                return;
            }
            _ => {}
        }
    }
    let now = LoadingProgress { loaded, total: pending.0.len(), welcomed: welcomed.0 };
    if *progress != now {
        *progress = now;
    }
    if loaded == pending.0.len() && welcomed.0 {
        next.set(Screen::Town);
    }
}
