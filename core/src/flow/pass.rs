//! A request that bypasses the cache: to the origin with its body, and
//! the origin's answer back as it is.

use crate::cache_status::CacheOutcome;
use crate::reason::PassReason;
use crate::request::OriginRequest;

use super::exchange::Exchange;
use super::fetch::Answer;
use super::finish::{EdgeReply, Finish};

/// Send [`Pass::request`] with the viewer's body, then report with
/// [`Pass::answered`].
#[derive(Debug)]
pub struct Pass<'c> {
    ex: Exchange<'c>,
    reason: PassReason,
}

/// What to do after the origin answered a pass.
#[derive(Debug)]
pub enum AfterPass {
    /// Forward the origin's response as received.
    Forward(Finish),
    /// The edge's own 502 or 504.
    Respond(EdgeReply),
}

impl<'c> Pass<'c> {
    pub(crate) fn new(ex: Exchange<'c>, reason: PassReason) -> Pass<'c> {
        Pass { ex, reason }
    }

    /// Why the cache is bypassed.
    pub fn reason(&self) -> PassReason {
        self.reason
    }

    /// The request to send, with the viewer's body.
    pub fn request(&self) -> &OriginRequest<'c, 'static> {
        &self.ex.plan.origin_request
    }

    /// Decides from the origin's answer.
    pub fn answered(self, answer: Answer<'_>) -> AfterPass {
        match answer {
            Answer::Response(response) => {
                let outcome = CacheOutcome::Pass {
                    status: response.status,
                    reason: self.reason,
                };
                AfterPass::Forward(self.ex.finish(outcome, None))
            }
            Answer::Failed(failure) => {
                let finish = self.ex.finish(CacheOutcome::unavailable(failure), None);
                AfterPass::Respond(EdgeReply::unavailable(failure, finish))
            }
        }
    }
}
