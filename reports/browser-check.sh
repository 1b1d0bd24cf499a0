#!/usr/bin/env bash
# Renders a run directory's report in headless Chromium: index.html, one case page and the
# compatibility matrix (if any; a fuzz campaign's folder has only its index.html) must load from file:// without script errors or missing files,
# screenshot to non-trivial PNGs, and report.js must run (it marks <body data-js="ready">).
# Usage: reports/browser-check.sh RUN_DIR [OUT_DIR]   (needs Debian's `chromium`)
set -euo pipefail

run_dir="${1:?usage: browser-check.sh RUN_DIR [OUT_DIR]}"
run_dir="$(cd "$run_dir" && pwd)"
out="${2:-$(mktemp -d)}"
mkdir -p "$out"

if ! command -v chromium >/dev/null 2>&1; then
    echo "browser-check: chromium not found (apt-get install --no-install-recommends chromium)" >&2
    exit 1
fi
[ -f "$run_dir/index.html" ] || { echo "browser-check: $run_dir/index.html missing" >&2; exit 1; }
# sed reads to the end: `head` would close the pipe early and, under pipefail, fail the script
# with SIGPIPE once the list outgrows one write.
# A fuzz campaign's folder (rspcheck fuzz) has its report in index.html and no case pages.
case_page=""
if [ ! -f "$run_dir/fuzz/campaign.json" ]; then
    case_page="$(find "$run_dir/cases" -name '*.html' | sort | sed -n 1p)"
    [ -n "$case_page" ] || { echo "browser-check: no case page in $run_dir/cases" >&2; exit 1; }
fi

# A throwaway profile: no state shared with other runs, no first-run prompts.
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
chrome() {
    # timeout: a wedged headless browser must fail the check, not hang CI.
    timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@"
}

status=0
check_page() {
    local name="$1" page="$2"
    local png="$out/$name.png" log="$out/$name.log"
    rm -f "$png"
    chrome --screenshot="$png" --window-size=1280,2000 "file://$page" 2>"$log" >/dev/null || {
        echo "browser-check: chromium failed on $page (log: $log)" >&2
        status=1
        return
    }
    local size
    size="$(stat -c %s "$png" 2>/dev/null || echo 0)"
    if [ "$size" -le 10240 ]; then
        echo "browser-check: $png is $size bytes (expected > 10 kB)" >&2
        status=1
    fi
    # Console errors and missing files show in Chromium's log as these.
    if grep -E 'Uncaught|ERR_FILE_NOT_FOUND|Refused to (load|execute|apply)' "$log" >&2; then
        echo "browser-check: errors loading $page (log: $log)" >&2
        status=1
    fi
    echo "browser-check: $name: $png ($size bytes)"
}

# Headless Chromium does not log a missing stylesheet or script from file:// at --v=0, so the
# pages' own relative links are checked here too.
check_links() {
    local page="$1" dir link
    dir="$(dirname "$page")"
    while IFS= read -r link; do
        case "$link" in http://* | https://* | \#*) continue ;; esac
        [ -f "$dir/${link%%#*}" ] || {
            echo "browser-check: $page links to missing $link" >&2
            status=1
        }
    done < <(grep -oE '(href|src)="[^"]*"' "$page" | sed -E 's/^(href|src)="(.*)"$/\2/')
}

pages=("$run_dir/index.html")
check_links "$run_dir/index.html"
check_page index "$run_dir/index.html"
if [ -n "$case_page" ]; then
    pages+=("$case_page")
    check_links "$case_page"
    check_page case "$case_page"
fi
# The profile-compatibility matrix, when the run has one.
if [ -f "$run_dir/compat.html" ]; then
    pages+=("$run_dir/compat.html")
    check_links "$run_dir/compat.html"
    check_page compat "$run_dir/compat.html"
fi

# --dump-dom prints the DOM after scripts ran: report.js sets data-js="ready" on <body> last.
for page in "${pages[@]}"; do
    if ! chrome --dump-dom "file://$page" 2>"$out/dom.log" | grep -F 'data-js="ready"' >/dev/null; then
        echo "browser-check: report.js did not run on $page (log: $out/dom.log)" >&2
        status=1
    fi
done

[ "$status" -eq 0 ] && echo "browser-check: ok ($out)"
exit "$status"
