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
	# Killed between these two writes, the file holds `times`' lines:
	# read_status takes that for no status.
	times >"$logs/$name.status"
	{ read -r _; read -r cu cs; } <"$logs/$name.status"
	echo "$rc $t0 $t1 $cu $cs" >"$logs/$name.status"
	exit $rc
)

# read_status NAME: rc, t0, t1 (start and end, seconds), cu and cs (CPU,
# as `times` says it) of a stage, from log/NAME.status; rc is "-" (times
# zero) when the stage left no whole status line: it never ran, or was
# killed (a step stopped by another's failure) before or while writing it.
read_status() {
	local line= f='[0-9]+[.,][0-9]+'
	rc=- t0=0.0 t1=0.0 cu=0m0.000s cs=0m0.000s
	[ -s "$logs/$1.status" ] && read -r line <"$logs/$1.status"
	[[ $line =~ ^([0-9]+)\ ($f)\ ($f)\ ([0-9]+m$f""s)\ ([0-9]+m$f""s)$ ]] || return 0
	rc=${BASH_REMATCH[1]} t0=${BASH_REMATCH[2]} t1=${BASH_REMATCH[3]}
	cu=${BASH_REMATCH[4]} cs=${BASH_REMATCH[5]}
}

# status_of NAME...: the exit status the stages of one step give: the
# first failure that is not a SIGPIPE or SIGTERM (141, 143: a stage
# stopped only because another failed) or a missing status (70), else
# the first of those, else 0.
status_of() {
	local name rc t0 t1 cu cs first=0
	for name in "$@"; do
		read_status "$name"
		case $rc in
		0) ;;
		-|141|143) [ "$first" != 0 ] || first=${rc/-/70} ;;
		*) echo "$rc"; return ;;
		esac
	done
	echo "$first"
}
