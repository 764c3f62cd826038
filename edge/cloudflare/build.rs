//! Embeds the configuration `EDGECACHE_CONFIG` names, precompiled (none
//! without it): see the `edgecache-embed` crate.

fn main() {
    edgecache_embed::build_script();
}
