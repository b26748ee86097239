//! `escalator callbacks|escalations|reviews …`: the admin API from the command line, against
//! the local store (`--config`'s `store.url`) or a running service (`--server`). Both go
//! through the same admin routes, so the answers, checks and JSON are the API's own.
//! Exit 0 done, 1 not found or refused, 2 usage or configuration.

mod backend;
mod render;

use std::process::ExitCode;

use serde_json::{json, Value};

use crate::cli::{AdminTarget, CallbacksCommand, EscalationsCommand, ReviewsCommand};
use backend::{Failure, Method, Request};
use render::View;

/// What to ask, where, and how to print the answer.
struct Plan {
    request: Request,
    target: AdminTarget,
    view: View,
}

pub async fn callbacks(command: CallbacksCommand) -> ExitCode {
    run(callbacks_plan(command)).await
}

pub async fn escalations(command: EscalationsCommand) -> ExitCode {
    run(escalations_plan(command)).await
}

pub async fn reviews(command: ReviewsCommand) -> ExitCode {
    run(reviews_plan(command)).await
}

fn callbacks_plan(command: CallbacksCommand) -> Result<Plan, Failure> {
    let seg = |r: &str, what: &str| vec!["callbacks".to_string(), r.to_string(), what.into()];
    let change =
        |target: AdminTarget, segments: Vec<String>, mut body: Value| -> Result<Plan, Failure> {
            body["actor"] = json!(actor(&target)?);
            Ok(Plan {
                request: Request::new(Method::Post, segments).body(body),
                target,
                view: View::Callback,
            })
        };
    match command {
        CallbacksCommand::List {
            status,
            owner,
            team,
            overdue,
            due_before,
            limit,
            target,
        } => {
            let query = [
                ("status", status),
                ("owner", owner),
                ("team", team),
                ("overdue", overdue.then(|| "true".to_string())),
                ("due_before", due_before),
                ("limit", limit.map(|l| l.to_string())),
            ];
            Ok(Plan {
                request: Request::new(Method::Get, vec!["callbacks".into()]).query(&query),
                target,
                view: View::Callbacks,
            })
        }
        CallbacksCommand::Show { reference, target } => Ok(Plan {
            request: Request::new(Method::Get, vec!["callbacks".into(), reference]),
            target,
            view: View::Callback,
        }),
        CallbacksCommand::Attempt {
            reference,
            outcome,
            notes,
            target,
        } => change(
            target,
            seg(&reference, "attempts"),
            json!({"outcome": outcome, "notes": notes}),
        ),
        CallbacksCommand::Complete {
            reference,
            notes,
            target,
        } => change(target, seg(&reference, "complete"), json!({"notes": notes})),
        CallbacksCommand::Cancel {
            reference,
            reason,
            target,
        } => change(target, seg(&reference, "cancel"), json!({"reason": reason})),
        CallbacksCommand::Reschedule {
            reference,
            start,
            end,
            reason,
            target,
        } => change(
            target,
            seg(&reference, "reschedule"),
            json!({"window_start": start, "window_end": end, "reason": reason}),
        ),
        CallbacksCommand::Reassign {
            reference,
            owner,
            reason,
            target,
        } => change(
            target,
            seg(&reference, "reassign"),
            json!({"owner": owner, "reason": reason}),
        ),
    }
}

fn escalations_plan(command: EscalationsCommand) -> Result<Plan, Failure> {
    match command {
        EscalationsCommand::List {
            vendor,
            team,
            status,
            since,
            limit,
            target,
        } => {
            let query = [
                ("vendor", vendor),
                ("team", team),
                ("status", status),
                ("since", since),
                ("limit", limit.map(|l| l.to_string())),
            ];
            Ok(Plan {
                request: Request::new(Method::Get, vec!["escalations".into()]).query(&query),
                target,
                view: View::Escalations,
            })
        }
        EscalationsCommand::Show { id, target } => Ok(Plan {
            request: Request::new(Method::Get, vec!["escalations".into(), id]),
            target,
            view: View::Escalation,
        }),
    }
}

fn reviews_plan(command: ReviewsCommand) -> Result<Plan, Failure> {
    match command {
        ReviewsCommand::Next { limit, target } => Ok(Plan {
            request: Request::new(Method::Get, vec!["reviews".into()])
                .query(&[("limit", Some(limit.to_string()))]),
            target,
            view: View::ReviewQueue,
        }),
        ReviewsCommand::Record {
            id,
            outcome,
            notes,
            target,
        } => {
            let body = json!({"reviewer": actor(&target)?, "outcome": outcome, "notes": notes});
            Ok(Plan {
                request: Request::new(Method::Post, vec!["reviews".into(), id]).body(body),
                target,
                view: View::Reviewed,
            })
        }
    }
}

fn actor(target: &AdminTarget) -> Result<String, Failure> {
    target
        .actor
        .clone()
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| Failure::usage("--actor: say who makes the change (or set $USER)"))
}

async fn run(plan: Result<Plan, Failure>) -> ExitCode {
    let outcome = match plan {
        Ok(plan) => backend::send(&plan.request, &plan.target)
            .await
            .map(|answer| (answer, plan)),
        Err(f) => Err(f),
    };
    match outcome {
        Ok((answer, plan)) => {
            if plan.target.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&answer).unwrap_or_default()
                );
            } else {
                print!("{}", render::text(plan.view, &answer));
            }
            ExitCode::SUCCESS
        }
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
