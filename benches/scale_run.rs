//! `cargo bench --bench scale_run`: issue 7's scale figure on its own (see `many_orders.rs`):
//! 1,000 concurrent Cloud sales on 100 terminals, run by the release binary against the
//! reference integration and against a planted duplicate sale; prints the figures, exits
//! non-zero if the reference did not pass or the planted bug was not caught exactly.

mod many_orders;
mod scale_scenario;

fn main() {
    let many = many_orders::measure();
    println!();
    for (name, value, unit) in many.figures() {
        println!("{name:<40} {value:>12.3} {unit}");
    }
    if !(many.reference_ok && many.fixture_caught) {
        std::process::exit(1);
    }
}
