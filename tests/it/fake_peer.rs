//! The FakePeer itself: it must record what it receives and answer what it is
//! told, or the federation tests built on it prove nothing.

use crate::common::peer::FakePeer;

#[test]
fn fake_peer_answers_and_records() {
    let peer = FakePeer::start();
    peer.respond("/users/alice", 200, "application/activity+json", br#"{"id":"x"}"#);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut ok = agent
        .get(&format!("{}/users/alice", peer.base()))
        .header("accept", "application/activity+json")
        .call()
        .expect("get");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.body_mut().read_to_string().expect("body"), r#"{"id":"x"}"#);
    let missing = agent
        .post(&format!("{}/inbox", peer.base()))
        .send(b"{\"type\":\"Follow\"}".as_slice())
        .expect("post");
    assert_eq!(missing.status(), 404);
    let seen = peer.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("accept"), Some("application/activity+json"));
    assert_eq!((seen[1].method.as_str(), seen[1].path.as_str()), ("POST", "/inbox"));
    assert_eq!(seen[1].body, b"{\"type\":\"Follow\"}");
}
