//! Relay-only signaling for booth links: only TURN `relay` candidates pass, and the addresses
//! an SDP or candidate could still carry (connection lines, related addresses) are blanked, so
//! neither person in a booth learns the other's IP address from the server, whatever their
//! browser sends.

use protocol::PeerSignal;
use protocol::ice::relay_candidate;

/// The signal as it may reach the other side of a relay-only link, or None when nothing of it
/// may (a host or server-reflexive candidate).
pub fn relay_only(signal: PeerSignal) -> Option<PeerSignal> {
    match signal {
        PeerSignal::IceCandidate(json) => relay_candidate_json(&json).map(PeerSignal::IceCandidate),
        PeerSignal::Offer(sdp) => Some(PeerSignal::Offer(relay_sdp(&sdp))),
        PeerSignal::Answer(sdp) => Some(PeerSignal::Answer(relay_sdp(&sdp))),
    }
}

/// A candidate as JSON (`{"candidate": "candidate:…", …}`): kept, blanked, if it is a relay
/// candidate or the empty end-of-candidates marker.
fn relay_candidate_json(json: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(json).ok()?;
    let line = value.get("candidate")?.as_str()?;
    let kept = if line.is_empty() { String::new() } else { relay_candidate(line)? };
    value["candidate"] = serde_json::Value::String(kept);
    serde_json::to_string(&value).ok()
}

/// An SDP with only relay candidates and no address in its connection or RTCP lines.
fn relay_sdp(sdp: &str) -> String {
    let mut out = String::with_capacity(sdp.len());
    for line in sdp.split_inclusive('\n') {
        let ending = if line.ends_with("\r\n") {
            "\r\n"
        } else if line.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        let text = &line[..line.len() - ending.len()];
        let kept = if let Some(candidate) = text.strip_prefix("a=") {
            if candidate.starts_with("candidate:") {
                relay_candidate(candidate).map(|kept| format!("a={kept}"))
            } else if let Some(rtcp) = candidate.strip_prefix("rtcp:") {
                Some(format!("a=rtcp:{}", blank_address(rtcp)))
            } else {
                Some(text.to_owned())
            }
        } else if let Some(connection) = text.strip_prefix("c=") {
            Some(format!("c={}", blank_address(connection)))
        } else if let Some(origin) = text.strip_prefix("o=") {
            Some(format!("o={}", blank_address(origin)))
        } else {
            Some(text.to_owned())
        };
        if let Some(kept) = kept {
            out.push_str(&kept);
            out.push_str(ending);
        }
    }
    out
}

/// `… IN IP4 <address>` with the address replaced by the unspecified one.
fn blank_address(field: &str) -> String {
    let mut words: Vec<&str> = field.split(' ').collect();
    let family = words.iter().position(|word| *word == "IP4" || *word == "IP6");
    if let Some(at) = family.filter(|at| at + 1 < words.len()) {
        words[at + 1] = if words[at] == "IP4" { "0.0.0.0" } else { "::" };
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0";
    const SRFLX: &str = "candidate:2 1 udp 1686052607 203.0.113.7 40000 typ srflx raddr 192.168.1.20 rport 54321";
    const RELAY: &str = "candidate:3 1 udp 41885439 127.0.0.1 50000 typ relay raddr 203.0.113.7 rport 40000";

    #[test]
    fn only_relay_candidates_pass_and_their_related_address_is_blanked() {
        let json = |line: &str| format!(r#"{{"candidate":"{line}","sdpMid":"0","sdpMLineIndex":0}}"#);
        assert_eq!(relay_only(PeerSignal::IceCandidate(json(HOST))), None);
        assert_eq!(relay_only(PeerSignal::IceCandidate(json(SRFLX))), None);
        let Some(PeerSignal::IceCandidate(kept)) = relay_only(PeerSignal::IceCandidate(json(RELAY))) else {
            panic!("relay kept")
        };
        assert!(kept.contains("127.0.0.1 50000 typ relay raddr 0.0.0.0 rport 0"), "{kept}");
        assert!(!kept.contains("203.0.113.7"), "{kept}");
        assert!(relay_only(PeerSignal::IceCandidate(json(""))).is_some(), "end of candidates passes");
        assert_eq!(relay_only(PeerSignal::IceCandidate("not json".into())), None);
    }

    #[test]
    fn sdp_keeps_relay_candidates_only_and_no_addresses() {
        let sdp = format!(
            "v=0\r\no=- 1 2 IN IP4 192.168.1.20\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n\
             c=IN IP4 192.168.1.20\r\na=rtcp:9 IN IP4 192.168.1.20\r\na={HOST}\r\na={SRFLX}\r\na={RELAY}\r\n\
             a=ice-ufrag:abcd\r\n"
        );
        let Some(PeerSignal::Offer(kept)) = relay_only(PeerSignal::Offer(sdp)) else { panic!("offer kept") };
        assert!(!kept.contains("192.168.1.20"), "{kept}");
        assert!(!kept.contains("203.0.113.7"), "{kept}");
        assert!(kept.contains("c=IN IP4 0.0.0.0\r\n"), "{kept}");
        assert!(kept.contains("a=rtcp:9 IN IP4 0.0.0.0\r\n"), "{kept}");
        assert!(kept.contains("typ relay raddr 0.0.0.0 rport 0\r\n"), "{kept}");
        assert!(kept.ends_with("a=ice-ufrag:abcd\r\n"), "{kept}");
        assert_eq!(kept.matches("a=candidate").count(), 1);
    }
}
