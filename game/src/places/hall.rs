//! Program halls on the client: the view of the hall we stand in (stage, hands, our turn), what
//! we ask of it, the feeds the SFU offers us, reactions floating over avatars for a moment, and
//! whether our microphone should be published to the whole hall now (on the stage or during
//! our turn, on voice, with the SFU). The panel is in `hall_panel.rs`; the browser's
//! connections to the SFU in `web/hall_media.rs`.

use std::collections::HashMap;

use bevy::prelude::*;
use protocol::{ClientMessage, FeedId, HallRequest, HallView, ParticipantId, Participation, Reaction, Turn, TurnEnded};

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
    /// The SFU's answer to our publication.
    Published(String),
    /// The SFU offers a feed.
    Feed {
        /// Which.
        feed: FeedId,
        /// Whose.
        person: ParticipantId,
        /// The offer.
        sdp: String,
    },
    /// A feed ended.
    FeedEnded(FeedId),
    /// Our turn ended.
    TurnEnded(TurnEnded),
    /// Someone reacted.
    Reacted(ParticipantId, Reaction),
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

/// The feeds the SFU offered us and whose they are.
#[derive(Resource, Debug, Default, Clone)]
pub struct HallFeeds(pub HashMap<FeedId, ParticipantId>);

/// A kind word on the panel when our turn ended.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct TurnNotice(pub Option<TurnEnded>);

/// Reactions floating over avatars now: who, what, and seconds left.
#[derive(Resource, Debug, Default, Clone)]
pub struct FloatingReactions(pub Vec<(ParticipantId, Reaction, f32)>);

/// Media messages for the browser layer, in order (wasm reads them).
#[derive(Message, Debug, Clone)]
pub enum HallMedia {
    /// Apply the SFU's answer to our publication.
    Answer(String),
    /// Answer the SFU's offer of a feed.
    Offer {
        /// Which.
        feed: FeedId,
        /// Whose.
        person: ParticipantId,
        /// The offer.
        sdp: String,
    },
    /// Close a feed.
    End(FeedId),
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<MyHall>()
        .init_resource::<PublishToHall>()
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
            HallNews::Published(sdp) => {
                media.write(HallMedia::Answer(sdp));
            }
            HallNews::Feed { feed, person, sdp } => {
                feeds.0.insert(feed, person);
                media.write(HallMedia::Offer { feed, person, sdp });
            }
            HallNews::FeedEnded(feed) => {
                feeds.0.remove(&feed);
                media.write(HallMedia::End(feed));
            }
            HallNews::TurnEnded(why) => notice.0 = Some(why),
            HallNews::Reacted(person, reaction) => {
                floating.0.retain(|(who, _, _)| *who != person);
                floating.0.push((person, reaction, REACTION_SECONDS));
            }
        }
    }
}

/// Whether we should be publishing: our turn or the stage, with the SFU, on voice or camera.
pub fn should_publish(view: Option<&HallView>, taking: Participation) -> bool {
    view.is_some_and(|view| view.sfu && matches!(view.you, Turn::OnStage | Turn::Speaking)) && taking.sends_audio()
}

fn decide_publishing(hall: Res<MyHall>, me: Query<&Taking, With<LocalPlayer>>, mut publish: ResMut<PublishToHall>) {
    let taking = me.single().map_or(Participation::Listening, |taking| taking.0);
    let wanted = PublishToHall(should_publish(hall.0.as_ref(), taking));
    if *publish != wanted {
        *publish = wanted;
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
