//! Fuzzes the Cloud API's request bodies the way the handlers read them: a transaction task
//! (`read_json` then `validate_transaction`), a close-batch task (`batch_body`) and the OAuth
//! token form. Every refusal must be a 4xx answer, never a panic or a 5xx.

#![no_main]

use http::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use payterm::http::read_json;
use payterm::profile::Profile;
use payterm::surfaces::cloud::auth::{TokenSecret, TokenService};
use payterm::surfaces::cloud::dto::CreateCloudTaskTransactionApiRequest;
use payterm::surfaces::cloud::{batch_body, validate_transaction};
use payterm::world::World;
use payterm::time::VirtualTime;
use payterm::world::task::TaskRequest;
use payterm::world::terminal::{Merchant, TerminalConfig};

fuzz_target!(|data: &[u8]| {
    let profile = Profile::default();
    match read_json::<CreateCloudTaskTransactionApiRequest>(data) {
        Err(e) => assert_eq!(e.status, 400, "{e:?}"),
        Ok(body) => match validate_transaction(body, &profile) {
            Err(e) => {
                assert_eq!(e.status, 400, "{e:?}");
                assert!(e.extra.contains_key("field"), "a 400 names the field: {e:?}");
            }
            Ok(TaskRequest::Sale(s)) => assert!(s.amount > 0 && s.amount <= profile.max_amount, "{s:?}"),
            Ok(_) => {}
        },
    }
    if let Err(e) = batch_body(data) {
        assert_eq!(e.status, 400, "{e:?}");
    }

    // The token form: the documented client and merchant, so the grants are really reached.
    let mut world = World::new(1, VirtualTime::DEFAULT_START, profile);
    world.add_merchant(Merchant::documented_example());
    world.add_terminal(TerminalConfig::documented_example());
    // From the seed: the same inputs take the same paths on every run.
    let tokens = TokenService::new("atom", "ashfuf4e5fa", 1, TokenSecret::FromSeed).expect("a seeded secret needs no entropy");
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic YXRvbTphc2hmdWY0ZTVmYQ=="));
    let reply = tokens.token_endpoint(&headers, data, &world);
    assert!(reply.status().as_u16() < 500, "the token form answered {}", reply.status());
});
