//! Program halls on the client: the view of the hall we stand in (stage, hands, our turn), what
//! we ask of it, the feeds the SFU offers us, reactions floating over avatars for a moment, and
//! whether our microphone should be published to the whole hall now (on the stage or during
//! our turn, on voice, with the SFU). The panel is in `hall_panel.rs`; the browser's
//! connections to the SFU in `web/hall_media.rs`.

use std::collections::HashMap;

use bevy::prelude::*;
use protocol::{
    ClientMessage, FeedId, FeedKind, HallRequest, HallView, ParticipantId, Participation, Reaction, Turn, TurnEnded,
};

use crate::movement::LocalPlayer;
use crate::presence::{PresenceSet, ServerLink};
use crate::voice::Taking;

/// How long a reaction floats over an avatar, in seconds.
pub const REACTION_SECONDS: f32 = 2.5;

/// News about the hall from the server, handed on by presence.
#[derive(Message, Debug, Clone)]
pub enum HallNews {
    /// The hall we stand in (none: we are in no hall).
    View(Option<HallView>),
    /// The SFU's answer to one of our publications.
    Published(FeedKind, String),
    /// The SFU offers a feed.
    Feed {
        /// Which.
        feed: FeedId,
        /// Whose.
        person: ParticipantId,
        /// Voice or screen.
        kind: FeedKind,
        /// The offer.
        sdp: String,
    },
    /// A feed ended.
    FeedEnded(FeedId),
    /// Our turn ended.
    TurnEnded(TurnEnded),
    /// Someone reacted.
    Reacted(ParticipantId, Reaction),
    /// Someone wrote to the whole hall (the chat takes it).
    Said(ParticipantId, String),
    /// The server welcomed us, in this run of it (a new run has new SFU rooms).
    ServerRun(u64),
}

/// Something we ask of the hall (from the panel).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct AskHall(pub HallRequest);

/// The hall we stand in, as the server shows it to us.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct MyHall(pub Option<HallView>);

impl MyHall {
    /// Whether `person`'s voice reaches us through the SFU (on the stage, or speaking), so the
    /// mesh must not play it a second time.
    pub fn carries(&self, person: ParticipantId) -> bool {
        self.0.as_ref().is_some_and(|view| {
            view.sfu
                && (view.stage.as_ref().is_some_and(|p| p.id == person) || view.speakers.iter().any(|p| p.id == person))
        })
    }
}

/// Whether our microphone should be published to the whole hall now.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PublishToHall(pub bool);

/// The feeds the SFU offered us: whose they are and what they carry.
#[derive(Resource, Debug, Default, Clone)]
pub struct HallFeeds(pub HashMap<FeedId, (ParticipantId, FeedKind)>);

/// 「音楽モード」 for our stage voice (唄ごえカフェ): the microphone without echo cancellation,
/// noise suppression or auto gain, in stereo, Opus at [`MUSIC_BITRATE`] with DTX off.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MusicMode(pub bool);

/// Opus bitrate in music mode, bits per second.
pub const MUSIC_BITRATE: u32 = 128_000;

/// An SDP with music settings on every Opus line: stereo both ways, [`MUSIC_BITRATE`], no DTX,
/// in-band FEC kept. Applied to our offer and to the SFU's answer, since the answer's
/// parameters say how we may send.
pub fn music_sdp(sdp: &str) -> String {
    let opus: Vec<String> = sdp
        .lines()
        .filter_map(|line| line.strip_prefix("a=rtpmap:"))
        .filter(|rest| rest.to_ascii_lowercase().contains("opus/48000"))
        .filter_map(|rest| rest.split_whitespace().next().map(str::to_owned))
        .collect();
    let music = format!("stereo=1;sprop-stereo=1;maxaveragebitrate={MUSIC_BITRATE};usedtx=0;useinbandfec=1");
    let mut out = Vec::new();
    for line in sdp.lines() {
        if let Some(rest) = line.strip_prefix("a=fmtp:")
            && let Some((payload, params)) = rest.split_once(' ')
            && opus.iter().any(|p| p == payload)
        {
            let kept: Vec<&str> = params
                .split(';')
                .map(str::trim)
                .filter(|param| {
                    let name = param.split('=').next().unwrap_or("");
                    !["stereo", "sprop-stereo", "maxaveragebitrate", "usedtx", "useinbandfec"].contains(&name)
                        && !param.is_empty()
                })
                .collect();
            let joined = if kept.is_empty() { music.clone() } else { format!("{};{music}", kept.join(";")) };
            out.push(format!("a=fmtp:{payload} {joined}"));
            continue;
        }
        out.push(line.to_owned());
        // An Opus payload without an fmtp line gets one right after its rtpmap.
        if let Some(rest) = line.strip_prefix("a=rtpmap:")
            && let Some(payload) = rest.split_whitespace().next()
            && opus.iter().any(|p| p == payload)
            && !sdp.contains(&format!("a=fmtp:{payload} "))
        {
            out.push(format!("a=fmtp:{payload} {music}"));
        }
    }
    let mut joined = out.join("\r\n");
    joined.push_str("\r\n");
    joined
}

/// Whether we share our screen with the hall: asked by the person (「画面を共有する」), and
/// put down when the turn ends or the browser's own stop button is pressed.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ShareScreen(pub bool);

/// A kind word on the panel when our turn ended.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct TurnNotice(pub Option<TurnEnded>);

/// Reactions floating over avatars now: who, what, and seconds left.
#[derive(Resource, Debug, Default, Clone)]
pub struct FloatingReactions(pub Vec<(ParticipantId, Reaction, f32)>);

/// Media messages for the browser layer, in order (wasm reads them).
#[derive(Message, Debug, Clone)]
pub enum HallMedia {
    /// Apply the SFU's answer to one of our publications.
    Answer(FeedKind, String),
    /// Answer the SFU's offer of a feed.
    Offer {
        /// Which.
        feed: FeedId,
        /// Whose.
        person: ParticipantId,
        /// Voice or screen.
        kind: FeedKind,
        /// The offer.
        sdp: String,
    },
    /// Close a feed.
    End(FeedId),
    /// The server started anew and its SFU rooms with it: offer each of our publications again.
    PublishAgain,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<MyHall>()
        .init_resource::<PublishToHall>()
        .init_resource::<ShareScreen>()
        .init_resource::<MusicMode>()
        .init_resource::<HallFeeds>()
        .init_resource::<TurnNotice>()
        .init_resource::<FloatingReactions>()
        .add_message::<HallNews>()
        .add_message::<AskHall>()
        .add_message::<HallMedia>()
        .add_systems(
            Update,
            (apply_hall_news, decide_publishing, send_hall_requests, age_reactions)
                .chain()
                .after(PresenceSet)
                .run_if(resource_exists::<ServerLink>),
        );
}

fn apply_hall_news(
    mut news: MessageReader<HallNews>,
    mut hall: ResMut<MyHall>,
    mut feeds: ResMut<HallFeeds>,
    mut notice: ResMut<TurnNotice>,
    mut floating: ResMut<FloatingReactions>,
    mut media: MessageWriter<HallMedia>,
    mut known_run: Local<Option<u64>>,
) {
    for item in news.read() {
        match item.clone() {
            HallNews::View(view) => {
                // A turn that starts again puts the last notice away.
                if view.as_ref().is_some_and(|v| matches!(v.you, Turn::Speaking | Turn::OnStage)) || view.is_none() {
                    notice.0 = None;
                }
                if view.is_none() {
                    for feed in std::mem::take(&mut feeds.0).into_keys() {
                        media.write(HallMedia::End(feed));
                    }
                }
                if hall.0 != view {
                    hall.0 = view;
                }
            }
            HallNews::Published(kind, sdp) => {
                media.write(HallMedia::Answer(kind, sdp));
            }
            HallNews::Feed { feed, person, kind, sdp } => {
                feeds.0.insert(feed, (person, kind));
                media.write(HallMedia::Offer { feed, person, kind, sdp });
            }
            HallNews::FeedEnded(feed) => {
                feeds.0.remove(&feed);
                media.write(HallMedia::End(feed));
            }
            HallNews::ServerRun(run) => {
                // A restarted server's SFU knows nothing of what we sent or received before:
                // our feeds are gone (it offers them anew) and we publish again.
                if known_run.replace(run).is_some_and(|known| known != run) {
                    for feed in std::mem::take(&mut feeds.0).into_keys() {
                        media.write(HallMedia::End(feed));
                    }
                    media.write(HallMedia::PublishAgain);
                }
            }
            HallNews::TurnEnded(why) => notice.0 = Some(why),
            HallNews::Said(..) => {}
            HallNews::Reacted(person, reaction) => {
                floating.0.retain(|(who, _, _)| *who != person);
                floating.0.push((person, reaction, REACTION_SECONDS));
            }
        }
    }
}

/// Whether the hall is ours to reach now: on its stage or during our turn, with the SFU.
pub fn may_reach_hall(view: Option<&HallView>) -> bool {
    view.is_some_and(|view| view.sfu && matches!(view.you, Turn::OnStage | Turn::Speaking))
}

/// Whether we should be publishing our voice: the hall is ours to reach, on voice or camera.
pub fn should_publish(view: Option<&HallView>, taking: Participation) -> bool {
    may_reach_hall(view) && taking.sends_audio()
}

fn decide_publishing(
    hall: Res<MyHall>,
    me: Query<&Taking, With<LocalPlayer>>,
    mut publish: ResMut<PublishToHall>,
    mut share: ResMut<ShareScreen>,
    mut music: ResMut<MusicMode>,
) {
    let taking = me.single().map_or(Participation::Listening, |taking| taking.0);
    let wanted = PublishToHall(should_publish(hall.0.as_ref(), taking));
    if *publish != wanted {
        *publish = wanted;
    }
    // A share ends with the turn; music mode with the stage.
    if share.0 && !may_reach_hall(hall.0.as_ref()) {
        share.0 = false;
    }
    if music.0 && hall.0.as_ref().is_none_or(|view| view.you != Turn::OnStage) {
        music.0 = false;
    }
}

fn send_hall_requests(mut asks: MessageReader<AskHall>, link: Res<ServerLink>) {
    for AskHall(request) in asks.read() {
        let _ = link.outgoing.try_send(ClientMessage::Hall { request: request.clone() });
    }
}

fn age_reactions(time: Res<Time>, mut floating: ResMut<FloatingReactions>) {
    if floating.0.is_empty() {
        return;
    }
    let dt = time.delta_secs();
    for (_, _, left) in &mut floating.0 {
        *left -= dt;
    }
    floating.0.retain(|(_, _, left)| *left > 0.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{HallPerson, PlaceId};

    fn view(you: Turn, sfu: bool) -> HallView {
        HallView {
            hall: PlaceId("hall-1".into()),
            stage: Some(HallPerson { id: ParticipantId(1), nickname: "F".into() }),
            speakers: vec![HallPerson { id: ParticipantId(2), nickname: "A".into() }],
            hands: 0,
            queue: Vec::new(),
            you,
            may_facilitate: false,
            reactions: Vec::new(),
            sfu,
            groups: Vec::new(),
            tables: Vec::new(),
            my_table: None,
        }
    }

    #[test]
    fn only_the_stage_and_a_turn_publish_and_only_with_a_microphone_and_the_sfu() {
        assert!(should_publish(Some(&view(Turn::OnStage, true)), Participation::Voice));
        assert!(should_publish(Some(&view(Turn::Speaking, true)), Participation::Camera));
        assert!(!should_publish(Some(&view(Turn::Speaking, true)), Participation::Listening), "no microphone");
        assert!(!should_publish(Some(&view(Turn::HandRaised { ahead: 0 }, true)), Participation::Voice));
        assert!(!should_publish(Some(&view(Turn::Invited, true)), Participation::Voice), "an invitation is not a yes");
        assert!(!should_publish(Some(&view(Turn::OnStage, false)), Participation::Voice), "no SFU");
        assert!(!should_publish(None, Participation::Voice));
    }

    #[test]
    fn music_mode_sets_stereo_a_high_bitrate_and_no_dtx_on_every_opus_line() {
        let offer = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\na=rtpmap:111 opus/48000/2\r\n\
                     a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\na=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n";
        let music = music_sdp(offer);
        assert!(
            music.contains(
                "a=fmtp:111 minptime=10;stereo=1;sprop-stereo=1;maxaveragebitrate=128000;usedtx=0;useinbandfec=1\r\n"
            ),
            "{music}"
        );
        assert!(music.contains("a=fmtp:63 111/111\r\n"), "other codecs untouched");
        assert!(!music.contains("usedtx=1"));
        let bare = music_sdp("v=0\r\na=rtpmap:109 OPUS/48000/2\r\n");
        assert!(bare.contains("a=rtpmap:109 OPUS/48000/2\r\na=fmtp:109 stereo=1;"), "{bare}");
        assert_eq!(music_sdp(&music), music, "applying it twice changes nothing");
    }

    #[test]
    fn voices_the_sfu_carries_are_not_played_by_the_mesh_too() {
        let hall = MyHall(Some(view(Turn::Listening, true)));
        assert!(hall.carries(ParticipantId(1)) && hall.carries(ParticipantId(2)));
        assert!(!hall.carries(ParticipantId(3)));
        assert!(
            !MyHall(Some(view(Turn::Listening, false))).carries(ParticipantId(1)),
            "without the SFU the mesh plays"
        );
    }
}
