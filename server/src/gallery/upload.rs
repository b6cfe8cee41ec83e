//! A staff upload of a gallery video: the form's parts stream to a folder of their own under
//! `videos/.incoming/` (never whole into memory), the video's container and codecs are read by
//! ffprobe, the poster is made (or remade) by ffmpeg, the captions are checked as WebVTT, and
//! only then does the folder become `videos/<id>/`. A refused, failed or cancelled upload leaves
//! nothing behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Json;
use axum::extract::multipart::Field;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use protocol::{MAX_VIDEO_DESCRIPTION_CHARS, MAX_VIDEO_TITLE_CHARS};
use tokio::io::AsyncWriteExt;

use super::store::{Container, VideoText};
use super::{refresh_town, video_dir, videos_dir};
use crate::AppState;
use crate::auth::StaffOnly;
use crate::error::AppError;
use crate::programs::field;

/// Largest poster image, in bytes.
const MAX_POSTER_BYTES: u64 = 10 * 1024 * 1024;
/// Largest captions file, in bytes.
const MAX_CAPTIONS_BYTES: u64 = 1024 * 1024;
/// Largest text part of the form, in bytes.
const MAX_TEXT_BYTES: u64 = 4 * 1024;
/// How much of a too-large file is still read (and dropped) before answering, in bytes.
const MAX_DRAINED_BYTES: u64 = 64 * 1024 * 1024;
/// How long ffprobe and ffmpeg may take on one file.
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

/// A folder being filled by an upload; deleted when dropped unless it was kept.
struct Incoming {
    dir: PathBuf,
    kept: bool,
}

impl Incoming {
    fn new(videos: &Path) -> Result<Incoming, AppError> {
        let dir = videos.join(".incoming").join(crate::tokens::new_token());
        std::fs::create_dir_all(&dir).map_err(|error| AppError::Storage(error.to_string()))?;
        Ok(Incoming { dir, kept: false })
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// What ffprobe found in a file that browsers play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probed {
    /// Its container.
    pub container: Container,
    /// Its length, in milliseconds.
    pub duration_ms: u64,
}

/// `POST /api/videos` (multipart: `title`, `description`, `program`, `captions`, `poster`,
/// `video`): adds a video to the gallery.
pub async fn upload(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    mut form: Multipart,
) -> Result<impl IntoResponse, AppError> {
    let limit = state.config.video_max_bytes;
    let videos = videos_dir(&state.config);
    let mut incoming = Incoming::new(&videos)?;
    let (mut title, mut description, mut program) = (String::new(), String::new(), String::new());
    let (mut video_bytes, mut poster, mut captions) = (None, false, false);
    while let Some(part) = form.next_field().await.map_err(|_| AppError::UploadBroken)? {
        match part.name().unwrap_or_default() {
            "title" => title = read_text(part).await?,
            "description" => description = read_text(part).await?,
            "program" => program = read_text(part).await?,
            "video" => {
                let bytes =
                    save(part, &incoming.dir.join("video.upload"), limit, AppError::VideoTooLarge(limit)).await?;
                video_bytes = (bytes > 0).then_some(bytes);
            }
            "poster" => {
                let too_large = AppError::Invalid("error.video.poster_size");
                poster = save(part, &incoming.dir.join("poster.upload"), MAX_POSTER_BYTES, too_large).await? > 0;
            }
            "captions" => {
                let too_large = AppError::Invalid("error.video.captions_size");
                captions = save(part, &incoming.dir.join("captions.vtt"), MAX_CAPTIONS_BYTES, too_large).await? > 0;
            }
            _ => return Err(AppError::BadRequest("unknown part")),
        }
    }
    let text = VideoText {
        title: field(&title, MAX_VIDEO_TITLE_CHARS, false, "error.video.title_length")?,
        description: field(&description, MAX_VIDEO_DESCRIPTION_CHARS, true, "error.description_length")?,
        program: Some(field(&program, protocol::MAX_PROGRAM_TITLE_CHARS, false, "error.video.program_length")?)
            .filter(|program| !program.is_empty()),
    };
    if text.title.is_empty() {
        return Err(AppError::Invalid("error.title_empty"));
    }
    let bytes = video_bytes.ok_or(AppError::Invalid("error.video.no_file"))?;
    let upload = incoming.dir.join("video.upload");
    let probed = probe(&upload).await?;
    let video_file = incoming.dir.join(format!("video.{}", probed.container.as_str()));
    std::fs::rename(&upload, &video_file).map_err(|error| AppError::Storage(error.to_string()))?;
    if captions {
        check_captions(&incoming.dir.join("captions.vtt"))?;
    }
    let poster_source = if poster { incoming.dir.join("poster.upload") } else { video_file.clone() };
    make_poster(&poster_source, poster, probed.duration_ms, &incoming.dir.join("poster.jpg")).await?;
    let _ = std::fs::remove_file(incoming.dir.join("poster.upload"));
    let id = state.store.add_video(&text, probed.container, probed.duration_ms, bytes, captions, session.account.id)?;
    if let Err(error) = std::fs::rename(&incoming.dir, video_dir(&state.config, id)) {
        let _ = state.store.delete_video(id);
        return Err(AppError::Storage(error.to_string()));
    }
    incoming.kept = true;
    tracing::info!(video = id.0, bytes, by = session.account.id.0, "video uploaded");
    let target = crate::audit::said_with("audit.target.video", &[("id", &id.0)]);
    state.store.audit(&session.account, &crate::audit::said("audit.video.uploaded"), &target);
    refresh_town(&state)?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id.0 }))))
}

/// A text part, bounded.
async fn read_text(mut part: Field<'_>) -> Result<String, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = part.chunk().await.map_err(|_| AppError::UploadBroken)? {
        if (bytes.len() + chunk.len()) as u64 > MAX_TEXT_BYTES {
            return Err(AppError::Invalid("error.video.text_too_long"));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| AppError::BadRequest("text is not UTF-8"))
}

/// Streams a file part to `path`, refusing it with `too_large` past `limit` bytes; returns its size.
async fn save(mut part: Field<'_>, path: &Path, limit: u64, too_large: AppError) -> Result<u64, AppError> {
    let storage = |error: std::io::Error| AppError::Storage(error.to_string());
    let mut file = tokio::fs::File::create(path).await.map_err(storage)?;
    let mut written = 0u64;
    while let Some(chunk) = part.chunk().await.map_err(|_| AppError::UploadBroken)? {
        written += chunk.len() as u64;
        if written > limit {
            drop(file);
            // The rest is read and dropped (up to a point), so that the sender gets the answer
            // rather than a broken connection.
            while written < limit.saturating_add(MAX_DRAINED_BYTES) {
                match part.chunk().await {
                    Ok(Some(chunk)) => written += chunk.len() as u64,
                    _ => break,
                }
            }
            return Err(too_large);
        }
        file.write_all(&chunk).await.map_err(storage)?;
    }
    file.flush().await.map_err(storage)?;
    Ok(written)
}

/// Reads a file's container and codecs with ffprobe: MP4 with H.264 (and AAC, if it has sound)
/// or WebM with VP8/VP9 (and Opus or Vorbis), with a length.
pub async fn probe(path: &Path) -> Result<Probed, AppError> {
    let not_a_video = || AppError::Invalid("error.video.format");
    let output = run(tokio::process::Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(path))
    .await?;
    if !output.status.success() {
        return Err(not_a_video());
    }
    let found: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|_| not_a_video())?;
    let format = found["format"]["format_name"].as_str().unwrap_or_default();
    let codecs = |kind: &str| -> Vec<String> {
        found["streams"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|stream| stream["codec_type"] == kind)
            .filter_map(|stream| stream["codec_name"].as_str().map(str::to_owned))
            .collect()
    };
    let (video, audio) = (codecs("video"), codecs("audio"));
    let all_in = |codecs: &[String], allowed: &[&str]| codecs.iter().all(|codec| allowed.contains(&codec.as_str()));
    let container = if format.split(',').any(|name| name == "mp4")
        && !video.is_empty()
        && all_in(&video, &["h264"])
        && all_in(&audio, &["aac"])
    {
        Container::Mp4
    } else if format.split(',').any(|name| name == "webm")
        && !video.is_empty()
        && all_in(&video, &["vp8", "vp9"])
        && all_in(&audio, &["opus", "vorbis"])
    {
        Container::Webm
    } else {
        return Err(not_a_video());
    };
    let seconds = found["format"]["duration"].as_str().and_then(|d| d.parse::<f64>().ok()).unwrap_or(0.0);
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(not_a_video());
    }
    Ok(Probed { container, duration_ms: (seconds * 1000.0).round() as u64 })
}

/// Captions must be WebVTT in UTF-8.
fn check_captions(path: &Path) -> Result<(), AppError> {
    let refused = || AppError::Invalid("error.video.captions_format");
    let text = std::fs::read(path).map_err(|error| AppError::Storage(error.to_string()))?;
    let text = std::str::from_utf8(&text).map_err(|_| refused())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header = text.lines().next().unwrap_or_default();
    if header == "WEBVTT" || header.starts_with("WEBVTT ") || header.starts_with("WEBVTT\t") {
        Ok(())
    } else {
        Err(refused())
    }
}

/// Writes `poster.jpg` (at most 1280 pixels wide) from the uploaded image, or from a frame a
/// second into the video (or its middle, if shorter).
async fn make_poster(source: &Path, is_image: bool, duration_ms: u64, into: &Path) -> Result<(), AppError> {
    let mut command = tokio::process::Command::new("ffmpeg");
    command.args(["-v", "error", "-y"]);
    if !is_image {
        let at = (duration_ms as f64 / 2000.0).min(1.0);
        command.args(["-ss", &format!("{at:.3}")]);
    }
    command.arg("-i").arg(source).args(["-frames:v", "1", "-vf", "scale='min(1280,iw)':-2", "-q:v", "4"]).arg(into);
    let output = run(&mut command).await?;
    if output.status.success() && into.exists() {
        Ok(())
    } else if is_image {
        Err(AppError::Invalid("error.video.poster_format"))
    } else {
        Err(AppError::Invalid("error.video.no_poster"))
    }
}

/// Runs ffprobe or ffmpeg with a time limit.
async fn run(command: &mut tokio::process::Command) -> Result<std::process::Output, AppError> {
    command.kill_on_drop(true).stdin(std::process::Stdio::null());
    let output = tokio::time::timeout(TOOL_TIMEOUT, command.output())
        .await
        .map_err(|_| AppError::Storage("ffprobe/ffmpeg took too long".into()))?;
    output.map_err(|error| AppError::Storage(format!("cannot run ffprobe/ffmpeg (install ffmpeg): {error}")))
}
