//! The programs of the halls on the client: today's and the coming days' programs as the
//! server lists them, the one gentle notice before a program starts (dismissable; the server
//! sends it once), and how they read on the guide board and the hall's door. The panels and
//! signs are in `panel.rs`.

mod panel;

use bevy::prelude::*;
use protocol::{PlaceId, ProgramView, TownMap};

use crate::locale::{said, t, tf};
use crate::map::{Town, to_vec2};
use crate::presence::PresenceSet;

/// News about programs from the server, handed on by presence.
#[derive(Message, Debug, Clone)]
pub enum ProgramNews {
    /// Today's and the coming days' programs.
    List(Vec<ProgramView>),
    /// This one starts in about ten minutes.
    Soon(Box<ProgramView>),
}

/// Today's and the coming days' programs, soonest first.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct Programs(pub Vec<ProgramView>);

impl Programs {
    /// The program running now in `hall`, if any.
    pub fn running_in(&self, hall: &PlaceId) -> Option<&ProgramView> {
        self.0.iter().find(|program| program.running && &program.hall == hall)
    }

    /// The lines a guide board lists under its own: today's programs, or that there are none.
    pub fn board_lines(&self) -> Vec<String> {
        let today: Vec<String> = self
            .0
            .iter()
            .filter(|program| program.today)
            .map(|program| {
                let line = tf(
                    "programs.board_line",
                    &[
                        ("hours", &said(&program.hours)),
                        ("title", &program.title),
                        ("place", &said(&program.hall_name)),
                    ],
                );
                if program.running { tf("programs.running", &[("title", &line)]) } else { line }
            })
            .collect();
        if today.is_empty() {
            vec![t("programs.board.none").to_owned()]
        } else {
            std::iter::once(t("programs.board").to_owned()).chain(today).collect()
        }
    }
}

/// The notice of a program about to start, until it is closed.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct ProgramNotice(pub Option<ProgramView>);

/// Whether 「今日のプログラム」 is open.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ProgramsOpen(pub bool);

/// Where to walk to go to a hall: just inside its first door.
pub fn hall_entrance(map: &TownMap, hall: &PlaceId) -> Option<Vec2> {
    let place = map.place(hall)?;
    let door = map.doors(place).into_iter().next()?;
    Some(to_vec2(map.tile_center(door.inside.0, door.inside.1)))
}

/// The programs' logic (runs headless).
pub fn plugin(app: &mut App) {
    app.init_resource::<Programs>()
        .init_resource::<ProgramNotice>()
        .init_resource::<ProgramsOpen>()
        .add_message::<ProgramNews>()
        .add_systems(Update, apply_program_news.after(PresenceSet).run_if(resource_exists::<Town>));
}

/// The panels and signs (egui).
pub fn render_plugin(app: &mut App) {
    app.add_plugins(panel::plugin);
}

fn apply_program_news(
    mut news: MessageReader<ProgramNews>,
    mut programs: ResMut<Programs>,
    mut notice: ResMut<ProgramNotice>,
) {
    for item in news.read() {
        match item.clone() {
            ProgramNews::List(list) => {
                // A notice of a program that was called off goes too.
                if notice.0.as_ref().is_some_and(|shown| !list.iter().any(|p| p.id == shown.id)) {
                    notice.0 = None;
                }
                programs.0 = list;
            }
            ProgramNews::Soon(program) => notice.0 = Some(*program),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(id: i64, today: bool, running: bool) -> ProgramView {
        ProgramView {
            id,
            title: "唄ごえカフェ".into(),
            description: String::new(),
            hall: PlaceId("hall-1".into()),
            hall_name: protocol::locale::Phrase::same("交流スペース A"),
            starts_at: 0,
            ends_at: 3600,
            when: protocol::locale::Phrase::same("12月2日（水）13:00〜14:00"),
            hours: protocol::locale::Phrase::same("13:00〜14:00"),
            facilitators: String::new(),
            watching_welcome: true,
            notes: String::new(),
            today,
            running,
        }
    }

    #[test]
    fn the_board_lists_todays_programs_and_the_door_the_running_one() {
        let none = Programs(vec![program(1, false, false)]);
        assert_eq!(none.board_lines().len(), 1);
        assert!(none.board_lines()[0].contains("ありません"));
        let today = Programs(vec![program(1, true, true), program(2, false, false)]);
        assert_eq!(
            today.board_lines(),
            vec!["今日のプログラム：", "【開催中】13:00〜14:00 唄ごえカフェ（交流スペース A）"]
        );
        assert_eq!(today.running_in(&PlaceId("hall-1".into())).map(|p| p.id), Some(1));
        assert!(today.running_in(&PlaceId("hall-2".into())).is_none());
    }
}
