//! The cost budget of one evaluation.
//!
//! The `cel` crate has no cost tracking and no way to interrupt an evaluation. A CEL program is not
//! Turing complete: without comprehensions its evaluation is linear in its (bounded, see
//! [`super::guard`]) size, except for functions whose result can be much larger than their
//! arguments. So the budget is charged
//! - once per comprehension iteration, plus the size of the value the iteration produced: the
//!   compiler rewrites every comprehension to call [`TICK`] (see [`super::rewrite`]);
//! - by every function of ours in proportion to the work it does and the size of what it returns
//!   (string functions, `replace`, `join`, regex, ...), through [`charge`].
//!
//! Units follow Kubernetes' cost model loosely: one unit per comprehension iteration or function
//! call, plus one per 16 bytes of string produced or scanned and one per list/map element.
//! Kubernetes' per-expression runtime limit is 1,000,000 units (`celconfig.PerCallLimit`), which
//! is also our default. There is no wall-clock deadline: the findings must not depend on the
//! machine's speed or load (the hostile expressions of `tests/bounds.rs` all stop by cost alone).
//!
//! The budget lives in a thread-local: the crate's functions are plain `fn` pointers with no state
//! of their own, and one evaluation always runs on one thread.

use std::cell::Cell;
/// Kubernetes' `celconfig.PerCallLimit`: the runtime cost limit of one expression.
pub const PER_CALL_LIMIT: u64 = 1_000_000;

/// The variable the rewritten comprehensions read once per iteration, followed by the cost of
/// one iteration (`@kubevet_tick6`, see [`super::rewrite::weight`]): the activation resolves it to
/// `true` and charges that cost (a variable lookup is much cheaper than a function call in
/// the `cel` interpreter, which looks functions up by name on every call).
pub const TICK_VAR: &str = "@kubevet_tick";
/// The function name budget errors are reported under.
pub const TICK: &str = "@kubevet_budget";

/// Why an evaluation was stopped: its cost budget ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    Cost,
}

struct State {
    remaining: Cell<u64>,
    exhausted: Cell<Option<Exhausted>>,
}

thread_local! {
    static STATE: State = const { State {
        remaining: Cell::new(u64::MAX),
        exhausted: Cell::new(None),
    } };
}

/// Arms the budget for one evaluation; the guard disarms it when dropped.
pub fn arm(limit: u64) -> Armed {
    STATE.with(|s| {
        s.remaining.set(limit);
        s.exhausted.set(None);
    });
    Armed { limit }
}

pub struct Armed {
    limit: u64,
}

impl Armed {
    /// The cost spent so far.
    pub fn spent(&self) -> u64 {
        self.limit - STATE.with(|s| s.remaining.get())
    }

    /// Whether (and why) the budget ran out.
    pub fn exhausted(&self) -> Option<Exhausted> {
        STATE.with(|s| s.exhausted.get())
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        STATE.with(|s| {
            s.remaining.set(u64::MAX);
            s.exhausted.set(None);
        });
    }
}

/// Charges `units`; `Err` once the budget is exhausted. Once exhausted, every later
/// charge fails too, so the evaluation unwinds quickly whatever the expression does with errors
/// (`false || error` absorbs an error, but the next charge fails again).
#[inline]
pub fn charge(units: u64) -> Result<(), cel::ExecutionError> {
    STATE.with(|s| {
        if let Some(why) = s.exhausted.get() {
            return Err(error(why));
        }
        let left = s.remaining.get();
        if units > left {
            s.remaining.set(0);
            s.exhausted.set(Some(Exhausted::Cost));
            return Err(error(Exhausted::Cost));
        }
        s.remaining.set(left - units);
        Ok(())
    })
}

/// The cost of producing or scanning `bytes` bytes of string.
#[inline]
pub fn string_cost(bytes: usize) -> u64 {
    1 + bytes as u64 / 16
}

fn error(why: Exhausted) -> cel::ExecutionError {
    match why {
        Exhausted::Cost => cel::ExecutionError::function_error(TICK, "cost budget exceeded"),
    }
}
