# scale.sh: end-to-end tests of the sharded run (revisit-shard, revisit-
# merge, scripts/nightly with jobs and shards), sourced by stages.sh after
# nightly.sh (its generated week in $N, $days, $first7, conf()).
SH=$bin/revisit-shard
MG=$bin/revisit-merge
S=$t/scale
mkdir -p "$S"
first4=$(echo $(echo "$first7" | head -4))
for c in shard merge; do
	check "$c: --help is 0 and names the program" \
	    "$bin/revisit-$c --help | grep -q 'usage: revisit-$c'"
	check "$c: a bad option is 64" \
	    "$bin/revisit-$c --no-such-option </dev/null 2>/dev/null; [ \$? -eq 64 ]"
done

# Each night parsed once, for the stage-level runs below.
for d in $first4; do
	zcat "$N"/gen/logs/access-s*-"$d".log.gz | $P -q -o "$S/hits-$d.mp" 2>/dev/null
done
d1=${first4%% *}

# Tonight's vid -> uid links (the latest page hit in a session with one)
# and the shard each vid's hits went to.
links() {	# HITS: "vid uid" of each vid's latest hit with a uid
	$DU "$1" | jq -r 'select(.kind == "page" and .status >= 200 and .status < 400 and .uid != null) | [.vid, .uid, .ts] | @tsv' |
	    sort -t "$(printf '\t')" -k1,1 -k3,3n | awk -F'\t' '{ u[$1] = $2 } END { for (v in u) print v, u[v] }' | sort
}
placed() {	# DIR N: "vid shard" of every hit in DIR/hits-K.mp
	for k in $(seq 0 $(($2 - 1))); do
		$DU "$1/hits-$k.mp" | jq -r --arg k "$k" '[.vid, $k] | join(" ")'
	done | sort -u
}
$SH -q -n 4 -o "$S/s1" "$S/hits-$d1.mp"
check "shard: every hit in one shard, in the input's order within it" \
    "[ \$(cat $S/s1/hits-*.mp | $DU | wc -l) -eq \$($DU $S/hits-$d1.mp | wc -l) ] && for k in 0 1 2 3; do $DU $S/s1/hits-\$k.mp | jq -c '[.ts,.vid,.path]' >$t/sk; $DU $S/hits-$d1.mp | jq -c --slurpfile s $t/sk 'select([.ts,.vid,.path] | IN(\$s[])) | [.ts,.vid,.path]' | cmp - $t/sk || exit 1; done"
check "shard: each vid in one shard; a uid's devices all in the uid's" \
    "placed $S/s1 4 >$t/pl && [ \$(cut -d' ' -f1 $t/pl | sort | uniq -d | wc -l) -eq 0 ] && links $S/hits-$d1.mp >$t/ln && [ -s $t/ln ] && join $t/ln $t/pl | awk '{ if (s[\$2] != \"\" && s[\$2] != \$3) bad++; s[\$2] = \$3 } END { exit bad > 0 }'"
check "shard: stdin (spooled) gives the same shards as a file; DIR/now is the latest hit" \
    "$SH -q -n 4 -o $S/s2 <$S/hits-$d1.mp && for k in 0 1 2 3; do cmp $S/s1/hits-\$k.mp $S/s2/hits-\$k.mp || exit 1; done && [ \$(cat $S/s2/now) = \$($DU $S/hits-$d1.mp | jq -s 'map(select(.kind == \"page\" and .status < 400) | .ts) | max') ] && [ -z \"\$(ls -A $S/s2 | grep spool)\" ]"
check "shard: --links per file, --join, --route per file: the files of one pass, byte for byte" \
    "mkdir -p $S/p2 && cp -a $S/hits-$d1.mp $t/ha.mp && cp -a $S/hits-$d1.mp $t/hb.mp && $SH -q -n 3 --per-input -o $S/p1 $t/ha.mp $t/hb.mp && $SH -q --links -o $S/p2/l0.mp $t/ha.mp && $SH -q --links --scratch -o $S/p2/l1.mp $t/hb.mp && $SH -q --join -n 3 -o $S/p2 $S/p2/l0.mp $S/p2/l1.mp && $SH -q --route $S/p2/routes -n 3 --per-input -o $S/p2 $t/ha.mp && $SH -q --route $S/p2/routes -n 3 --per-input --index 1 --scratch -o $S/p2 $t/hb.mp && for f in $S/p1/hits-*; do cmp \$f $S/p2/\${f##*/} || exit 1; done && cmp $S/p1/now $S/p2/now && $SH -q --route $S/p2/routes -n 4 -o $S/p3 $t/ha.mp 2>$t/rt.err; [ \$? -eq 65 ] && grep -q 'another number of shards' $t/rt.err"
check "parse --links-out: the links revisit-shard --links finds in the hits written, byte for byte (bots and assets kept too)" \
    "zcat $N/gen/logs/access-s*-$d1.log.gz | $P -q --links-out $t/pl1.mp >$t/ph1.mp && $SH -q --links -o $t/pl2.mp $t/ph1.mp && cmp $t/pl1.mp $t/pl2.mp && [ \$($DU $t/pl1.mp | grep -c '\"uid\"') -gt 0 ] && zcat $N/gen/logs/access-s*-$d1.log.gz | $P -q --keep-bots --keep-assets --links-out $t/pl3.mp >$t/ph3.mp && $SH -q --links -o $t/pl4.mp $t/ph3.mp && cmp $t/pl3.mp $t/pl4.mp && ! cmp -s $t/pl1.mp $t/pl3.mp"
check "parse --lean: the same sessions and links as the whole hits; ip \"\", bytes 0, no xff or host, the agent as one of the three device classes" \
    "zcat $N/gen/logs/access-s*-$d1.log.gz | $P -q --lean --links-out $t/pl5.mp >$t/ph5.mp && cmp $t/pl1.mp $t/pl5.mp && [ \$(stat -c %s $t/ph5.mp) -lt \$((\$(stat -c %s $t/ph1.mp) * 3 / 4)) ] && $SZ -q $t/ph1.mp >$t/ps1.mp && $SZ -q $t/ph5.mp >$t/ps5.mp && [ -s $t/ps1.mp ] && cmp $t/ps1.mp $t/ps5.mp && [ \$($DU $t/ph5.mp | jq -c 'select(.ip != \"\" or .bytes != 0 or .xff != null or .host != null or (.ua | IN(\"desktop\", \"mobile\", \"tablet\") | not))' | wc -l) -eq 0 ] && [ \$($DU $t/ph5.mp | jq -r .ua | sort -u | wc -l) -eq 3 ]"
check "shard: --route --check-links: the hits the links were made from pass; others are 65 and leave no shard file" \
    "d2=\$(echo $first4 | cut -d' ' -f2) && mkdir -p $S/p4 && $SH -q --links -o $S/p4/l.mp $S/hits-$d1.mp && $SH -q --join -n 3 -o $S/p4 $S/p4/l.mp && $SH -q --route $S/p4/routes -n 3 --check-links $S/p4/l.mp -o $S/p4/ok $S/hits-$d1.mp && [ \$(ls $S/p4/ok/hits-*.mp | wc -l) -eq 3 ] && { $SH -q --route $S/p4/routes -n 3 --check-links $S/p4/l.mp -o $S/p4/bad $S/hits-\$d2.mp 2>$t/cl.err; [ \$? -eq 65 ]; } && grep -q 'made from other hits' $t/cl.err && [ -z \"\$(ls -A $S/p4/bad)\" ] && { $SH -q --route $S/p4/routes -n 3 --per-input --check-links $S/p4/l.mp -o $S/p4/bad2 $S/hits-$d1.mp $S/hits-$d1.mp 2>/dev/null; [ \$? -eq 65 ]; } && [ -z \"\$(ls -A $S/p4/bad2)\" ] && { $SH --check-links $S/p4/l.mp -n 3 -o $S/p4/x $S/hits-$d1.mp 2>/dev/null; [ \$? -eq 64 ]; }"
check "shard: --per-input keeps one file per shard and input" \
    "$SH -q -n 2 --per-input -o $S/s3 $S/hits-$d1.mp $S/hits-$d1.mp && [ \$(ls $S/s3/hits-*-*.mp | wc -l) -eq 4 ] && cmp $S/s3/hits-1-0.mp $S/s3/hits-1-1.mp"

# Four nights, stage by stage: one process, and 2, 4 and 16 shards.
night() {	# N: run the four nights with N shards into $S/nN
	local n=$1 o=$S/n$1 d k now
	for d in $first4; do
		if [ "$n" = 1 ]; then
			$SZ -q "$S/hits-$d.mp" | $FN -q | $AT -q --state "$o/state" |
			    $ST -q --update "$o/state" --opt-out "$N/optout.txt" >"$o/rec-$d.mp" || return 1
			continue
		fi
		$SH -q -n "$n" --state "$o/state" -o "$o/sh" "$S/hits-$d.mp" || return 1
		read -r now <"$o/sh/now"
		for k in $(seq 0 $((n - 1))); do
			$SZ -q "$o/sh/hits-$k.mp" | $FN -q | $AT -q --state "$o/state/shard-$k" |
			    $ST -q --update "$o/state/shard-$k" --now "$now" --opt-out "$N/optout.txt" \
			    >"$o/rec-$d-$k.mp" || return 1
		done
	done
	if [ "$n" = 1 ]; then
		$AU -q --state "$o/state" --min-size 10 --opt-out "$N/optout.txt" -o "$o/aud"
		return
	fi
	for k in $(seq 0 $((n - 1))); do
		$AU -q --state "$o/state/shard-$k" --opt-out "$N/optout.txt" --ranks-out "$o/ranks-$k.mp" || return 1
	done
	for k in $(seq 0 $((n - 1))); do
		$AU -q --state "$o/state/shard-$k" --opt-out "$N/optout.txt" \
		    $(for j in $(seq 0 $((n - 1))); do echo "--ranks $o/ranks-$j.mp"; done) -o "$o/aud-$k" || return 1
	done
	$MG -q --min-size 10 -o "$o/aud" $(for k in $(seq 0 $((n - 1))); do echo "$o/aud-$k"; done)
}
dump_state() {	# DIR: every person of a state or a sharded one, sorted
	for s in $(ls -d "$1"/shard-* 2>/dev/null || echo "$1"); do $ST --dump "$s" | tail -n +2; done | sort
}
mkdir -p "$S/n1" && night 1
dump_state "$S/n1/state" >"$S/n1.dump"
last=${first4##* }
for ns in 2 4 16; do
	mkdir -p "$S/n$ns"
	check "shard: 4 nights in $ns shards: the state is one process's, person for person" \
	    "night $ns && dump_state $S/n$ns/state | cmp - $S/n1.dump"
	check "shard: 4 nights in $ns shards: merged audience lists are one process's, byte for byte (high_value ranked over all shards)" \
	    "diff -r $S/n1/aud $S/n$ns/aud >&2 && [ \$(members <$S/n$ns/aud/high_value.mp | wc -l) -gt 0 ]"
	check "shard: $ns shards: sessions and conversions are one process's; the summary and attribution report too" \
	    "$DU $S/n1/rec-$last.mp | sort >$t/r1 && cat $S/n$ns/rec-$last-*.mp | $DU | sort | cmp - $t/r1 && $RP -q --summarize $S/n1/rec-$last.mp | cmp - \$(cat $S/n$ns/rec-$last-*.mp | $RP -q --summarize >$t/sm; echo $t/sm) && $AT -q --conversions --report-json $t/j1 --report $t/x1 $S/n1/rec-$last.mp && $AT -q --conversions --report-json $t/j2 --report $t/x2 $S/n$ns/rec-$last-*.mp && cmp $t/j1 $t/j2 && cmp $t/x1 $t/x2"
done
check "report --summarize adds up the shards' summaries into the night's, byte for byte; a summary summarized is itself" \
    "for k in 0 1 2 3; do $RP -q --summarize $S/n4/rec-$last-\$k.mp -o $t/sum-\$k.mp || exit 1; done && $RP -q --summarize $S/n1/rec-$last.mp -o $t/sum1.mp && $RP -q --summarize $t/sum-0.mp $t/sum-1.mp $t/sum-2.mp $t/sum-3.mp | cmp - $t/sum1.mp && $RP -q --summarize $t/sum1.mp | cmp - $t/sum1.mp && $DU $t/sum1.mp | jq -e '(.reached | length) > 1 and .funnel[1].after == [\"view_item\"]' >/dev/null"
check "attribute --conversions -o keeps a shard's conversions alone; their report is the night's" \
    "for k in 0 1 2 3; do $AT -q --conversions -o $t/cv-\$k.mp $S/n4/rec-$last-\$k.mp || exit 1; done && [ \"\$(cat $t/cv-*.mp | $DU | jq -r .type | sort -u)\" = conversion ] && $AT -q --conversions --report-json $t/cj1 $S/n1/rec-$last.mp && $AT -q --conversions --report-json $t/cj2 $t/cv-0.mp $t/cv-1.mp $t/cv-2.mp $t/cv-3.mp && cmp $t/cj1 $t/cj2"
check "shard: devices that log in are moved between the shards' states" \
    "$SH -n 4 -o $S/mv --state $S/n4/state $S/hits-$last.mp 2>&1 >/dev/null | grep -q 'devices moved'"
check "report: customers of a sharded state are one state's" \
    "$RP -q --state $S/n1/state -o $t/c1.html && $RP -q --state $S/n4/state -o $t/c4.html && cmp $t/c1.html $t/c4.html"
check "shard --reshard: one state as 3 shards, and back as one: the same persons" \
    "$SH -q --reshard -n 3 --state $S/n1/state -o $S/rs3 && [ -d $S/rs3/shard-2 ] && dump_state $S/rs3 | cmp - $S/n1.dump && $SH -q --reshard -n 1 --state $S/rs3 -o $S/rs1 && [ -f $S/rs1/MANIFEST ] && dump_state $S/rs1 | cmp - $S/n1.dump && $ST -q --check $S/rs3/shard-0"
check "shard: a state sharded otherwise, or resharding onto a state, is 64 and says to reshard" \
    "$SH -n 2 -o $t/x --state $S/n4/state $S/hits-$d1.mp 2>$t/e1; [ \$? -eq 64 ] && grep -q 'reshard' $t/e1 && $SH -n 4 -o $t/x --state $S/n1/state $S/hits-$d1.mp 2>$t/e2; [ \$? -eq 64 ] && grep -q 'reshard' $t/e2 && $SH --reshard -n 2 --state $S/n1/state -o $S/rs3 2>/dev/null; [ \$? -eq 64 ]"
check "merge: lists of different nights or a member in two shards are 65, and nothing is written" \
    "$MG -q -o $t/mg1 $N/a/out/$d1/audiences $N/a/out/${first4##* }/audiences 2>$t/e3; [ \$? -eq 65 ] && grep -q \"another night's\" $t/e3 && $MG -q -o $t/mg2 $S/n4/aud-0 $S/n4/aud-0 2>$t/e4; [ \$? -eq 65 ] && grep -q 'in two shards' $t/e4 && [ -z \"\$(ls $t/mg2 2>/dev/null)\" ]"
check "audience: --ranks of other rules is 65" \
    "printf 'audience a\n\tmembership 30d\n\tinclude purchase ever\n' >$t/one.conf && $AU -q --state $S/n1/state -r $t/one.conf --ranks $S/n4/ranks-0.mp -o $t/x 2>$t/e5; [ \$? -eq 65 ] && grep -q 'other audience rules' $t/e5"

# The nightly job in parallel: the same outputs and state as one process.
if ! have parallel; then
	skip "nightly: shards and jobs (GNU parallel)" "no parallel (scripts/install-deps test installs it)"
	return 0
fi
NS=$t/scale-nightly
mkdir -p "$NS"
nconf() {	# DIR SHARDS JOBS [extra line]
	conf "$1"
	printf 'shards = %s\njobs = %s\n%s\n' "$2" "$3" "${4:-}"
}
nights3=$(echo $(echo "$first7" | head -3))
for ns in 2 4 16; do
	nconf "$NS/p$ns" "$ns" 2 >"$NS/p$ns.conf"
	ok=0
	for d in $nights3; do $NIGHTLY -q -c "$NS/p$ns.conf" --day "$d" 2>>"$NS/err" || ok=1; done
	check "nightly: shards = $ns, jobs = 2 (GNU parallel): each night's outputs and state are one process's" \
	    "[ $ok -eq 0 ] && for d in $nights3; do diff -r -x log $N/a/out/\$d/ $NS/p$ns/out/\$d/ >&2 && [ -d $NS/p$ns/state/\$d/shard-$((ns - 1)) ] && dump_state $NS/p$ns/state/\$d | cmp - \$(dump_state $N/a/state/\$d >$t/ps; echo $t/ps) || exit 1; done"
done
psnap() {	# DIR: what a nightly job of DIR has published
	(cd "$1" && find -L out/latest state/current -type f -print0 | sort -z | xargs -0 md5sum && readlink out/latest state/current)
}
check "nightly: the run log names every shard's stages with their times; no intermediate files are published" \
    "grep -q '^sessionize.3 *exit   0' $NS/p4/out/latest/log/run.log && grep -q '^split *exit   0' $NS/p4/out/latest/log/run.log && [ ! -e $NS/p4/out/latest/hits ] && [ ! -e $NS/p4/out/latest/shards ]"
# One process, then 4 shards, then 2: resharded at each change.
nconf "$NS/r" 1 1 >"$NS/r1.conf"
nconf "$NS/r" 4 2 >"$NS/r4.conf"
nconf "$NS/r" 2 2 >"$NS/r2.conf"
check "nightly: a change of shards reshards the state; outputs stay one process's" \
    "set -- $nights3 && $NIGHTLY -q -c $NS/r1.conf --day \$1 && $NIGHTLY -q -c $NS/r4.conf --day \$2 && [ -d $NS/r/state/\$2/shard-3 ] && grep -q '^reshard *exit   0' $NS/r/out/\$2/log/run.log && $NIGHTLY -q -c $NS/r2.conf --day \$3 && [ ! -d $NS/r/state/\$3/shard-2 ] && for d in \$1 \$2 \$3; do diff -r -x log $N/a/out/\$d/ $NS/r/out/\$d/ >&2 || exit 1; done"
# What `make install` puts in place runs the job from where it lands:
# bin/revisit-nightly, a symlink, finds nightly-step, nightly-lib.sh and
# slurm/submit beside the script it points to, and the programs on PATH.
check "install: revisit-nightly on PATH runs a sharded night with one process's outputs; slurm/submit and the man page are installed" \
    "make -s -C $top install B=$(dirname "$bin") DESTDIR=$t/inst PREFIX=/usr >$t/inst.log 2>&1 && [ -x $t/inst/usr/share/revisit/slurm/submit ] && d=\${nights3%% *} && nconf $NS/i 2 2 >$NS/i.conf && [ -f $t/inst/usr/share/man/man1/revisit-nightly.1 ] && PATH=$t/inst/usr/bin:\$PATH revisit-nightly -q -c $NS/i.conf --day \$d && grep -q '^route.0 *exit   0' $NS/i/out/\$d/log/run.log && diff -r -x log $N/a/out/\$d/ $NS/i/out/\$d/ >&2"
# Several hosts: GNU parallel's --sshlogin, through an ssh that runs the
# command here (the paths are the same on every host: a shared disk).
cat >"$NS/fakessh" <<'EOF'
#!/bin/sh
# fakessh [options] HOST [--] COMMAND...: run COMMAND here, as ssh would
# there (its words joined, for the shell), noting the host.
while [ $# -gt 0 ]; do case $1 in -*) shift ;; *) break ;; esac; done
echo "$1" >>"$(dirname "$0")/hosts.log"
shift
[ "${1:-}" = -- ] && shift
# sshd gives the command the user's login shell as $SHELL (GNU parallel's
# remote side runs the command with it); a bare environment lacks it.
[ -n "${NOSHELL:-}" ] && unset SHELL ||
	export SHELL="$(getent passwd "$(id -u)" | cut -d: -f7)"
exec sh -c "$*"
EOF
chmod +x "$NS/fakessh"
nconf "$NS/h" 4 4 "hosts = 2/hostA,2/hostB
ssh = $NS/fakessh
scratch = $NS/scratch" >"$NS/h.conf"
check "nightly: hosts = several --sshlogin hosts, scratch elsewhere: the steps run there; outputs are one process's; no scratch left" \
    "d=${nights3%% *} && $NIGHTLY -q -c $NS/h.conf --day \$d && diff -r -x log $N/a/out/\$d/ $NS/h/out/\$d/ >&2 && grep -q hostA $NS/hosts.log && grep -q hostB $NS/hosts.log && [ -z \"\$(ls -A $NS/scratch)\" ]"
check "nightly: a host that runs nothing (no \$SHELL there) fails the run with 70, naming the step; nothing is published" \
    "d=\$(echo $nights3 | cut -d' ' -f2) && NOSHELL=1 $NIGHTLY -q -c $NS/h.conf --day \$d 2>$t/ns.err; [ \$? -eq 70 ] && grep -q 'worker 0 did not run on its host' $t/ns.err && [ ! -e $NS/h/out/\$d ] && [ -z \"\$(ls -A $NS/scratch)\" ]"
{ nconf "$NS/p4" 4 2; echo "funnel_rules = $N/bad-rules.conf"; } >"$NS/bad.conf"
check "nightly: a failing stage of a shard fails the run, named with its status; nothing is published" \
    "psnap $NS/p4 >$t/before && $NIGHTLY -q -c $NS/bad.conf --day $day8 2>$t/pf.err; r=\$?; [ \$r -eq 64 ] && grep -q 'stage funnel\\.[0-3] failed (exit 64)' $t/pf.err && psnap $NS/p4 | cmp - $t/before"
# A stage killed between the two writes of its status file leaves
# `times`' lines there (a step stopped by another's failure, under load):
# that is no status, not a failure of its own, nor an error of the job's.
mkdir -p "$t/rs"
printf '64 1795469523.221612 1795469523.321612 0m0.010s 0m0.002s\n' >"$t/rs/funnel.0.status"
printf '0m0.003s 0m0.016s\n0m0.100s 0m0.200s\n' >"$t/rs/sessionize.1.status"
printf '0 1795469523,221612 1795469523,321612 0m0,010s 0m0,002s\n' >"$t/rs/ok.status"
: >"$t/rs/empty.status"
check "nightly: a status cut by a kill is no status: the step's real failure is named, else 70" \
    "bash -c 'logs=\$1; . $top/scripts/nightly-lib.sh; [ \$(status_of sessionize.1 funnel.0) = 64 ] && [ \$(status_of ok sessionize.1 empty) = 70 ] && [ \$(status_of ok) = 0 ] && read_status ok && [ \$rc = 0 ] && read_status sessionize.1 && [ \$rc = - ]' _ $t/rs"
check "nightly: SIGKILL in a shard's stage leaves the previous outputs and state; the next run is whole" \
    "psnap $NS/p4 >$t/before && REVISIT_TEST_KILL_STAGE=state.1 setsid $NIGHTLY -q -c $NS/p4.conf --day $day8 >/dev/null 2>&1; flock $NS/p4/out/.lock true; psnap $NS/p4 | cmp - $t/before && $NIGHTLY -q -c $NS/p4.conf --day $day8 && [ \$(readlink $NS/p4/out/latest) = $day8 ]"

# A Slurm cluster of one node, started here; the same run as job arrays.
if [ "$(id -u)" -ne 0 ] || ! have slurmctld || ! have slurmd || ! have munged; then
	skip "nightly: engine = slurm (job arrays on a single-node cluster)" \
	    "needs root and slurmctld, slurmd, munge (scripts/install-deps test)"
	return 0
fi
SL=$t/slurm
if "$top/scripts/slurm/local-cluster" start "$SL" >"$t/slurm.start" 2>&1; then
	nconf "$NS/sl" 4 2 "engine = slurm" >"$NS/sl.conf"
	check "nightly: engine = slurm: parse, shard and audience job arrays with a dependent merge give one process's outputs and state" \
	    "set -- $nights3 && SLURM_CONF=$SL/slurm.conf $NIGHTLY -q -c $NS/sl.conf --day \$1 && SLURM_CONF=$SL/slurm.conf $NIGHTLY -q -c $NS/sl.conf --day \$2 && for d in \$1 \$2; do diff -r -x log $N/a/out/\$d/ $NS/sl/out/\$d/ >&2 || exit 1; done && dump_state $NS/sl/state/\$2 | cmp - \$(dump_state $N/a/state/\$2 >$t/ps; echo $t/ps) && grep -q 'shard' $NS/sl/out/\$2/log/slurm.log && [ \$(ls $NS/sl/out/\$2/log/slurm-shard-*.out | wc -l) -eq 4 ]"
	{ nconf "$NS/sl" 4 2 "engine = slurm"; echo "funnel_rules = $N/bad-rules.conf"; } >"$NS/slbad.conf"
	check "nightly: engine = slurm: a failing shard task fails the run, named, and the dependent jobs are cancelled" \
	    "psnap $NS/sl >$t/before && SLURM_CONF=$SL/slurm.conf $NIGHTLY -q -c $NS/slbad.conf --day ${nights3##* } 2>$t/sf.err; [ \$? -eq 64 ] && grep -q 'stage funnel\\.[0-3] failed (exit 64)' $t/sf.err && psnap $NS/sl | cmp - $t/before && ! SLURM_CONF=$SL/slurm.conf squeue -h | grep -q ."
else
	check "nightly: engine = slurm: a single-node cluster starts" "cat $t/slurm.start; false"
fi
"$top/scripts/slurm/local-cluster" stop "$SL" >/dev/null 2>&1
