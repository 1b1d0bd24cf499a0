#!/usr/bin/env bash
# Nightly in-process fuzzing: builds every cargo-fuzz target, runs each for a given time with the
# cores shared out between them, merges what the runs found into the seed corpora, and keeps
# every crash (crash, leak, timeout, out-of-memory) under fuzz/regressions/<target>/ with the
# command that replays it (.ci/run replays everything there on each run).
#
# Usage: fuzz/nightly.sh [--time SECONDS] [--jobs N] [--out DIR] [--seeds-from RUN_DIR]
#                        [--sanitizer NAME] [--target-dir DIR] [TARGET ...]
#   --time        seconds per target (default 3600)
#   --jobs        targets running at once (default: the number of cores)
#   --out         where logs, new corpus units and the summary go (default
#                 fuzz/nightly-out/<UTC time>)
#   --seeds-from  also seed from the messages of an rspcheck run (a run folder with journal.jsonl,
#                 best from `rspcheck run --reveal-secrets`): fuzz/seeds-from-run.py writes them
#                 to OUT/run-seeds/<target>/, each target also reads them, and the end-of-run merge
#                 keeps in the seed corpus only those that add coverage
#   --sanitizer   cargo-fuzz's sanitizer (default none): rspcheck's crates hold no `unsafe` code,
#                 so AddressSanitizer finds nothing a safe-Rust panic would not, and costs 4-10x
#                 the executions (euicc_apdu: 3.7k vs 23k exec/s); `address` for a night with it
#                 (ClusterFuzzLite builds its own sanitizer builds)
#   --target-dir  cargo's target folder for the fuzz builds (default fuzz/target), e.g. to keep
#                 builds of two sanitizers apart
# Per-target libFuzzer options (max_len …) come from fuzz/options/<target>.options ([libfuzzer]
# section, `name = value` lines, the OSS-Fuzz format).
# Summary: OUT/summary.txt (exec/s, runs, crashes per target); logs OUT/<target>.log.
# Exits 1 when a target crashed, 2 on a usage or build error, 0 otherwise.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
caller="$PWD"
cd "$root/fuzz"

time_per_target=3600
jobs="$(nproc 2>/dev/null || echo 2)"
out=""
seeds_from=""
sanitizer="none"
target_dir=()
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) time_per_target="${2:?--time needs seconds}"; shift 2 ;;
        --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
        --out) out="${2:?--out needs a folder}"; shift 2 ;;
        --seeds-from) seeds_from="${2:?--seeds-from needs a run folder}"; shift 2 ;;
        --sanitizer) sanitizer="${2:?--sanitizer needs a name (none, address, …)}"; shift 2 ;;
        --target-dir) target_dir=(--target-dir "${2:?--target-dir needs a folder}"); shift 2 ;;
        -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
        -*) echo "nightly: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
case "$time_per_target$jobs" in
    *[!0-9]*) echo "nightly: --time and --jobs take whole numbers" >&2; exit 2 ;;
esac
[ "$jobs" -ge 1 ] || jobs=1
out="${out:-nightly-out/$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

python3 make-seeds.py
if [ -n "$seeds_from" ]; then
    case "$seeds_from" in /*) ;; *) seeds_from="$caller/$seeds_from" ;; esac
    python3 seeds-from-run.py --out "$out/run-seeds" "$seeds_from" || {
        echo "nightly: no seeds from $seeds_from" >&2
        exit 2
    }
fi
cargo +nightly fuzz build --sanitizer "$sanitizer" "${target_dir[@]}" >"$out/build.log" 2>&1 || {
    echo "nightly: build failed (see $out/build.log)" >&2
    exit 2
}
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
echo "nightly: ${#targets[@]} targets, ${time_per_target} s each, $jobs at a time -> $out"

# libFuzzer flags from options/<target>.options: `name = value` lines of its [libfuzzer] section.
target_options() {
    local file="options/$1.options"
    [ -f "$file" ] || return 0
    awk -F '=' '/^\[/ { on = ($0 ~ /^\[libfuzzer\]/); next }
        on && NF == 2 { gsub(/[ \t]/, ""); print "-" $1 "=" $2 }' "$file"
}

run_target() {
    local t="$1" opts extra=()
    mkdir -p "$out/new/$t" "$out/artifacts/$t" "corpus/$t"
    mapfile -t opts < <(target_options "$t")
    [ -d "$out/run-seeds/$t" ] && extra=("$out/run-seeds/$t")
    # New units go to the first folder; the seed corpora are read, not written, during the run.
    cargo +nightly fuzz run --sanitizer "$sanitizer" "${target_dir[@]}" "$t" "$out/new/$t" "corpus/$t" "${extra[@]}" -- \
        -max_total_time="$time_per_target" -dict=dict/sgp22.dict -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$t/" "${opts[@]}" >"$out/$t.log" 2>&1 || true
    # Keep what was new and interesting in the seed corpus for the next night and for CI.
    cargo +nightly fuzz run --sanitizer "$sanitizer" "${target_dir[@]}" "$t" "corpus/$t" "$out/new/$t" "${extra[@]}" -- -merge=1 \
        "${opts[@]}" >"$out/$t.merge.log" 2>&1 || true
}

running=0
for t in "${targets[@]}"; do
    run_target "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

status=0
summary="$out/summary.txt"
printf '%-16s %12s %10s %8s\n' target exec/s runs crashes >"$summary"
for t in "${targets[@]}"; do
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t.log" | tail -n 1)"
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -n 1)"
    crashes=0
    for f in "$out/artifacts/$t"/*; do
        [ -f "$f" ] || continue
        crashes=$((crashes + 1))
        mkdir -p "regressions/$t"
        name="$(basename "$f")"
        cp "$f" "regressions/$t/$name"
        echo "nightly: $t: $name -> fuzz/regressions/$t/$name" >&2
        echo "  replay: (cd fuzz && cargo +nightly fuzz run --sanitizer $sanitizer $t regressions/$t/$name)" >&2
        status=1
    done
    printf '%-16s %12s %10s %8s\n' "$t" "${rate:-?}" "${runs:-?}" "$crashes" >>"$summary"
done
cat "$summary"
exit "$status"
