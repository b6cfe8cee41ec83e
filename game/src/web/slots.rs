//! Reservations over HTTP (wasm32 only): lists the published counseling times, books and
//! cancels them with the page's own session cookie, and hands the results to Bevy.

use bevy::prelude::*;
use protocol::SlotView;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{RequestInit, Response};

use crate::places::booth::{BoothSlots, SlotAsk};

/// What an HTTP exchange came back with.
enum SlotReply {
    Listed(Vec<SlotView>),
    Problem(String),
}

#[derive(Resource)]
struct SlotReplies {
    sender: async_channel::Sender<SlotReply>,
    receiver: async_channel::Receiver<SlotReply>,
}

pub fn plugin(app: &mut App) {
    let (sender, receiver) = async_channel::unbounded();
    app.insert_resource(SlotReplies { sender, receiver }).add_systems(Update, (send_slot_asks, apply_slot_replies));
}

fn send_slot_asks(mut asks: MessageReader<SlotAsk>, replies: Res<SlotReplies>) {
    for ask in asks.read().copied() {
        let sender = replies.sender.clone();
        spawn_local(async move {
            let change = match ask {
                SlotAsk::Load => Ok(()),
                SlotAsk::Book(id) => request("POST", &format!("/api/booth-slots/{id}/book")).await.map(drop),
                SlotAsk::Cancel(id) => request("DELETE", &format!("/api/booth-slots/{id}/book")).await.map(drop),
            };
            if let Err(problem) = change {
                let _ = sender.try_send(SlotReply::Problem(problem));
            }
            let listed = match request("GET", "/api/booth-slots").await {
                Ok(response) => read_json::<Vec<SlotView>>(&response).await.map(SlotReply::Listed),
                Err(problem) => Err(problem),
            };
            let _ = sender.try_send(listed.unwrap_or_else(SlotReply::Problem));
        });
    }
}

fn apply_slot_replies(replies: Res<SlotReplies>, mut slots: ResMut<BoothSlots>) {
    while let Ok(reply) = replies.receiver.try_recv() {
        match reply {
            SlotReply::Listed(list) => {
                slots.slots = list;
            }
            SlotReply::Problem(problem) => slots.problem = Some(problem),
        }
    }
}

/// What a failed exchange tells the person (Japanese).
fn unreachable() -> &'static str {
    crate::locale::t("slots.unreachable")
}

async fn request(method: &str, url: &str) -> Result<Response, String> {
    let window = web_sys::window().ok_or(unreachable())?;
    let init = RequestInit::new();
    init.set_method(method);
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|_| unreachable())?;
    let response: Response = response.dyn_into().map_err(|_| unreachable())?;
    if response.ok() {
        return Ok(response);
    }
    // The server's errors carry a Japanese message.
    let body = match response.json() {
        Ok(promise) => JsFuture::from(promise).await.ok(),
        Err(_) => None,
    };
    let message = body.and_then(|body| js_sys::Reflect::get(&body, &JsValue::from_str("message")).ok());
    Err(message.and_then(|m| m.as_string()).unwrap_or_else(|| unreachable().to_owned()))
}

async fn read_json<T: serde::de::DeserializeOwned>(response: &Response) -> Result<T, String> {
    let text = JsFuture::from(response.text().map_err(|_| unreachable())?).await.map_err(|_| unreachable())?;
    serde_json::from_str(&text.as_string().unwrap_or_default()).map_err(|_| unreachable().to_owned())
}
