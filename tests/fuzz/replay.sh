#!/bin/sh
# replay.sh DIR: run each harness DIR/NAME (built without libFuzzer) over
# its committed inputs, tests/fuzz/seeds/NAME and tests/fuzz/regress/NAME
# (inputs that once crashed it). Any failure, sanitizer report or leak
# fails the run.
set -u
dir=${1:?usage: replay.sh DIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
logs=$dir-logs	# not in $dir: only harnesses there
mkdir -p "$logs"
fails=0
for h in "$dir"/*; do
	[ -f "$h" ] && [ -x "$h" ] || continue
	name=${h##*/}
	set --
	for d in seeds regress; do
		[ -d "$top/tests/fuzz/$d/$name" ] || continue
		for f in "$top/tests/fuzz/$d/$name"/*; do
			[ -f "$f" ] && set -- "$@" "$f"
		done
	done
	if [ $# -eq 0 ]; then
		echo "replay: $name: no inputs" >&2
		fails=$((fails + 1))
	elif "$h" "$@" 2>"$logs/$name.err"; then
		echo "replay: $name: $# inputs ok"
	else
		echo "replay: $name: failed (exit $?)" >&2
		grep -v '^revisit-fuzz: ' "$logs/$name.err" | head -30 >&2
		fails=$((fails + 1))
	fi
done
[ "$fails" -eq 0 ]
