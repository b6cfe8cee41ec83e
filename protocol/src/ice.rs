//! ICE candidate lines, as both sides need them for booths: only TURN relay candidates may be
//! exchanged there, with the related address (the person's own address) blanked.

/// One candidate line (`candidate:… typ relay raddr … rport …`): kept, with its related
/// address blanked, only when its type is relay.
pub fn relay_candidate(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let kind = words.iter().position(|word| *word == "typ").and_then(|at| words.get(at + 1))?;
    if *kind != "relay" {
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        out.push(word.to_owned());
        match word {
            "raddr" => {
                words.next();
                out.push("0.0.0.0".to_owned());
            }
            "rport" => {
                words.next();
                out.push("0".to_owned());
            }
            _ => {}
        }
    }
    Some(out.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_candidates_keep_no_address_of_the_person() {
        let host = "candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0";
        assert_eq!(relay_candidate(host), None);
        let relay = "candidate:3 1 udp 41885439 127.0.0.1 50000 typ relay raddr 192.168.1.20 rport 54321 generation 0";
        assert_eq!(
            relay_candidate(relay).as_deref(),
            Some("candidate:3 1 udp 41885439 127.0.0.1 50000 typ relay raddr 0.0.0.0 rport 0 generation 0")
        );
        assert_eq!(relay_candidate("garbage"), None);
    }
}
