//! The gallery's catalog in SQLite: videos added after their files are in place, changed,
//! reordered, hidden and deleted.

use protocol::{ParticipantId, VideoId, VideoView};
use rusqlite::params;

use crate::error::AppError;
use crate::store::{Store, now};

/// The container a video's file is in (and so its file name and content type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// MP4 with H.264 and AAC.
    Mp4,
    /// WebM with VP8 or VP9 and Opus (or Vorbis).
    Webm,
}

impl Container {
    /// Name in the database and the file's extension.
    pub fn as_str(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Webm => "webm",
        }
    }

    fn parse(name: &str) -> Container {
        if name == "webm" { Container::Webm } else { Container::Mp4 }
    }

    /// The HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Container::Mp4 => "video/mp4",
            Container::Webm => "video/webm",
        }
    }
}

/// A video as the catalog has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Video {
    /// Its id.
    pub id: VideoId,
    /// Title.
    pub title: String,
    /// A short description.
    pub description: String,
    /// The program it introduces (its title), if any.
    pub program: Option<String>,
    /// Its file's container.
    pub container: Container,
    /// Length in milliseconds.
    pub duration_ms: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Whether it has captions.
    pub captions: bool,
    /// Kept for staff, not shown in the gallery.
    pub hidden: bool,
    /// Who uploaded it (their nickname), if the account still exists.
    pub uploaded_by: Option<String>,
    /// When, Unix seconds.
    pub uploaded_at: i64,
}

impl Video {
    /// How the town shows it.
    pub fn view(&self) -> VideoView {
        VideoView {
            id: self.id,
            title: self.title.clone(),
            description: self.description.clone(),
            program: self.program.clone(),
            duration_ms: self.duration_ms,
            captions: self.captions,
        }
    }
}

/// What staff write about a video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoText {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The program it introduces.
    pub program: Option<String>,
}

fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Video> {
    Ok(Video {
        id: VideoId(row.get(0)?),
        title: row.get(1)?,
        description: row.get(2)?,
        program: row.get(3)?,
        container: Container::parse(&row.get::<_, String>(4)?),
        duration_ms: row.get(5)?,
        bytes: row.get(6)?,
        captions: row.get(7)?,
        hidden: row.get(8)?,
        uploaded_by: row.get(9)?,
        uploaded_at: row.get(10)?,
    })
}

const SELECT: &str = "SELECT v.id, v.title, v.description, v.program, v.container, v.duration_ms, v.bytes, \
                      v.captions, v.hidden, a.nickname, v.uploaded_at FROM videos v \
                      LEFT JOIN accounts a ON a.id = v.uploaded_by";

impl Store {
    /// Adds a video to the catalog, last in the gallery's order (its files are moved into
    /// place under the returned id).
    #[allow(clippy::too_many_arguments)]
    pub fn add_video(
        &self,
        text: &VideoText,
        container: Container,
        duration_ms: u64,
        bytes: u64,
        captions: bool,
        by: ParticipantId,
    ) -> Result<VideoId, AppError> {
        let connection = self.lock();
        connection.execute(
            "INSERT INTO videos (title, description, program, container, duration_ms, bytes, captions, position, uploaded_by, uploaded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT COALESCE(MAX(position), 0) + 1 FROM videos), ?8, ?9)",
            params![
                text.title,
                text.description,
                text.program,
                container.as_str(),
                duration_ms,
                bytes,
                captions,
                by.0,
                now()
            ],
        )?;
        Ok(VideoId(connection.last_insert_rowid()))
    }

    /// Every video in the gallery's order, hidden ones too.
    pub fn videos(&self) -> Result<Vec<Video>, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare(&format!("{SELECT} ORDER BY v.position, v.id"))?;
        let videos = statement.query_map([], read)?.collect::<Result<Vec<_>, _>>()?;
        Ok(videos)
    }

    /// One video.
    pub fn video(&self, id: VideoId) -> Result<Video, AppError> {
        let connection = self.lock();
        let mut statement = connection.prepare(&format!("{SELECT} WHERE v.id = ?1"))?;
        statement.query_row(params![id.0], read).map_err(|error| match error {
            rusqlite::Error::QueryReturnedNoRows => AppError::NotFound,
            error => error.into(),
        })
    }

    /// Changes what is written about a video, and whether it is hidden.
    pub fn change_video(&self, id: VideoId, text: &VideoText, hidden: bool) -> Result<(), AppError> {
        let changed = self.lock().execute(
            "UPDATE videos SET title = ?1, description = ?2, program = ?3, hidden = ?4 WHERE id = ?5",
            params![text.title, text.description, text.program, hidden, id.0],
        )?;
        if changed == 0 { Err(AppError::NotFound) } else { Ok(()) }
    }

    /// Moves a video one place earlier (`earlier`) or later in the gallery's order.
    pub fn move_video(&self, id: VideoId, earlier: bool) -> Result<(), AppError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let order: Vec<i64> = {
            let mut statement = tx.prepare("SELECT id FROM videos ORDER BY position, id")?;
            statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?
        };
        let at = order.iter().position(|video| *video == id.0).ok_or(AppError::NotFound)?;
        let mut order = order;
        match (earlier, at) {
            (true, 0) => {}
            (true, at) => order.swap(at, at - 1),
            (false, at) if at + 1 < order.len() => order.swap(at, at + 1),
            (false, _) => {}
        }
        for (position, video) in order.iter().enumerate() {
            tx.execute("UPDATE videos SET position = ?1 WHERE id = ?2", params![position as i64 + 1, video])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes a video from the catalog (its files are deleted by the caller).
    pub fn delete_video(&self, id: VideoId) -> Result<(), AppError> {
        match self.lock().execute("DELETE FROM videos WHERE id = ?1", params![id.0])? {
            0 => Err(AppError::NotFound),
            _ => Ok(()),
        }
    }
}
