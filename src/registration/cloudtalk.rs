//! CloudTalk: Workflow Automations have no API (vendor doc §7), so nothing is sent. Register
//! prints the template to paste, with the secret shown as its variable's name.

use std::fmt::Write as _;

use escalator_adapters::Vendor;

use super::common::{escalator_url, secret_placeholder};
use super::{Ctx, Failure, Op};

const V: Vendor = Vendor::Cloudtalk;

const NO_API: &str =
    "CloudTalk has no API to create, list or delete Workflow Automations or Call Flow \
                      HTTP Request steps: nothing was sent to CloudTalk.";

pub(super) fn run(ctx: &Ctx<'_>, out: &mut String) -> Result<(), Failure> {
    match ctx.request.op {
        Op::Register => {
            let url = escalator_url(ctx.request)?;
            let text = escalator_adapters::template(V, &url, secret_placeholder(V).expose())
                .ok_or_else(|| Failure::usage("no CloudTalk template in this build"))?;
            let _ = writeln!(
                out,
                "{NO_API} Create them in Settings > Workflow Automations from this template \
                 (same as `escalator webhooks template cloudtalk`; put the value of \
                 $ESCALATOR_CLOUDTALK_WEBHOOK_SECRET where it is named):\n"
            );
            out.push_str(&text);
        }
        Op::List => {
            let _ = writeln!(
                out,
                "{NO_API} See Settings > Workflow Automations in CloudTalk for what exists."
            );
        }
        Op::Remove => {
            let _ = writeln!(
                out,
                "{NO_API} Delete Escalator's automations in Settings > Workflow Automations."
            );
        }
    }
    Ok(())
}
