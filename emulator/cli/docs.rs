//! `payterm spec`: the profile, item by item, tagged \[seed\], \[doc\] or \[ours\].

use crate::profile::{Profile, SPEC};

pub fn print_spec() {
    println!(
        "payterm emulator profile — [seed] seed document, [doc] vendor documentation, [ours] this project's completion\n"
    );
    let mut area = "";
    for item in SPEC {
        if item.area != area {
            area = item.area;
            println!("{area}:");
        }
        println!("  {:<7} {}", item.source.tag(), item.behaviour);
    }
    let p = Profile::default();
    println!("\nfigures:");
    println!("  void window            {}", p.void_window);
    println!("  automatic pickup       {}", p.automatic_pickup);
    println!("  card processing        {}", p.card_processing);
    println!("  other task processing  {}", p.non_card_processing);
    println!("  access token           {} (master {})", p.access_token_ttl, p.master_token_ttl);
    println!("  refresh token          {}", p.refresh_token_ttl);
    println!("  largest amount         {} minor units", p.max_amount);
    println!("  largest request body   {} bytes", p.max_body_bytes);
}
