# nightly-lib.sh: what scripts/nightly and scripts/nightly-step share,
# sourced by both (bash). Needs $logs.

# stage NAME cmd...: run one stage in a subshell of its own (so that
# `times` gives its CPU alone), its stderr to log/NAME.err, its exit
# status, times and CPU seconds to log/NAME.status.
stage() (
	name=$1
	shift
	t0=$EPOCHREALTIME
	if [ "${REVISIT_TEST_KILL_STAGE:-}" = "$name" ]; then
		# Test hook: SIGKILL the whole run while this stage runs.
		"$@" 2>"$logs/$name.err" &
		sleep "${REVISIT_TEST_KILL_DELAY:-0.05}"
		kill -KILL -- "-$(ps -o pgid= -p $$ | tr -d ' ')"
		kill -KILL $$
	fi
	"$@" 2>"$logs/$name.err"
	rc=$?
	t1=$EPOCHREALTIME
	# `times` in this shell (in $(...) it would be a subshell's, with
	# no children); its second line is the stage's CPU.
	times >"$logs/$name.status"
	{ read -r _; read -r cu cs; } <"$logs/$name.status"
	echo "$rc $t0 $t1 $cu $cs" >"$logs/$name.status"
	exit $rc
)

# status_of NAME...: the exit status the stages of one step give: the
# first failure that is not a SIGPIPE or SIGTERM (141, 143: a stage
# stopped only because another failed), else the first failure, else 0.
status_of() {
	local name rc first=0
	for name in "$@"; do
		read -r rc _ <"$logs/$name.status" 2>/dev/null || rc=1
		[ "$rc" = 0 ] && continue
		[ "$rc" != 141 ] && [ "$rc" != 143 ] && { echo "$rc"; return; }
		[ "$first" = 0 ] && first=$rc
	done
	echo "$first"
}
