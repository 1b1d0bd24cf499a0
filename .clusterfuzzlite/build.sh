#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every cargo-fuzz target of fuzz/, with its seed corpus (made
# from vectors/ by make-seeds.py, plus the regression inputs) and the SGP.22 dictionary.
cd "$SRC/rspcheck/fuzz"
python3 make-seeds.py
cargo fuzz build -O
for target in $(cargo fuzz list); do
    cp "target/x86_64-unknown-linux-gnu/release/$target" "$OUT/"
    cp dict/sgp22.dict "$OUT/$target.dict"
    # Per-target libFuzzer options (max_len …), in the OSS-Fuzz format already.
    if [ -f "options/$target.options" ]; then
        cp "options/$target.options" "$OUT/$target.options"
    fi
    seeds="corpus/$target"
    if [ -d "regressions/$target" ]; then
        cp regressions/"$target"/* "$seeds/" 2>/dev/null || true
    fi
    if [ -d "$seeds" ] && [ -n "$(ls -A "$seeds")" ]; then
        (cd "$seeds" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    fi
done
