//! One route whose answer changes from one request to the next, such as a 429, then a 5xx
//! burst, then success. Each step is a mock limited to its share of the requests and ranked
//! by wiremock priority, so the steps answer in the order given whatever else is mounted.

use wiremock::{MockBuilder, MockServer, ResponseTemplate};

/// The steps of one route, built with [`in_turn`].
pub struct InTurn<F> {
    route: F,
    steps: Vec<(ResponseTemplate, Option<u64>)>,
}

/// Starts the steps of the requests `route` matches (a closure, because each step mounts a
/// mock of its own).
pub fn in_turn<F: Fn() -> MockBuilder>(route: F) -> InTurn<F> {
    InTurn {
        route,
        steps: Vec::new(),
    }
}

impl<F: Fn() -> MockBuilder> InTurn<F> {
    /// The next `times` requests get `reply`.
    pub fn times(mut self, times: u64, reply: ResponseTemplate) -> Self {
        self.steps.push((reply, Some(times)));
        self
    }

    /// The next request gets `reply`.
    pub fn once(self, reply: ResponseTemplate) -> Self {
        self.times(1, reply)
    }

    /// A burst: one request each gets a bare answer with each of `statuses`, in order.
    pub fn statuses(self, statuses: &[u16]) -> Self {
        statuses.iter().fold(self, |turn, &status| {
            turn.once(ResponseTemplate::new(status))
        })
    }

    /// Every request after the steps so far gets `reply`; the last step to add.
    pub fn then_always(mut self, reply: ResponseTemplate) -> Self {
        self.steps.push((reply, None));
        self
    }

    pub async fn mount(self, server: &MockServer) {
        for (rank, (reply, times)) in self.steps.into_iter().enumerate() {
            // Priority 1 is served first; wiremock refuses 0.
            let priority = u8::try_from(rank + 1).expect("at most 255 steps on one route");
            let mock = (self.route)().respond_with(reply).with_priority(priority);
            match times {
                Some(n) => mock.up_to_n_times(n),
                None => mock,
            }
            .mount(server)
            .await;
        }
    }
}
