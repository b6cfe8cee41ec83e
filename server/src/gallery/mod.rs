//! The gallery's videos: staff upload them on `/gallery` (checked by ffprobe, streamed to the
//! data folder), edit, reorder, hide and delete them; signed-in people fetch them with range
//! requests; the town is kept told of the visible ones, and what is being shown in the gallery
//! (「みんなで見る」) is held by the town (`places::gallery`).

mod page;
mod store;
mod upload;

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use protocol::{MAX_VIDEO_DESCRIPTION_CHARS, MAX_VIDEO_TITLE_CHARS, Role, VideoId};
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

pub use store::{Container, Video, VideoText};
pub use upload::{Probed, probe};

use crate::AppState;
use crate::auth::{SignedIn, StaffOnly};
use crate::config::Config;
use crate::error::AppError;
use crate::json::JsonBody;
use crate::programs::field;

/// How long browsers may keep a video, its poster and captions without asking again (a file
/// never changes under its id; a new upload gets a new id).
const MEDIA_CACHE: &str = "private, max-age=86400";

/// Routes of this area.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/gallery", get(page::gallery_page))
        .route("/api/videos", get(list).post(upload::upload).layer(DefaultBodyLimit::disable()))
        .route("/api/videos/{id}", put(change).delete(remove))
        .route("/api/videos/{id}/move", post(move_video))
        .route("/media/videos/{id}", get(video_file))
        .route("/media/videos/{id}/{file}", get(video_extra))
}

/// Whether a role keeps the gallery (uploads, edits, presents).
pub fn manages(role: Role) -> bool {
    role == Role::Staff
}

/// The folder of all videos.
fn videos_dir(config: &Config) -> PathBuf {
    config.data_dir.join("videos")
}

/// The folder of one video's files.
fn video_dir(config: &Config, id: VideoId) -> PathBuf {
    videos_dir(config).join(id.0.to_string())
}

/// At start: what an upload cut short by a crash left is deleted, and the town is given the
/// visible videos.
pub fn start(state: &AppState) -> Result<(), AppError> {
    let incoming = videos_dir(&state.config).join(".incoming");
    if incoming.exists() {
        std::fs::remove_dir_all(&incoming).map_err(|error| AppError::Storage(error.to_string()))?;
    }
    refresh_town(state)
}

/// Gives the town the visible videos, in order.
pub fn refresh_town(state: &AppState) -> Result<(), AppError> {
    let videos = state.store.videos()?;
    state.town.set_videos(videos.iter().filter(|video| !video.hidden).map(Video::view).collect());
    Ok(())
}

/// A video as the staff page and the API list it.
fn listed(video: &Video) -> serde_json::Value {
    serde_json::json!({
        "id": video.id.0, "title": video.title, "description": video.description, "program": video.program,
        "container": video.container.as_str(), "duration_ms": video.duration_ms, "bytes": video.bytes,
        "captions": video.captions, "hidden": video.hidden, "uploaded_by": video.uploaded_by,
        "uploaded_at": video.uploaded_at,
    })
}

async fn list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Json<Vec<serde_json::Value>>, AppError> {
    let staff = manages(session.account.role);
    let videos = state.store.videos()?;
    Ok(Json(videos.iter().filter(|video| staff || !video.hidden).map(listed).collect()))
}

/// What staff change about a video.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VideoForm {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    program: String,
    #[serde(default)]
    hidden: bool,
}

/// Checks what staff wrote about a video.
fn video_text(title: &str, description: &str, program: &str) -> Result<VideoText, AppError> {
    let title = field(title, MAX_VIDEO_TITLE_CHARS, false, "error.video.title_length")?;
    if title.is_empty() {
        return Err(AppError::Invalid("error.title_empty"));
    }
    Ok(VideoText {
        title,
        description: field(description, MAX_VIDEO_DESCRIPTION_CHARS, true, "error.description_length")?,
        program: Some(field(program, protocol::MAX_PROGRAM_TITLE_CHARS, false, "error.video.program_length")?)
            .filter(|program| !program.is_empty()),
    })
}

async fn change(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
    JsonBody(form): JsonBody<VideoForm>,
) -> Result<StatusCode, AppError> {
    let text = video_text(&form.title, &form.description, &form.program)?;
    state.store.change_video(VideoId(id), &text, form.hidden)?;
    tracing::info!(video = id, hidden = form.hidden, by = session.account.id.0, "video changed");
    let action = if form.hidden { "audit.video.hidden" } else { "audit.video.changed" };
    let target = crate::audit::said_with("audit.target.video", &[("id", &id)]);
    state.store.audit(&session.account, &crate::audit::said(action), &target);
    refresh_town(&state)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveForm {
    earlier: bool,
}

async fn move_video(
    State(state): State<AppState>,
    StaffOnly(_): StaffOnly,
    Path(id): Path<i64>,
    JsonBody(form): JsonBody<MoveForm>,
) -> Result<StatusCode, AppError> {
    state.store.move_video(VideoId(id), form.earlier)?;
    refresh_town(&state)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(state): State<AppState>,
    StaffOnly(session): StaffOnly,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let id = VideoId(id);
    state.store.delete_video(id)?;
    // The catalog goes first: from here on nobody is served the files, then they go.
    if let Err(error) = std::fs::remove_dir_all(video_dir(&state.config, id)) {
        tracing::warn!(%error, video = id.0, "cannot delete a video's files");
    }
    tracing::info!(video = id.0, by = session.account.id.0, "video deleted");
    let target = crate::audit::said_with("audit.target.video", &[("id", &id.0)]);
    state.store.audit(&session.account, &crate::audit::said("audit.video.deleted"), &target);
    refresh_town(&state)?;
    Ok(StatusCode::NO_CONTENT)
}

/// One of a video's files, for a signed-in person (staff only, if the video is hidden), with
/// range requests, its content type and caching headers: the video itself, or (`file`) its
/// `poster` or `captions`.
async fn serve(state: &AppState, role: Role, id: i64, file: &str, request: Request) -> Result<Response, AppError> {
    let video = state.store.video(VideoId(id))?;
    if video.hidden && !manages(role) {
        return Err(AppError::NotFound);
    }
    let (name, content_type) = match file {
        "" => (format!("video.{}", video.container.as_str()), video.container.content_type()),
        "poster" => ("poster.jpg".to_owned(), "image/jpeg"),
        "captions" if video.captions => ("captions.vtt".to_owned(), "text/vtt; charset=utf-8"),
        _ => return Err(AppError::NotFound),
    };
    let path = video_dir(&state.config, video.id).join(name);
    let response =
        ServeFile::new(&path).oneshot(request).await.map_err(|error| AppError::Storage(error.to_string()))?;
    if response.status() == StatusCode::NOT_FOUND {
        return Err(AppError::NotFound);
    }
    let (mut parts, body) = response.into_parts();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(MEDIA_CACHE));
    Ok(Response::from_parts(parts, Body::new(body)))
}

async fn video_file(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, AppError> {
    serve(&state, session.account.role, id, "", request).await
}

async fn video_extra(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path((id, file)): Path<(i64, String)>,
    request: Request,
) -> Result<Response, AppError> {
    serve(&state, session.account.role, id, &file, request).await
}
