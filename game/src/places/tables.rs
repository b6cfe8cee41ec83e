//! Table groups in a hall (当事者サロン): which table we sit at, the stage heard softer while
//! our table talks, and the groups a facilitator types (「10代・20代、30代、40代以上」) read into
//! labels. Who talks with whom at the tables is the server's rule (it introduces nobody across
//! tables) and `voice::audio_rule`'s; the panel part is in `tables_panel.rs`.

use bevy::prelude::*;
use protocol::{MAX_GROUP_LABEL_CHARS, MAX_GROUPS};

use super::hall::MyHall;
use crate::devices::InputLevel;
use crate::locale::t;
use crate::map::{Town, to_position};
use crate::movement::LocalPlayer;
use crate::presence::RemotePerson;
use crate::voice::{SelfMuted, Speaking, Taking};

/// The stage's volume at a table while the table talks (1 otherwise).
pub const STAGE_VOLUME_WHILE_TABLE_TALKS: f32 = 0.35;
/// Our own microphone level above which we count as talking.
const TALKING_LEVEL: f32 = 0.02;
/// How long the stage stays soft after the table last talked, in seconds (no pumping between
/// words).
const TABLE_TALK_HOLD_SECS: f32 = 1.5;

/// How loud the hall's stage (and its speakers) play for us now, 0 to 1.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct StageVolume(pub f32);

impl Default for StageVolume {
    fn default() -> Self {
        StageVolume(1.0)
    }
}

/// The groups a facilitator is typing, as the page's field holds them.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct GroupsDraft(pub String);

/// The stage's volume for someone at `table` (none: not at a table) while their table does
/// (`table_talks`) or does not talk.
pub fn stage_volume(table: Option<u32>, table_talks: bool) -> f32 {
    if table.is_some() && table_talks { STAGE_VOLUME_WHILE_TABLE_TALKS } else { 1.0 }
}

/// The labels in what a facilitator typed: split at 「、」「,」「／」 or line breaks, trimmed,
/// empty pieces dropped. `Err` says in Japanese what to change.
pub fn parse_groups(typed: &str) -> Result<Vec<String>, &'static str> {
    let mut labels: Vec<String> = Vec::new();
    for piece in typed.split(['、', ',', '，', '／', '/', '\n']) {
        let label = piece.trim();
        if label.is_empty() {
            continue;
        }
        if label.chars().count() > MAX_GROUP_LABEL_CHARS {
            return Err(t("tables.label_too_long"));
        }
        if label.chars().any(char::is_control) || labels.iter().any(|known| known == label) {
            return Err(t("tables.label_twice"));
        }
        labels.push(label.to_owned());
    }
    if labels.len() > MAX_GROUPS {
        return Err(t("tables.too_many"));
    }
    Ok(labels)
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<StageVolume>()
        .init_resource::<GroupsDraft>()
        .add_systems(Update, follow_stage_volume.run_if(resource_exists::<Town>));
}

/// The stage goes softer while someone at our table (we too) is talking.
fn follow_stage_volume(
    town: Res<Town>,
    hall: Res<MyHall>,
    speaking: Res<Speaking>,
    level: Res<InputLevel>,
    muted: Res<SelfMuted>,
    me: Query<&Taking, With<LocalPlayer>>,
    others: Query<(&RemotePerson, &Transform)>,
    time: Res<Time>,
    mut last_talk: Local<Option<f32>>,
    mut volume: ResMut<StageVolume>,
) {
    let table = hall.0.as_ref().and_then(|view| view.my_table);
    let we_talk = !muted.0 && me.single().is_ok_and(|taking| taking.0.sends_audio()) && level.0 > TALKING_LEVEL;
    let table_talks = table.is_some()
        && (we_talk
            || others.iter().any(|(person, transform)| {
                speaking.0.contains(&person.0)
                    && town.0.table_at(to_position(transform.translation.truncate())) == table
            }));
    let now = time.elapsed_secs();
    if table_talks {
        *last_talk = Some(now);
    }
    let held = last_talk.is_some_and(|at| now - at < TABLE_TALK_HOLD_SECS);
    let wanted = StageVolume(stage_volume(table, held));
    if *volume != wanted {
        *volume = wanted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stage_goes_softer_only_at_a_table_that_talks() {
        assert_eq!(stage_volume(None, true), 1.0);
        assert_eq!(stage_volume(Some(1), false), 1.0);
        assert_eq!(stage_volume(Some(1), true), STAGE_VOLUME_WHILE_TABLE_TALKS);
    }

    #[test]
    fn groups_are_read_from_what_the_facilitator_typed() {
        assert_eq!(
            parse_groups("10代・20代、30代, 40代以上 ").expect("groups"),
            vec!["10代・20代", "30代", "40代以上"]
        );
        assert_eq!(parse_groups(" 、 ").expect("none"), Vec::<String>::new());
        assert!(parse_groups("30代、30代").is_err());
        assert!(parse_groups(&"あ".repeat(17)).is_err());
        assert!(parse_groups("1,2,3,4,5,6,7,8,9").is_err());
    }
}
