//! Presence: the link to the server (two channels, so the browser's WebSocket and the tests'
//! in-memory fakes plug in the same way), the roster of people as avatars, smooth remote
//! movement, and sending our own position at most ten times a second.

use std::collections::{HashMap, HashSet};

use bevy::prelude::*;
use protocol::{
    ClientMessage, CloseCode, IceServer, POSITION_UPDATES_PER_SECOND, ParticipantId, PeerId, Person, RejectCode, Role,
    ServerMessage,
};

use crate::assets::Welcomed;
use crate::avatar::{Avatar, Facing, Walking};
use crate::do_not_disturb::DoNotDisturb;
use crate::help_call::HelpNews;
use crate::locale::t;
use crate::map::{Town, to_position, to_vec2};
use crate::movement::{LocalPlayer, WalkPath};
use crate::places::booth::BoothNews;
use crate::places::gallery::GalleryNews;
use crate::places::hall::HallNews;
use crate::screens::{ClosedReason, Screen};
use crate::voice::Taking;

/// How quickly remote avatars catch up with their latest known position (per second).
pub const INTERPOLATION_RATE: f32 = 10.0;

/// The two ends of the connection to the server.
#[derive(Resource, Debug, Clone)]
pub struct ServerLink {
    /// Messages for the server.
    pub outgoing: async_channel::Sender<ClientMessage>,
    /// Messages from the server.
    pub incoming: async_channel::Receiver<ServerMessage>,
}

/// Who we are, once welcomed.
#[derive(Resource, Debug, Clone)]
pub struct Me {
    /// Our account id.
    pub id: ParticipantId,
    /// Our nickname.
    pub nickname: String,
    /// Our role.
    pub role: Role,
}

/// TURN relays the server gave us for peer connections (empty when it has none).
#[derive(Resource, Debug, Clone, Default)]
pub struct IceServers(pub Vec<IceServer>);

/// Avatars by account id.
#[derive(Resource, Debug, Default)]
pub struct People(pub HashMap<ParticipantId, Entity>);

/// The peers the server introduced us to: link id → person. Only these may talk to us.
#[derive(Resource, Debug, Default)]
pub struct Links(pub HashMap<PeerId, ParticipantId>);

/// The links on which we make the offer (the impolite side of media negotiation).
#[derive(Resource, Debug, Default)]
pub struct OfferLinks(pub std::collections::HashSet<PeerId>);

/// The links that must go through the TURN relay only (booths): no address is exchanged.
#[derive(Resource, Debug, Default)]
pub struct RelayLinks(pub std::collections::HashSet<PeerId>);

/// Someone else's avatar.
#[derive(Component, Debug, Clone, Copy)]
pub struct RemotePerson(pub ParticipantId);

/// Where a remote avatar is heading (its latest known position).
#[derive(Component, Debug, Clone, Copy)]
pub struct RemoteTarget(pub Vec2);

/// The presence systems; whatever reads links, people or positions this frame runs after.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct PresenceSet;

/// What we last told the server.
#[derive(Resource, Debug, Default)]
struct LastSent {
    position: Option<Vec2>,
    at: f32,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<People>()
        .init_resource::<Links>()
        .init_resource::<OfferLinks>()
        .init_resource::<RelayLinks>()
        .init_resource::<LastSent>()
        .add_systems(
            Update,
            (receive_server_messages, interpolate_remote_avatars, send_position)
                .chain()
                .in_set(PresenceSet)
                .run_if(resource_exists::<ServerLink>)
                // The server's first messages wait in the channel until the map is loaded: the
                // places' news readers run only from then on, and a message unread for two
                // frames is gone (a newcomer on a slow machine saw every booth as 準備中).
                .run_if(resource_exists::<Town>),
        );
}

fn spawn_avatar(commands: &mut Commands, person: &Person) -> Entity {
    let at = to_vec2(person.position);
    commands
        .spawn((
            Avatar { look: person.avatar, nickname: person.nickname.clone(), role: person.role },
            Taking(person.participation),
            DoNotDisturb(person.do_not_disturb),
            Facing::default(),
            Walking::default(),
            Transform::from_translation(at.extend(1.0)),
            Visibility::default(),
        ))
        .id()
}

/// Where the links' own bookkeeping lives: all introduced links, ours to offer, relay-only.
type LinkBook<'w> = (ResMut<'w, Links>, ResMut<'w, OfferLinks>, ResMut<'w, RelayLinks>);

fn receive_server_messages(
    mut commands: Commands,
    link: Res<ServerLink>,
    mut people: ResMut<People>,
    (mut links, mut offers, mut relays): LinkBook,
    mut welcomed: ResMut<Welcomed>,
    mut next: ResMut<NextState<Screen>>,
    mut targets: Query<&mut RemoteTarget>,
    mut takings: Query<&mut Taking, With<RemotePerson>>,
    mut me: Query<(&mut Transform, &mut WalkPath, &Taking), (With<LocalPlayer>, Without<RemotePerson>)>,
    mut last_sent: ResMut<LastSent>,
    mut booth_news: MessageWriter<BoothNews>,
    mut help_news: MessageWriter<HelpNews>,
    mut hall_news: MessageWriter<HallNews>,
    (mut program_news, mut gallery_news, known_hours, mut interest): (
        MessageWriter<crate::programs::ProgramNews>,
        MessageWriter<crate::places::gallery::GalleryNews>,
        Res<crate::hours::TownHours>,
        ResMut<crate::interest::Interest>,
    ),
    closed: Option<Res<ClosedReason>>,
) {
    if link.incoming.is_closed() && link.incoming.is_empty() {
        if closed.is_none() {
            let message = t("closed.lost");
            commands.insert_resource(ClosedReason(message.into()));
            next.set(Screen::Closed);
        }
        return;
    }
    let mut latest_hours: Option<protocol::HoursView> = None;
    while let Ok(message) = link.incoming.try_recv() {
        match message {
            ServerMessage::Welcome {
                you, people: others, ice_servers, resumed, links: introduced, server_run, ..
            } => {
                hall_news.write(HallNews::ServerRun(server_run));
                // A welcome after a reconnection is reconciled with what is on screen: people
                // still here stay (no flicker), the others go, newcomers appear.
                let here: HashSet<ParticipantId> = others.iter().map(|person| person.id).collect();
                people.0.retain(|id, entity| {
                    let stays = *id == you.id || here.contains(id);
                    if !stays {
                        commands.entity(*entity).despawn();
                    }
                    stays
                });
                match people.0.get(&you.id).copied().filter(|_| welcomed.0) {
                    Some(_) => {
                        if let Ok((mut transform, mut path, taking)) = me.single_mut() {
                            // A new arrival (the grace period had passed) starts where the server
                            // put it; a resumed page carries on from where it stands now.
                            if !resumed {
                                let at = to_vec2(you.position);
                                transform.translation.x = at.x;
                                transform.translation.y = at.y;
                                path.0.clear();
                            }
                            // The page's own step of the ladder (its microphone) stands.
                            if taking.0 != you.participation {
                                let participation = taking.0;
                                let _ = link.outgoing.try_send(ClientMessage::SetParticipation { participation });
                            }
                        }
                        // Say where we are again: moves made while away were lost.
                        last_sent.position = None;
                        if let Some(entity) = people.0.get(&you.id) {
                            commands.entity(*entity).insert(DoNotDisturb(you.do_not_disturb));
                        }
                    }
                    None => {
                        let entity = spawn_avatar(&mut commands, &you);
                        commands.entity(entity).insert((LocalPlayer, WalkPath::default()));
                        people.0.insert(you.id, entity);
                    }
                }
                commands.insert_resource(Me { id: you.id, nickname: you.nickname.clone(), role: you.role });
                commands.insert_resource(IceServers(ice_servers));
                for person in &others {
                    let at = to_vec2(person.position);
                    match people.0.get(&person.id) {
                        Some(entity) => {
                            let sign = DoNotDisturb(person.do_not_disturb);
                            commands.entity(*entity).insert((RemoteTarget(at), Taking(person.participation), sign));
                        }
                        None => {
                            let entity = spawn_avatar(&mut commands, person);
                            commands.entity(entity).insert((RemotePerson(person.id), RemoteTarget(at)));
                            people.0.insert(person.id, entity);
                        }
                    }
                }
                links.0 = introduced.iter().map(|info| (info.link, info.person)).collect();
                offers.0 = introduced.iter().filter(|info| info.offer).map(|info| info.link).collect();
                relays.0 = introduced.iter().filter(|info| info.relay_only).map(|info| info.link).collect();
                welcomed.0 = true;
            }
            ServerMessage::Joined { person } => {
                let entity = spawn_avatar(&mut commands, &person);
                commands.entity(entity).insert((RemotePerson(person.id), RemoteTarget(to_vec2(person.position))));
                if let Some(previous) = people.0.insert(person.id, entity) {
                    commands.entity(previous).despawn();
                }
            }
            ServerMessage::Left { id } => {
                if let Some(entity) = people.0.remove(&id) {
                    commands.entity(entity).despawn();
                }
            }
            ServerMessage::Moved { moves, interest: area } => {
                if area.is_some() {
                    interest.0 = area;
                }
                for movement in moves {
                    let Some(entity) = people.0.get(&movement.id) else { continue };
                    // Frames carry everyone in view, ourselves too: we know where we are.
                    if me.contains(*entity) {
                        continue;
                    }
                    let position = to_vec2(movement.position);
                    match targets.get_mut(*entity) {
                        Ok(mut target) => target.0 = position,
                        // Spawned by a welcome or a join earlier in this same batch: not in the
                        // world until the commands apply, so the move goes through them too.
                        Err(_) => {
                            commands.entity(*entity).insert(RemoteTarget(position));
                        }
                    }
                }
            }
            ServerMessage::ParticipationChanged { id, participation } => {
                let Some(entity) = people.0.get(&id) else { continue };
                match takings.get_mut(*entity) {
                    Ok(mut taking) => taking.0 = participation,
                    Err(_) => {
                        commands.entity(*entity).insert(Taking(participation));
                    }
                }
            }
            ServerMessage::DoNotDisturbChanged { id, on } => {
                if let Some(entity) = people.0.get(&id) {
                    commands.entity(*entity).insert(DoNotDisturb(on));
                }
            }
            ServerMessage::Introduce { link, person, offer, relay_only } => {
                links.0.insert(link, person);
                if offer {
                    offers.0.insert(link);
                }
                if relay_only {
                    relays.0.insert(link);
                }
            }
            ServerMessage::Separate { link } => {
                links.0.remove(&link);
                offers.0.remove(&link);
                relays.0.remove(&link);
            }
            ServerMessage::Placed { position } => {
                let at = to_vec2(position);
                if let Ok((mut transform, mut path, _)) = me.single_mut() {
                    transform.translation.x = at.x;
                    transform.translation.y = at.y;
                    path.0.clear();
                }
                // The server already has us there: nothing to send back.
                last_sent.position = Some(at);
            }
            ServerMessage::BoothSigns { signs } => {
                booth_news.write(BoothNews::Signs(signs));
            }
            ServerMessage::BoothTicket { ticket } => {
                booth_news.write(BoothNews::Ticket(ticket));
            }
            ServerMessage::BoothDesk { desk } => {
                booth_news.write(BoothNews::Desk(desk));
            }
            // Signals go straight to the peer layer, which reads them off the socket itself.
            ServerMessage::HelpCalls { calls } => {
                help_news.write(HelpNews::Calls(calls));
            }
            ServerMessage::HelpState { status } => {
                help_news.write(HelpNews::State(status));
            }
            ServerMessage::HelpReply { from, text } => {
                help_news.write(HelpNews::Reply { from, text });
            }
            ServerMessage::Hall { view } => {
                hall_news.write(HallNews::View(view));
            }
            ServerMessage::HallPublished { sdp, kind } => {
                hall_news.write(HallNews::Published(kind, sdp));
            }
            ServerMessage::HallFeed { feed, person, kind, sdp } => {
                hall_news.write(HallNews::Feed { feed, person, kind, sdp });
            }
            ServerMessage::HallFeedEnded { feed } => {
                hall_news.write(HallNews::FeedEnded(feed));
            }
            ServerMessage::HallTurnEnded { why } => {
                hall_news.write(HallNews::TurnEnded(why));
            }
            ServerMessage::HallSaid { person, text } => {
                hall_news.write(HallNews::Said(person, text));
            }
            ServerMessage::HallReaction { person, reaction } => {
                hall_news.write(HallNews::Reacted(person, reaction));
            }
            ServerMessage::Programs { programs } => {
                program_news.write(crate::programs::ProgramNews::List(programs));
            }
            ServerMessage::ProgramSoon { program } => {
                program_news.write(crate::programs::ProgramNews::Soon(program));
            }
            ServerMessage::StaffWord { text } => {
                let text = text.unwrap_or_else(|| crate::locale::t("care.entrance_word").to_owned());
                commands.insert_resource(crate::care::StaffWord(Some(text)));
            }
            ServerMessage::VoiceHeld { until } => {
                commands.insert_resource(crate::participation::VoiceHold(until));
            }
            ServerMessage::Reported => {
                commands.insert_resource(crate::safety::ReportSent(true));
            }
            ServerMessage::Announcement { text } => {
                commands.insert_resource(crate::ui::TownAnnouncement(text));
            }
            ServerMessage::Hours { hours } => {
                latest_hours = Some(hours.clone());
                commands.insert_resource(crate::hours::TownHours(hours));
            }
            ServerMessage::ClosingSoon { minutes, at } => {
                commands.insert_resource(crate::hours::ClosingNotice(Some(crate::hours::closing_text(minutes, &at))));
            }
            ServerMessage::Blocks { people } => {
                commands.insert_resource(crate::safety::MyBlocks(people.into_iter().collect()));
            }
            ServerMessage::Videos { videos } => {
                gallery_news.write(GalleryNews::Videos(videos));
            }
            ServerMessage::Showing { showing } => {
                gallery_news.write(GalleryNews::Showing(showing));
            }
            ServerMessage::Clock { sent, server_ms } => {
                gallery_news.write(GalleryNews::Clock { sent, server_ms });
            }
            ServerMessage::Signal { .. } => {}
            ServerMessage::Rejected { code } => {
                warn!("the server refused a message: {}", reject_reason(code));
                booth_news.write(BoothNews::Refused(code));
                gallery_news.write(GalleryNews::Refused(code));
            }
            // The transport shows the wait and reconnects by itself.
            ServerMessage::Restarting => {}
            ServerMessage::Closing { code } => {
                let reason = match code {
                    // The hours come just before, maybe in this same batch.
                    CloseCode::OutsideHours => {
                        crate::hours::closed_text(latest_hours.as_ref().unwrap_or(&known_hours.0))
                    }
                    code => close_reason(code).into(),
                };
                commands.insert_resource(ClosedReason(reason));
                next.set(Screen::Closed);
            }
        }
    }
}

fn reject_reason(code: RejectCode) -> &'static str {
    match code {
        RejectCode::Malformed => "malformed",
        RejectCode::TooLarge => "too large",
        RejectCode::TooFrequent => "too frequent",
        RejectCode::BadPosition => "bad position",
        RejectCode::NotWalkable => "not walkable",
        RejectCode::UnknownPeer => "unknown peer",
        RejectCode::BoothLocked => "booth locked",
        RejectCode::NotAllowed => "not allowed",
        RejectCode::NoSuchVideo => "no such video",
        RejectCode::NotAtScreen => "not at a screen",
        RejectCode::BadControl => "bad control",
        RejectCode::Unavailable => "unavailable",
        RejectCode::AlreadyReceiving => "already receiving",
        RejectCode::WrongPlace => "wrong place",
        RejectCode::NotReceiving => "not receiving",
        RejectCode::NoteTooLong => "note too long",
        RejectCode::NoSuchCaller => "no such caller",
        RejectCode::BadText => "bad text",
        RejectCode::StageTaken => "stage taken",
        RejectCode::SfuUnavailable => "sfu unavailable",
        RejectCode::NoSuchTable => "no such table",
        RejectCode::VoiceHeld => "voice held by staff",
    }
}

/// The Japanese explanation for a closed connection.
pub fn close_reason(code: CloseCode) -> &'static str {
    match code {
        CloseCode::OpenedElsewhere => t("closed.elsewhere"),
        CloseCode::SessionRevoked => t("closed.session_ended"),
        CloseCode::SignedOut => t("closed.signed_out"),
        CloseCode::Suspended => t("closed.suspended"),
        CloseCode::RoleChanged => t("closed.role_changed"),
        CloseCode::AccountDeleted => t("closed.deleted"),
        CloseCode::OutsideHours => t("closed.outside_hours"),
        CloseCode::SessionExpired => t("closed.expired"),
    }
}

fn interpolate_remote_avatars(
    time: Res<Time>,
    mut avatars: Query<(&RemoteTarget, &mut Transform, &mut Facing, &mut Walking), With<RemotePerson>>,
) {
    let blend = 1.0 - (-INTERPOLATION_RATE * time.delta_secs()).exp();
    for (target, mut transform, mut facing, mut walking) in &mut avatars {
        let from = transform.translation.truncate();
        let delta = (target.0 - from) * blend;
        if let Some(new_facing) = Facing::from_motion(delta) {
            *facing = new_facing;
        }
        walking.0 = delta.length() > 0.3;
        transform.translation.x += delta.x;
        transform.translation.y += delta.y;
    }
}

fn send_position(
    time: Res<Time>,
    link: Res<ServerLink>,
    mut last: ResMut<LastSent>,
    player: Query<&Transform, With<LocalPlayer>>,
) {
    let Ok(transform) = player.single() else { return };
    let position = transform.translation.truncate();
    let interval = 1.0 / POSITION_UPDATES_PER_SECOND as f32;
    let now = time.elapsed_secs();
    if last.position == Some(position) || (last.position.is_some() && now - last.at < interval) {
        return;
    }
    if link.outgoing.try_send(ClientMessage::Move { position: to_position(position) }).is_ok() {
        *last = LastSent { position: Some(position), at: now };
    }
}
