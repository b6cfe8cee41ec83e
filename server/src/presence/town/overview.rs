//! The town as staff see it on いまの様子 (`crate::overview` serves it): who is here, where,
//! on which step of the ladder and for how long, the counts per place and the open calls for
//! help. Someone in a booth is only 「個別相談中」: no name, no step, no time.

use std::collections::BTreeMap;
use std::time::Instant;

use protocol::locale::Lang;

use crate::overview::{HelpRow, Overview, PersonRow, PlaceCount};

use super::Town;

impl Town {
    /// The town now, as staff see it, worded in `lang`.
    pub fn overview(&self, now: Instant, lang: Lang) -> Overview {
        let mut people = Vec::new();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for present in self.people.values() {
            let person = &present.person;
            let in_booth = self.booth_of(person).is_some();
            let place = if in_booth {
                lang.text("now.in_session").to_owned()
            } else {
                self.place_label(person).get(lang).to_owned()
            };
            *counts.entry(place.clone()).or_default() += 1;
            people.push(if in_booth {
                PersonRow {
                    id: None,
                    nickname: None,
                    role: None,
                    place,
                    step: None,
                    minutes: None,
                    away: false,
                    voice_held_until: None,
                }
            } else {
                PersonRow {
                    id: Some(person.id.0),
                    nickname: Some(person.nickname.clone()),
                    role: Some(person.role.label(lang).to_owned()),
                    place,
                    step: Some(person.participation.label(lang).to_owned()),
                    minutes: Some(now.saturating_duration_since(present.arrived).as_secs() / 60),
                    away: present.away_since.is_some(),
                    voice_held_until: self.voice_held_label(person.id),
                }
            });
        }
        // Names first (in order), the booths' rows last: nothing in the order hints who is where.
        people.sort_by(|a, b| (a.nickname.is_none(), &a.nickname).cmp(&(b.nickname.is_none(), &b.nickname)));
        let help = self
            .help
            .list(now, |id| {
                let present = self.people.get(&id)?;
                Some((present.person.nickname.clone(), self.place_label(&present.person)))
            })
            .into_iter()
            .map(|call| HelpRow {
                nickname: call.nickname,
                place: call.place.get(lang).to_owned(),
                minutes: call.minutes,
                answered_by: call.answered_by,
            })
            .collect();
        Overview {
            total: self.people.len(),
            places: counts.into_iter().map(|(place, people)| PlaceCount { place, people }).collect(),
            people,
            help,
        }
    }
}
