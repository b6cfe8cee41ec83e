//! The halls' media through the SFU (Janus). The town's rules say, as a plan, who stands in each
//! hall and who may publish to it; this actor makes Janus match the plan: a room per hall, a
//! publication for each person allowed who offers one, and a subscription to every live
//! publication for everyone else inside the hall. Publications of people no longer allowed are
//! ended here, in Janus, so a modified client that keeps sending reaches nobody. The mesh
//! (free space, booths, tables) never goes through here.

pub mod janus;

use std::collections::{BTreeMap, BTreeSet};

use protocol::{FeedId, FeedKind, ParticipantId, PlaceId, RejectCode, ServerMessage};
use rand::Rng;
use serde_json::json;
use tokio::sync::mpsc;

pub use janus::{Janus, JanusEndpoint, JanusError, JanusNetwork, JanusProcess};

use crate::presence::Outbox;

/// Someone inside a hall, with the connection their messages go to.
#[derive(Debug, Clone)]
pub struct Member {
    /// Counts connections, so a new one (a reconnection) shows as a change.
    pub connection: u64,
    /// Where their messages go.
    pub outbox: Outbox,
}

impl PartialEq for Member {
    fn eq(&self, other: &Self) -> bool {
        self.connection == other.connection
    }
}

/// One hall in the plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HallMembers {
    /// Everyone inside.
    pub members: BTreeMap<ParticipantId, Member>,
    /// Who may publish to the whole hall now (the stage, and whose turn it is).
    pub publishers: BTreeSet<ParticipantId>,
}

/// What the halls' media should be, as the town's rules say now.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HallPlan {
    /// Per hall.
    pub halls: BTreeMap<PlaceId, HallMembers>,
}

impl HallPlan {
    fn outbox(&self, person: ParticipantId) -> Option<&Outbox> {
        self.halls.values().find_map(|hall| hall.members.get(&person)).map(|member| &member.outbox)
    }

    fn may_publish(&self, hall: &PlaceId, person: ParticipantId) -> bool {
        self.halls.get(hall).is_some_and(|h| h.publishers.contains(&person) && h.members.contains_key(&person))
    }
}

/// What the town asks of the halls' media.
#[derive(Debug)]
pub enum SfuCommand {
    /// The plan changed.
    Plan(HallPlan),
    /// `person` offers to publish to `hall` (the town checked they may).
    Publish {
        /// The hall.
        hall: PlaceId,
        /// Who.
        person: ParticipantId,
        /// Their voice or their screen.
        kind: FeedKind,
        /// Their offer.
        sdp: String,
    },
    /// `person` stops publishing `kind`.
    Unpublish {
        /// The hall.
        hall: PlaceId,
        /// Who.
        person: ParticipantId,
        /// Which publication.
        kind: FeedKind,
    },
    /// `person` answers the SFU's offer of `feed`.
    Receive {
        /// The hall they stand in.
        hall: PlaceId,
        /// Who.
        person: ParticipantId,
        /// Which feed.
        feed: FeedId,
        /// Their answer.
        sdp: String,
    },
    /// A publication's media started flowing.
    Live(FeedId),
    /// A publication's PeerConnection ended.
    Gone(FeedId),
}

/// The handle the town keeps: commands go to the actor of the Janus a hall is on, in order.
#[derive(Debug, Clone)]
pub struct Sfu {
    actors: Vec<mpsc::UnboundedSender<SfuCommand>>,
    hall_actor: BTreeMap<PlaceId, usize>,
}

impl Sfu {
    /// Shares the halls out among the Janus instances at `endpoints` (hall i on instance i mod
    /// n), opens a session with each, creates their rooms, and starts one actor per instance on
    /// the current tokio runtime.
    pub async fn start(endpoints: Vec<JanusEndpoint>, halls: Vec<PlaceId>) -> Result<Sfu, JanusError> {
        let count = endpoints.len().max(1);
        let mut actors = Vec::new();
        let mut hall_actor = BTreeMap::new();
        for (index, endpoint) in endpoints.into_iter().enumerate() {
            let mine: Vec<PlaceId> = halls.iter().skip(index).step_by(count).cloned().collect();
            for hall in &mine {
                hall_actor.insert(hall.clone(), index);
            }
            // Feed ids stay unique across instances: instance i counts i+1, i+1+n, …
            actors.push(start_actor(endpoint, mine, index as u64 + 1, count as u64).await?);
        }
        Ok(Sfu { actors, hall_actor })
    }

    /// Passes a command on: the plan to every instance, the rest to the hall's (dropped if its
    /// actor has stopped).
    pub fn send(&self, command: SfuCommand) {
        let hall = match &command {
            SfuCommand::Plan(plan) => {
                for actor in &self.actors {
                    let _ = actor.send(SfuCommand::Plan(plan.clone()));
                }
                return;
            }
            SfuCommand::Publish { hall, .. }
            | SfuCommand::Unpublish { hall, .. }
            | SfuCommand::Receive { hall, .. } => hall,
            SfuCommand::Live(_) | SfuCommand::Gone(_) => return,
        };
        if let Some(actor) = self.hall_actor.get(hall).and_then(|index| self.actors.get(*index)) {
            let _ = actor.send(command);
        }
    }
}

async fn start_actor(
    endpoint: JanusEndpoint,
    halls: Vec<PlaceId>,
    first_feed: u64,
    feed_step: u64,
) -> Result<mpsc::UnboundedSender<SfuCommand>, JanusError> {
    let janus = Janus::connect(endpoint).await?;
    let (manager, _) = janus.attach().await?;
    let secret = format!("{:032x}", rand::rng().random::<u128>());
    let mut rooms = BTreeMap::new();
    for hall in halls {
        // Below 2^53, so JSON numbers keep it exact.
        let room: u64 = rand::rng().random_range(1..(1u64 << 52));
        let body = json!({
            "request": "create", "room": room, "secret": secret, "is_private": true, "permanent": false,
            "publishers": 64, "audiocodec": "opus", "videocodec": "vp8", "notify_joining": false,
            "description": hall.0,
        });
        janus.message(manager, body, None).await?;
        rooms.insert(hall, room);
    }
    let (commands, inbox) = mpsc::unbounded_channel();
    let actor = Actor {
        janus,
        rooms,
        plan: HallPlan::default(),
        publications: BTreeMap::new(),
        subscriptions: BTreeMap::new(),
        next_feed: first_feed,
        feed_step,
        commands: commands.clone(),
    };
    tokio::spawn(actor.run(inbox));
    Ok(commands)
}

struct Publication {
    hall: PlaceId,
    person: ParticipantId,
    kind: FeedKind,
    handle: u64,
    live: bool,
}

struct Actor {
    janus: Janus,
    rooms: BTreeMap<PlaceId, u64>,
    plan: HallPlan,
    publications: BTreeMap<FeedId, Publication>,
    /// (subscriber, feed) → handle.
    subscriptions: BTreeMap<(ParticipantId, FeedId), u64>,
    next_feed: u64,
    feed_step: u64,
    commands: mpsc::UnboundedSender<SfuCommand>,
}

fn tell(outbox: Option<&Outbox>, message: ServerMessage) {
    if let Some(outbox) = outbox {
        let _ = outbox.try_send(crate::presence::Outgoing::Message(message));
    }
}

impl Actor {
    async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<SfuCommand>) {
        while let Some(command) = inbox.recv().await {
            match command {
                SfuCommand::Plan(plan) => self.plan = plan,
                SfuCommand::Publish { hall, person, kind, sdp } => self.publish(hall, person, kind, &sdp).await,
                SfuCommand::Unpublish { person, kind, .. } => {
                    for feed in self.feeds_of(person, kind) {
                        self.end_publication(feed).await;
                    }
                }
                SfuCommand::Receive { person, feed, sdp, .. } => self.receive(person, feed, &sdp).await,
                SfuCommand::Live(feed) => {
                    if let Some(publication) = self.publications.get_mut(&feed) {
                        publication.live = true;
                    }
                }
                SfuCommand::Gone(feed) => self.end_publication(feed).await,
            }
            self.reconcile().await;
        }
    }

    fn feeds_of(&self, person: ParticipantId, kind: FeedKind) -> Vec<FeedId> {
        self.publications.iter().filter(|(_, p)| p.person == person && p.kind == kind).map(|(feed, _)| *feed).collect()
    }

    async fn publish(&mut self, hall: PlaceId, person: ParticipantId, kind: FeedKind, sdp: &str) {
        let outbox = self.plan.outbox(person).cloned();
        let Some(room) = self.rooms.get(&hall).copied().filter(|_| self.plan.may_publish(&hall, person)) else {
            tell(outbox.as_ref(), ServerMessage::Rejected { code: RejectCode::NotAllowed });
            return;
        };
        // One publication per person and kind: a new offer replaces the old one.
        for feed in self.feeds_of(person, kind) {
            self.end_publication(feed).await;
        }
        let feed = FeedId(self.next_feed);
        self.next_feed += self.feed_step;
        let published = async {
            let (handle, mut events) = self.janus.attach().await?;
            let body = json!({
                "request": "joinandconfigure", "ptype": "publisher", "room": room, "id": feed.0,
                "display": person.0.to_string(), "audio": true, "video": true,
            });
            let reply = match self.janus.message(handle, body, Some(("offer", sdp))).await {
                Ok(reply) => reply,
                Err(error) => {
                    self.janus.detach(handle).await;
                    return Err(error);
                }
            };
            let commands = self.commands.clone();
            tokio::spawn(async move {
                while let Some(event) = events.recv().await {
                    let command = match event {
                        janus::HandleEvent::WebrtcUp => SfuCommand::Live(feed),
                        janus::HandleEvent::Hangup => SfuCommand::Gone(feed),
                    };
                    let _ = commands.send(command);
                }
            });
            Ok::<_, JanusError>((handle, reply.sdp))
        };
        match published.await {
            Ok((handle, Some(answer))) => {
                self.publications.insert(feed, Publication { hall, person, kind, handle, live: false });
                tell(outbox.as_ref(), ServerMessage::HallPublished { sdp: answer, kind });
            }
            Ok((handle, None)) => {
                self.janus.detach(handle).await;
                tell(outbox.as_ref(), ServerMessage::Rejected { code: RejectCode::SfuUnavailable });
            }
            Err(error) => {
                tracing::warn!(%error, "cannot publish to a hall");
                tell(outbox.as_ref(), ServerMessage::Rejected { code: RejectCode::SfuUnavailable });
            }
        }
    }

    async fn receive(&mut self, person: ParticipantId, feed: FeedId, sdp: &str) {
        let Some(handle) = self.subscriptions.get(&(person, feed)).copied() else { return };
        if let Err(error) = self.janus.message(handle, json!({ "request": "start" }), Some(("answer", sdp))).await {
            tracing::warn!(%error, "cannot start a hall subscription");
        }
    }

    async fn end_publication(&mut self, feed: FeedId) {
        let Some(publication) = self.publications.remove(&feed) else { return };
        self.janus.detach(publication.handle).await;
    }

    /// Makes Janus match the plan: publications that are no longer allowed end (in Janus),
    /// subscriptions follow the people inside and the live publications.
    async fn reconcile(&mut self) {
        let disallowed: Vec<FeedId> = self
            .publications
            .iter()
            .filter(|(_, p)| !self.plan.may_publish(&p.hall, p.person))
            .map(|(feed, _)| *feed)
            .collect();
        for feed in disallowed {
            self.end_publication(feed).await;
        }
        let ended: Vec<(ParticipantId, FeedId)> = self
            .subscriptions
            .keys()
            .filter(|(subscriber, feed)| {
                self.publications.get(feed).is_none_or(|publication| {
                    self.plan.halls.get(&publication.hall).is_none_or(|hall| !hall.members.contains_key(subscriber))
                })
            })
            .copied()
            .collect();
        for key in ended {
            if let Some(handle) = self.subscriptions.remove(&key) {
                self.janus.detach(handle).await;
            }
            tell(self.plan.outbox(key.0), ServerMessage::HallFeedEnded { feed: key.1 });
        }
        let mut wanted = Vec::new();
        for (feed, publication) in self.publications.iter().filter(|(_, p)| p.live) {
            let Some(hall) = self.plan.halls.get(&publication.hall) else { continue };
            for subscriber in hall.members.keys().filter(|member| **member != publication.person) {
                if !self.subscriptions.contains_key(&(*subscriber, *feed)) {
                    wanted.push((*subscriber, *feed, publication.person, publication.kind, publication.hall.clone()));
                }
            }
        }
        for (subscriber, feed, publisher, kind, hall) in wanted {
            let Some(room) = self.rooms.get(&hall).copied() else { continue };
            match self.subscribe(room, feed).await {
                Ok((handle, offer)) => {
                    self.subscriptions.insert((subscriber, feed), handle);
                    let offered = ServerMessage::HallFeed { feed, person: publisher, kind, sdp: offer };
                    tell(self.plan.outbox(subscriber), offered);
                }
                Err(error) => tracing::warn!(%error, "cannot subscribe to a hall feed"),
            }
        }
    }

    async fn subscribe(&self, room: u64, feed: FeedId) -> Result<(u64, String), JanusError> {
        let (handle, _) = self.janus.attach().await?;
        let body = json!({ "request": "join", "ptype": "subscriber", "room": room, "streams": [{ "feed": feed.0 }] });
        match self.janus.message(handle, body, None).await {
            Ok(janus::Reply { sdp: Some(offer), .. }) => Ok((handle, offer)),
            Ok(_) => {
                self.janus.detach(handle).await;
                Err(JanusError::Refused("no offer".into()))
            }
            Err(error) => {
                self.janus.detach(handle).await;
                Err(error)
            }
        }
    }
}
