//! Table groups in hall B over a real WebSocket on 127.0.0.1:0: people at the same table are
//! introduced to each other and to nobody at another table (the server's rule, whatever a
//! client asks); everyone inside is shown the tables with their counts and their own table;
//! only a facilitator sets the groups and labels the tables, and bad labels are refused with
//! typed errors.

mod common;

use common::{Person, TestServer, enter, enter_as, hall, hall_view as view, introduced_to, rejected};
use protocol::{HallRequest, ParticipantId, RejectCode, Role, ServerMessage};

/// Floor tiles at hall B's three tables (the map's `tables`), one out of every table, and one
/// on its stage.
const TABLE_1: [(u32, u32); 2] = [(35, 2), (38, 4)];
const TABLE_2: (u32, u32) = (39, 2);
const NO_TABLE: (u32, u32) = (40, 6);

async fn never_introduced_to(person: &mut Person, others: &[ParticipantId]) -> bool {
    person.never(|m| matches!(m, ServerMessage::Introduce { person, .. } if others.contains(person))).await
}

#[tokio::test]
async fn each_table_talks_among_itself_and_is_shown_to_the_hall() {
    let server = TestServer::start().await;
    let mut a = enter(&server, "あおい").await;
    a.move_to(server.at(TABLE_1[0].0, TABLE_1[0].1)).await;
    let seated = view(&mut a, |v| v.my_table == Some(0)).await.expect("a sits at table 1");
    assert_eq!(seated.tables.len(), 3);
    assert_eq!(seated.tables[0].people, 1);

    let mut b = enter(&server, "ひかり").await;
    b.move_to(server.at(TABLE_1[1].0, TABLE_1[1].1)).await;
    introduced_to(&mut b, a.id).await.expect("b meets a at their table");
    let mut c = enter(&server, "そら").await;
    c.move_to(server.at(TABLE_2.0, TABLE_2.1)).await;
    view(&mut c, |v| v.my_table == Some(1)).await.expect("c sits at table 2");
    assert!(never_introduced_to(&mut c, &[a.id, b.id]).await, "nobody across tables");
    let mut d = enter(&server, "うみ").await;
    d.move_to(server.at(NO_TABLE.0, NO_TABLE.1)).await;
    let standing = view(&mut d, |v| v.tables[0].people == 2 && v.tables[1].people == 1).await.expect("counts");
    assert_eq!(standing.my_table, None);
    assert!(never_introduced_to(&mut d, &[a.id, b.id, c.id]).await, "the tables are not heard from the hall");

    // Moving to table 1 joins its conversation and leaves table 2's.
    c.move_to(server.at(TABLE_1[0].0 + 3, TABLE_1[0].1 + 3)).await;
    introduced_to(&mut c, a.id).await.expect("c now meets a");
    view(&mut a, |v| v.tables[0].people == 3 && v.tables[1].people == 0).await.expect("a sees the counts move");
}

#[tokio::test]
async fn only_a_facilitator_sets_groups_and_labels_tables() {
    let server = TestServer::start().await;
    let mut f = enter_as(&server, Role::Facilitator, "ファシリ").await;
    let mut a = enter(&server, "あおい").await;
    f.move_to(server.at(NO_TABLE.0, NO_TABLE.1)).await;
    a.move_to(server.at(TABLE_2.0, TABLE_2.1)).await;
    view(&mut a, |v| v.my_table == Some(1)).await.expect("a at table 2");

    let groups: Vec<String> = ["10代・20代", "30代", "40代以上"].map(String::from).to_vec();
    hall(&mut a, HallRequest::SetGroups { labels: groups.clone() }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::NotAllowed));
    hall(&mut a, HallRequest::LabelTable { table: 0, label: None }).await;
    assert_eq!(rejected(&mut a).await, Some(RejectCode::NotAllowed));

    hall(&mut f, HallRequest::SetGroups { labels: vec!["30代".into(), " 30代 ".into()] }).await;
    assert_eq!(rejected(&mut f).await, Some(RejectCode::BadText), "the same group twice");
    hall(&mut f, HallRequest::SetGroups { labels: vec!["あ".repeat(17)] }).await;
    assert_eq!(rejected(&mut f).await, Some(RejectCode::BadText), "too long");
    hall(&mut f, HallRequest::SetGroups { labels: (0..9).map(|n| n.to_string()).collect() }).await;
    assert_eq!(rejected(&mut f).await, Some(RejectCode::TooLarge));
    hall(&mut f, HallRequest::SetGroups { labels: groups.clone() }).await;
    view(&mut a, |v| v.groups == groups).await.expect("everyone sees the groups");
    hall(&mut f, HallRequest::LabelTable { table: 1, label: Some("30代".into()) }).await;
    let labelled = view(&mut a, |v| v.tables[1].label.is_some()).await.expect("a sees the label");
    assert_eq!(labelled.tables[1].label.as_deref(), Some("30代"));
    hall(&mut f, HallRequest::LabelTable { table: 3, label: None }).await;
    assert_eq!(rejected(&mut f).await, Some(RejectCode::NoSuchTable));
    hall(&mut f, HallRequest::LabelTable { table: 0, label: Some("50代".into()) }).await;
    assert_eq!(rejected(&mut f).await, Some(RejectCode::BadText), "only one of the groups");

    // A group that goes takes its label off the tables.
    hall(&mut f, HallRequest::SetGroups { labels: vec!["10代・20代".into()] }).await;
    let cleared = view(&mut a, |v| v.groups.len() == 1).await.expect("new groups");
    assert_eq!(cleared.tables[1].label, None);

    // Outside hall B (in hall A, which has no tables) there is nothing to label.
    f.move_to(server.at(28, 4)).await;
    view(&mut f, |v| v.hall.0 == "hall-1").await.expect("f in hall A");
    hall(&mut f, HallRequest::LabelTable { table: 0, label: None }).await;
    assert_eq!(rejected(&mut f).await, Some(RejectCode::NoSuchTable));
}
