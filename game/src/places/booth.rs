//! Counseling booths on the client: the door signs, our ticket (knocking, waiting, let in, or a
//! notice), the counselor's desk, the booth we stand in or at the door of, and which booths are
//! closed to us (walls for walking and for paths; the server refuses the moves anyway). What is
//! said inside a booth's chat is forgotten when we leave it. The panels are in `booth_panel.rs`.

use std::collections::HashSet;

use bevy::prelude::*;
use protocol::{
    BoothRequest, BoothSign, BoothState, ClientMessage, Desk, KNOCK_REACH, PlaceId, PlaceKind, RejectCode, Role,
    SlotView, Ticket,
};

use crate::chat::ChatLog;
use crate::locale::t;
use crate::map::{Barriers, Town, to_position, to_vec2};
use crate::movement::{LocalPlayer, WalkTo};
use crate::participation::MediaNotice;
use crate::presence::{Me, PresenceSet, ServerLink};

/// News about booths from the server, handed on by presence.
#[derive(Message, Debug, Clone)]
pub enum BoothNews {
    /// Every booth's door sign.
    Signs(Vec<BoothSign>),
    /// Our ticket.
    Ticket(Option<Ticket>),
    /// Our desk, while we receive.
    Desk(Option<Desk>),
    /// The server refused one of our messages.
    Refused(RejectCode),
}

/// Something we ask of the booths (from the panels).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct AskBooth(pub BoothRequest);

/// Every booth's door sign.
#[derive(Resource, Debug, Default, Clone)]
pub struct BoothSigns(pub Vec<BoothSign>);

impl BoothSigns {
    /// The sign of one booth.
    pub fn of(&self, booth: &PlaceId) -> Option<&BoothSign> {
        self.0.iter().find(|sign| &sign.booth == booth)
    }

    /// How many booths are 相談中.
    pub fn sessions(&self) -> usize {
        self.0.iter().filter(|sign| sign.state == BoothState::InSession).count()
    }
}

/// Where we stand with a booth: knocking, waiting, let in, or a notice to put away.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct MyTicket(pub Option<Ticket>);

/// Our desk while we receive in a booth.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct MyDesk(pub Option<Desk>);

/// The booth we stand in, and the booth whose door we stand at (outside it).
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct BoothSpot {
    /// The booth we are inside.
    pub inside: Option<PlaceId>,
    /// The booth whose door is near us, when we are outside every booth.
    pub at_door: Option<PlaceId>,
}

/// The note typed for a knock (from the page's text field, so Japanese input works).
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct KnockNote(pub String);

/// The counseling times published, as the server lists them for us, and what the last
/// booking or cancelling said (Japanese), if it failed.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct BoothSlots {
    /// Upcoming times, earliest first.
    pub slots: Vec<SlotView>,
    /// A problem to show, if any.
    pub problem: Option<String>,
}

/// Something we ask about reservations (carried over HTTP by the web layer).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotAsk {
    /// List the times again.
    Load,
    /// Book this time.
    Book(i64),
    /// Cancel our booking of this time.
    Cancel(i64),
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<BoothNews>()
        .add_message::<AskBooth>()
        .init_resource::<BoothSigns>()
        .init_resource::<MyTicket>()
        .init_resource::<MyDesk>()
        .init_resource::<BoothSpot>()
        .init_resource::<KnockNote>()
        .init_resource::<BoothSlots>()
        .add_message::<SlotAsk>()
        .add_systems(
            Update,
            (
                apply_booth_news,
                send_booth_requests,
                find_booth_spot,
                load_slots_at_doors,
                close_doors,
                forget_booth_chat,
            )
                .chain()
                .after(PresenceSet)
                .run_if(resource_exists::<Town>),
        );
}

fn apply_booth_news(
    mut news: MessageReader<BoothNews>,
    mut signs: ResMut<BoothSigns>,
    mut ticket: ResMut<MyTicket>,
    mut desk: ResMut<MyDesk>,
    mut notice: ResMut<MediaNotice>,
) {
    for item in news.read() {
        match item {
            BoothNews::Signs(new) => signs.0 = new.clone(),
            BoothNews::Ticket(new) => ticket.0 = new.clone(),
            BoothNews::Desk(new) => desk.0 = new.clone(),
            BoothNews::Refused(code) => {
                if let Some(text) = refusal(*code) {
                    notice.0 = Some(text.into());
                }
            }
        }
    }
}

/// What to tell a person whose booth request the server refused (Japanese).
pub fn refusal(code: RejectCode) -> Option<&'static str> {
    Some(match code {
        RejectCode::BoothLocked => t("booth.refused.locked"),
        RejectCode::AlreadyReceiving => t("booth.refused.already_receiving"),
        RejectCode::WrongPlace => t("booth.refused.wrong_place"),
        RejectCode::NotReceiving => t("booth.refused.not_receiving"),
        RejectCode::NoteTooLong => t("booth.refused.note_too_long"),
        RejectCode::NoSuchCaller => t("booth.refused.no_caller"),
        RejectCode::NotAllowed => t("refused.not_allowed"),
        RejectCode::BadText => t("refused.bad_text"),
        RejectCode::StageTaken => t("refused.stage_taken"),
        RejectCode::NoSuchTable => t("refused.no_table"),
        RejectCode::VoiceHeld => t("refused.voice_held"),
        RejectCode::SfuUnavailable => t("refused.sfu"),
        _ => return None,
    })
}

fn send_booth_requests(mut asks: MessageReader<AskBooth>, link: Res<ServerLink>) {
    for AskBooth(request) in asks.read() {
        let _ = link.outgoing.try_send(ClientMessage::Booth { request: request.clone() });
    }
}

fn find_booth_spot(town: Res<Town>, player: Query<&Transform, With<LocalPlayer>>, mut spot: ResMut<BoothSpot>) {
    let Ok(transform) = player.single() else { return };
    let here = to_position(transform.translation.truncate());
    let map = &town.0;
    let inside = map.place_at(here).filter(|place| place.kind == PlaceKind::Booth).map(|place| place.id.clone());
    let at_door = if inside.is_some() {
        None
    } else {
        map.places.iter().filter(|place| place.kind == PlaceKind::Booth).find_map(|place| {
            let near = map
                .doors(place)
                .iter()
                .any(|door| map.tile_center(door.outside.0, door.outside.1).distance(here) <= KNOCK_REACH * 0.75);
            near.then(|| place.id.clone())
        })
    };
    let new = BoothSpot { inside, at_door };
    if *spot != new {
        *spot = new;
    }
}

/// The booths whose door lets us in now: the one we are in, the one we receive in, the one we
/// were let into, and, for counselors and staff, booths nobody receives in.
pub fn open_to_me(
    role: Role,
    signs: &BoothSigns,
    ticket: &MyTicket,
    desk: &MyDesk,
    spot: &BoothSpot,
) -> HashSet<PlaceId> {
    let mut open: HashSet<PlaceId> = spot.inside.iter().cloned().collect();
    open.extend(desk.0.as_ref().map(|desk| desk.booth.clone()));
    if let Some(Ticket::Admitted { booth } | Ticket::Reserved { booth, .. }) = &ticket.0 {
        open.insert(booth.clone());
    }
    if matches!(role, Role::Counselor | Role::Staff) && desk.0.is_none() {
        open.extend(signs.0.iter().filter(|sign| sign.state == BoothState::Preparing).map(|sign| sign.booth.clone()));
    }
    open
}

fn close_doors(
    town: Res<Town>,
    me: Option<Res<Me>>,
    signs: Res<BoothSigns>,
    ticket: Res<MyTicket>,
    desk: Res<MyDesk>,
    spot: Res<BoothSpot>,
    mut barriers: ResMut<Barriers>,
) {
    let Some(me) = me else { return };
    // Walls change only when what opens a door changes.
    let inputs_changed = me.is_changed() || signs.is_changed() || ticket.is_changed() || desk.is_changed();
    if !inputs_changed && !spot.is_changed() {
        return;
    }
    let open = open_to_me(me.role, &signs, &ticket, &desk, &spot);
    let map = &town.0;
    let mut closed = Barriers::default();
    for place in map.places.iter().filter(|place| place.kind == PlaceKind::Booth && !open.contains(&place.id)) {
        let Some(door) = map.doors(place).first().copied() else { continue };
        let area = place.area;
        for row in area.row..area.row + area.height {
            for col in area.col..area.col + area.width {
                closed.0.insert((col, row), door.outside);
            }
        }
    }
    if *barriers != closed {
        *barriers = closed;
    }
}

/// Arriving at a booth's door lists the times to book there.
fn load_slots_at_doors(spot: Res<BoothSpot>, mut asks: MessageWriter<SlotAsk>) {
    if spot.is_changed() && spot.at_door.is_some() {
        asks.write(SlotAsk::Load);
    }
}

/// What was said in a booth is gone from our chat log once we leave it.
fn forget_booth_chat(spot: Res<BoothSpot>, mut was_inside: Local<bool>, mut log: ResMut<ChatLog>) {
    let inside = spot.inside.is_some();
    if *was_inside && !inside {
        log.forget_private();
    }
    *was_inside = inside;
}

/// Walks to just inside a booth's door (「向かう」).
pub fn walk_into(town: &Town, booth: &PlaceId, walk: &mut MessageWriter<WalkTo>) {
    let Some(place) = town.0.place(booth) else { return };
    if let Some(door) = town.0.doors(place).first() {
        walk.write(WalkTo(to_vec2(town.0.tile_center(door.inside.0, door.inside.1))));
    }
}
