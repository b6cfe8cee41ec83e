//! Who hears whom, and how loud: volume by distance (full inside an inner radius, a smooth
//! falloff to silence), hysteresis so people at the edge do not flicker, a cap on simultaneous
//! audio peers (the nearest first), and place rules (quiet zones are silent; a booth's members
//! hear only each other at full volume; a hall's stage is heard by the whole hall; a hall's
//! table hears only itself). Pure rules
//! plus a plugin that applies them every frame to the avatars in the town.

use std::collections::{HashMap, HashSet};

use bevy::prelude::*;
use protocol::{ParticipantId, Participation, PlaceId, PlaceKind};

use crate::map::{Town, to_position};
use crate::movement::LocalPlayer;
use crate::presence::{Me, RemotePerson};

/// Inside this distance (pixels, 2 tiles) a voice is at full volume.
pub const INNER_RADIUS: f32 = 64.0;
/// A voice starts being heard when it comes closer than this (4.5 tiles)...
pub const ENTER_RADIUS: f32 = 144.0;
/// ... and stops when it goes further than this (5.5 tiles); the volume reaches 0 here.
pub const LEAVE_RADIUS: f32 = 176.0;
/// Most voices heard at once; the nearest win.
pub const MAX_AUDIO_PEERS: usize = 8;

/// Where someone stands, as far as sound is concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct Spot {
    /// Position in the world.
    pub position: Vec2,
    /// The place they are in.
    pub place: Option<PlaceId>,
    /// Its kind.
    pub kind: Option<PlaceKind>,
    /// Whether they stand on their hall's stage.
    pub on_stage: bool,
    /// The table of their hall they sit at, if any.
    pub table: Option<u32>,
}

impl Spot {
    /// The spot at a world position of the town.
    pub fn at(town: &Town, position: Vec2) -> Spot {
        let place = town.0.place_at(to_position(position));
        Spot {
            position,
            place: place.map(|p| p.id.clone()),
            kind: place.map(|p| p.kind),
            on_stage: town.0.on_stage(to_position(position)),
            table: town.0.table_at(to_position(position)),
        }
    }
}

/// How a place pair decides a volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioRule {
    /// Nothing is heard.
    Silent,
    /// Heard at full volume whatever the distance.
    Full,
    /// Heard by distance.
    ByDistance,
}

/// The rule for `listener` hearing `speaker`, from the places they stand in.
pub fn audio_rule(listener: &Spot, speaker: &Spot) -> AudioRule {
    if listener.kind == Some(PlaceKind::QuietZone) || speaker.kind == Some(PlaceKind::QuietZone) {
        return AudioRule::Silent;
    }
    let enclosed = |spot: &Spot| spot.kind.is_some_and(PlaceKind::is_enclosed);
    if !enclosed(listener) && !enclosed(speaker) {
        return AudioRule::ByDistance;
    }
    if listener.place != speaker.place {
        return AudioRule::Silent;
    }
    match speaker.kind {
        Some(PlaceKind::Booth) => AudioRule::Full,
        Some(PlaceKind::Hall) if speaker.on_stage => AudioRule::Full,
        // Each table of a hall talks among itself (the server introduces no one across).
        Some(PlaceKind::Hall) if listener.table != speaker.table => AudioRule::Silent,
        Some(PlaceKind::Hall) if listener.table.is_some() => AudioRule::Full,
        _ => AudioRule::ByDistance,
    }
}

/// Volume at `distance`: 1 inside [`INNER_RADIUS`], easing smoothly to 0 at [`LEAVE_RADIUS`].
pub fn falloff(distance: f32) -> f32 {
    let t = ((distance - INNER_RADIUS) / (LEAVE_RADIUS - INNER_RADIUS)).clamp(0.0, 1.0);
    1.0 - t * t * (3.0 - 2.0 * t)
}

/// A voice that might be heard.
#[derive(Debug, Clone)]
pub struct Speaker {
    /// Who.
    pub id: ParticipantId,
    /// Where.
    pub spot: Spot,
    /// Whether they send their microphone at all.
    pub participation: Participation,
}

/// Volumes (0 to 1) for `listener` of every speaker. `audible` carries the hysteresis from one
/// call to the next: who is currently within hearing.
pub fn mix(listener: &Spot, speakers: &[Speaker], audible: &mut HashSet<ParticipantId>) -> HashMap<ParticipantId, f32> {
    let mut gains: HashMap<ParticipantId, f32> = HashMap::new();
    let mut heard: Vec<(bool, f32, ParticipantId, f32)> = Vec::new();
    for speaker in speakers {
        gains.insert(speaker.id, 0.0);
        let distance = listener.position.distance(speaker.spot.position);
        let rule =
            if speaker.participation.sends_audio() { audio_rule(listener, &speaker.spot) } else { AudioRule::Silent };
        let gain = match rule {
            AudioRule::Silent => {
                audible.remove(&speaker.id);
                continue;
            }
            AudioRule::Full => {
                audible.insert(speaker.id);
                1.0
            }
            AudioRule::ByDistance => {
                if distance < ENTER_RADIUS {
                    audible.insert(speaker.id);
                } else if distance > LEAVE_RADIUS {
                    audible.remove(&speaker.id);
                }
                if !audible.contains(&speaker.id) {
                    continue;
                }
                falloff(distance)
            }
        };
        heard.push((rule != AudioRule::Full, distance, speaker.id, gain));
    }
    // Full-volume voices (booth, stage) first, then the nearest.
    heard.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    for (_, _, id, gain) in heard.into_iter().take(MAX_AUDIO_PEERS) {
        gains.insert(id, gain);
    }
    gains
}

/// How each person takes part (on every avatar).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Taking(pub Participation);

/// The result of the rules this frame: how loud we hear each person, and whom we send our
/// microphone to.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct VoiceMix {
    /// Volume (0 to 1) of each person's voice for us.
    pub gains: HashMap<ParticipantId, f32>,
    /// The people who can hear us now (only they get our audio).
    pub heard_by: HashSet<ParticipantId>,
    /// What each voice is played at: the gain times our own per-person volume (0 when muted).
    pub volumes: HashMap<ParticipantId, f32>,
}

#[derive(Resource, Debug, Default)]
struct Audible(HashSet<ParticipantId>);

/// The system set that computes [`VoiceMix`]; whatever applies it runs after.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct VoiceSet;

/// Our own choices about others' voices: per-person mute and volume (0 to 1).
#[derive(Resource, Debug, Default)]
pub struct PersonalVolumes(pub HashMap<ParticipantId, PersonalVolume>);

/// One person's volume setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PersonalVolume {
    /// Muted by us.
    pub muted: bool,
    /// Our volume for them, 0 to 1.
    pub volume: f32,
}

impl Default for PersonalVolume {
    fn default() -> Self {
        PersonalVolume { muted: false, volume: 1.0 }
    }
}

impl PersonalVolumes {
    /// The factor applied to a person's voice.
    pub fn factor(&self, id: ParticipantId) -> f32 {
        self.0.get(&id).map_or(1.0, |v| if v.muted { 0.0 } else { v.volume })
    }
}

/// Who is speaking now (from the browser's audio levels).
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct Speaking(pub HashSet<ParticipantId>);

/// Push-to-talk: when on, our microphone is live only while Space is held.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PushToTalk(pub bool);

/// Whether our microphone is muted (M key or the button); the microphone stays on.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SelfMuted(pub bool);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<VoiceMix>()
        .init_resource::<Audible>()
        .init_resource::<PersonalVolumes>()
        .init_resource::<SelfMuted>()
        .init_resource::<Speaking>()
        .init_resource::<PushToTalk>()
        .add_systems(Update, apply_push_to_talk)
        .add_systems(
            PostUpdate,
            mix_voices.in_set(VoiceSet).run_if(resource_exists::<Town>).run_if(resource_exists::<Me>),
        );
}

/// The key held to talk when push-to-talk is on.
pub const PUSH_TO_TALK_KEY: KeyCode = KeyCode::Space;

fn apply_push_to_talk(
    push_to_talk: Res<PushToTalk>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut muted: ResMut<SelfMuted>,
) {
    if !push_to_talk.0 {
        if push_to_talk.is_changed() {
            muted.0 = false;
        }
        return;
    }
    let held = keys.is_some_and(|keys| keys.pressed(PUSH_TO_TALK_KEY));
    if muted.0 == held {
        muted.0 = !held;
    }
}

fn mix_voices(
    town: Res<Town>,
    me: Single<(&Transform, &Taking), With<LocalPlayer>>,
    others: Query<(&RemotePerson, &Transform, &Taking)>,
    personal: Res<PersonalVolumes>,
    hall: Res<crate::places::hall::MyHall>,
    mut audible: ResMut<Audible>,
    mut voice_mix: ResMut<VoiceMix>,
) {
    let (my_transform, my_taking) = *me;
    let listener = Spot::at(&town, my_transform.translation.truncate());
    let speakers: Vec<Speaker> = others
        .iter()
        .map(|(person, transform, taking)| Speaker {
            id: person.0,
            spot: Spot::at(&town, transform.translation.truncate()),
            participation: taking.0,
        })
        .collect();
    let gains = mix(&listener, &speakers, &mut audible.0);
    // The rules are symmetric but for the stage, so ask them the other way round for sending.
    let heard_by = if my_taking.0.sends_audio() {
        speakers
            .iter()
            .filter(|speaker| match audio_rule(&speaker.spot, &listener) {
                AudioRule::Silent => false,
                AudioRule::Full => true,
                AudioRule::ByDistance => speaker.spot.position.distance(listener.position) <= LEAVE_RADIUS,
            })
            .map(|speaker| speaker.id)
            .collect()
    } else {
        HashSet::new()
    };
    // A hall's stage and speakers reach us through the SFU: the mesh does not play them twice.
    let gains: HashMap<ParticipantId, f32> =
        gains.into_iter().map(|(id, gain)| (id, if hall.carries(id) { 0.0 } else { gain })).collect();
    let volumes = gains.iter().map(|(id, gain)| (*id, gain * personal.factor(*id))).collect();
    let new_mix = VoiceMix { gains, heard_by, volumes };
    if *voice_mix != new_mix {
        *voice_mix = new_mix;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(x: f32) -> Spot {
        Spot {
            position: Vec2::new(x, 0.0),
            place: Some(PlaceId("free".into())),
            kind: Some(PlaceKind::FreeSpace),
            on_stage: false,
            table: None,
        }
    }

    fn inside(place: &str, kind: PlaceKind, x: f32, on_stage: bool) -> Spot {
        Spot {
            position: Vec2::new(x, 0.0),
            place: Some(PlaceId(place.into())),
            kind: Some(kind),
            on_stage,
            table: None,
        }
    }

    #[test]
    fn each_table_hears_itself_and_the_stage_only() {
        let at = |table: Option<u32>, x: f32, on_stage: bool| Spot {
            table,
            ..inside("hall-2", PlaceKind::Hall, x, on_stage)
        };
        assert_eq!(audio_rule(&at(Some(0), 0.0, false), &at(Some(0), 120.0, false)), AudioRule::Full);
        assert_eq!(audio_rule(&at(Some(0), 0.0, false), &at(Some(1), 40.0, false)), AudioRule::Silent);
        assert_eq!(audio_rule(&at(Some(0), 0.0, false), &at(None, 40.0, false)), AudioRule::Silent);
        assert_eq!(
            audio_rule(&at(Some(2), 0.0, false), &at(None, 300.0, true)),
            AudioRule::Full,
            "the stage reaches every table"
        );
        assert_eq!(audio_rule(&at(None, 0.0, false), &at(None, 40.0, false)), AudioRule::ByDistance);
    }

    fn speaker(id: i64, spot: Spot) -> Speaker {
        Speaker { id: ParticipantId(id), spot, participation: Participation::Voice }
    }

    #[test]
    fn falloff_is_full_inside_smooth_between_and_silent_beyond() {
        assert_eq!(falloff(0.0), 1.0);
        assert_eq!(falloff(INNER_RADIUS), 1.0);
        assert_eq!(falloff(LEAVE_RADIUS), 0.0);
        assert_eq!(falloff(LEAVE_RADIUS + 100.0), 0.0);
        let middle = falloff((INNER_RADIUS + LEAVE_RADIUS) / 2.0);
        assert!((middle - 0.5).abs() < 1e-6, "{middle}");
        let mut previous = 1.0;
        for step in 0..=100 {
            let gain = falloff(INNER_RADIUS + step as f32 * (LEAVE_RADIUS - INNER_RADIUS) / 100.0);
            assert!(gain <= previous && previous - gain < 0.02, "smooth and decreasing");
            previous = gain;
        }
    }

    #[test]
    fn hysteresis_keeps_a_voice_at_the_edge_steady() {
        let listener = open(0.0);
        let mut audible = HashSet::new();
        let at = |x: f32| vec![speaker(2, open(x))];
        let edge = (ENTER_RADIUS + LEAVE_RADIUS) / 2.0;
        assert_eq!(mix(&listener, &at(edge), &mut audible)[&ParticipantId(2)], 0.0, "not yet heard coming from afar");
        assert!(mix(&listener, &at(ENTER_RADIUS - 1.0), &mut audible)[&ParticipantId(2)] > 0.0, "heard once close");
        assert!(mix(&listener, &at(edge), &mut audible)[&ParticipantId(2)] > 0.0, "still heard at the same edge");
        assert_eq!(mix(&listener, &at(LEAVE_RADIUS + 1.0), &mut audible)[&ParticipantId(2)], 0.0);
        assert_eq!(mix(&listener, &at(edge), &mut audible)[&ParticipantId(2)], 0.0, "gone until close again");
    }

    #[test]
    fn only_the_nearest_voices_are_heard() {
        let listener = open(0.0);
        let speakers: Vec<Speaker> = (1..=12).map(|id| speaker(id, open(id as f32 * 10.0))).collect();
        let gains = mix(&listener, &speakers, &mut HashSet::new());
        let heard: Vec<i64> = (1..=12).filter(|id| gains[&ParticipantId(*id)] > 0.0).collect();
        assert_eq!(heard, (1..=MAX_AUDIO_PEERS as i64).collect::<Vec<_>>());
    }

    #[test]
    fn places_decide_who_hears_whom() {
        let booth = |x| inside("booth-1", PlaceKind::Booth, x, false);
        let hall = |x, stage| inside("hall-1", PlaceKind::Hall, x, stage);
        let quiet = inside("quiet", PlaceKind::QuietZone, 10.0, false);
        assert_eq!(audio_rule(&booth(0.0), &booth(500.0)), AudioRule::Full, "booth members at full volume");
        assert_eq!(audio_rule(&open(0.0), &booth(10.0)), AudioRule::Silent, "nobody outside hears a booth");
        assert_eq!(audio_rule(&booth(0.0), &open(10.0)), AudioRule::Silent, "nor does the booth hear outside");
        assert_eq!(audio_rule(&booth(0.0), &inside("booth-2", PlaceKind::Booth, 10.0, false)), AudioRule::Silent);
        assert_eq!(audio_rule(&open(0.0), &quiet), AudioRule::Silent, "quiet zones are silent");
        assert_eq!(audio_rule(&quiet, &open(0.0)), AudioRule::Silent);
        assert_eq!(audio_rule(&hall(0.0, false), &hall(300.0, true)), AudioRule::Full, "the stage reaches the hall");
        assert_eq!(audio_rule(&hall(0.0, false), &hall(300.0, false)), AudioRule::ByDistance);
        assert_eq!(audio_rule(&open(0.0), &open(30.0)), AudioRule::ByDistance);
        let watcher = Speaker { participation: Participation::Watching, ..speaker(3, open(5.0)) };
        let listener_only = Speaker { participation: Participation::Listening, ..speaker(4, open(5.0)) };
        let gains = mix(&open(0.0), &[watcher, listener_only], &mut HashSet::new());
        assert_eq!((gains[&ParticipantId(3)], gains[&ParticipantId(4)]), (0.0, 0.0), "only voices are heard");
    }
}
