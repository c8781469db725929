//! `payterm spec`: every behaviour of the three surfaces and the exit codes, item by item,
//! tagged \[seed\], \[doc\] or \[ours\] with the document it comes from and the words it
//! rests on; then the figures.

use crate::profile::{Profile, spec_items};

pub(super) fn print_spec() {
    println!(
        "payterm emulator profile — [seed] a seed document, [doc] the vendor's documentation or SDK, [ours] this project's completion; each names its source and quotes it\n"
    );
    let mut area = "";
    for item in spec_items() {
        if item.area != area {
            if !area.is_empty() {
                println!();
            }
            area = item.area;
            println!("{area}:");
        }
        println!("  {:<7} {}: {}", item.source.tag(), item.origin, item.behaviour);
        // The words the entry rests on, as its origin writes them (a seed in its own language).
        for quote in item.quotes {
            println!("          \u{201c}{quote}\u{201d}");
        }
    }
    let p = Profile::default();
    println!("\nfigures:");
    println!("  void window            {}", p.void_window);
    println!("  automatic pickup       {}", p.automatic_pickup);
    println!("  card processing        {}", p.card_processing);
    println!("  other task processing  {}", p.non_card_processing);
    println!("  access token           {} (master {})", p.access_token_ttl, p.master_token_ttl);
    println!("  refresh token          {}", p.refresh_token_ttl);
    println!("  receipt choice         {} (deep links, printByPaymentApp=true)", p.receipt_choice);
    println!("  largest amount         {} minor units", p.max_amount);
    println!("  largest request body   {} bytes", p.max_body_bytes);
}
