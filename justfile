# The developer entry points of meshc (`just --list`). The README's two commands, `cargo run --
# render …` and `cargo test`, need none of this; these are for working on meshc itself.

# Show the recipes.
default:
    @just --list

# What CI runs on a clean clone, with ../shared beside it (or MESHC_SHARED).
ci:
    bash .ci/run

# The README's test command: everything that needs neither the network nor ../shared.
test:
    cargo test

# Formatting and lints as CI checks them.
lint:
    cargo fmt --check
    cargo clippy --locked --all-targets -- -D warnings

# Review pending snapshot changes one by one; never accept them unread.
review:
    cargo insta review

# Rewrite the outputs of the examples in docs/codes/ (read the diff before committing).
bless-docs:
    MESHC_BLESS=1 cargo test --test integration docs::

# The benchmarks: whole-process time and memory, stage by stage (rewrites benches/README.md).
bench:
    benches/run

# The stage benchmarks alone (divan).
bench-stages:
    cargo bench --bench stages

# The long run of the property and fault tests (about 100,000 generated cases).
long:
    MESHC_PROPTEST_CASES=25000 MESHC_KILLS=300 MESHC_RACES=100 cargo test --release --test integration -- properties faults

# Mutation testing of one file where safety is decided, e.g. `just mutants src/plan/security.rs`.
mutants FILE:
    cargo mutants --file {{FILE}}

# Render every shipped profile into out/ (the committed renders `render --check` compares with).
renders:
    for p in profiles/*.toml; do cargo run --quiet -- render "$p" --out "out/$(basename "$p" .toml)"; done
