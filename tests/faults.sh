# faults.sh: the fault matrix (README: Reliability), sourced by stages.sh
# after nightly.sh (its $N, conf, $NIGHTLY). Each case: no crash, the
# documented exit status, a message naming the file and the place,
# previous outputs and state intact, and a correct next run.
F=$t/faults
mkdir -p "$F"
DC=$bin/revisit-decompress
ST=$bin/revisit-state

# A crash is a signal other than SIGPIPE (128 + n) or a sanitizer report.
crashed() {	# STATUS ERRFILE
	[ "$1" -ge 128 ] || grep -qE 'Sanitizer|runtime error' "$2"
}

# ------------------------------------------------ truncated archives
# Every 1 KiB cut of a .gz, a .tar.gz and a .zip: 65 after writing what
# came before the cut (a prefix of the log; the cut line ends with a
# newline decompress adds), with the file and the byte in the message.
d1=$(echo "$first7" | sed -n 1p) d2=$(echo "$first7" | sed -n 2p)
gzip -dc "$N/gen/logs/access-s1-$d1.log.gz" | head -c 300000 >"$F/a.log"
gzip -c "$F/a.log" >"$F/a.log.gz"
(cd "$F" && tar czf a.tar.gz a.log && zip -q a.zip a.log)
cuts=0 bad=0
for f in a.log.gz a.tar.gz a.zip; do
	size=$(stat -c %s "$F/$f")
	off=1024
	while [ "$off" -lt "$size" ]; do
		cuts=$((cuts + 1))
		head -c "$off" "$F/$f" >"$F/cut-$f"
		$DC -q "$F/cut-$f" >"$F/cut.out" 2>"$F/cut.err"
		rc=$? got=$(stat -c %s "$F/cut.out")
		at=$(sed -n 's/.*at byte \([0-9]*\).*/\1/p' "$F/cut.err" | head -1)
		if crashed $rc "$F/cut.err" || [ $rc -ne 65 ] ||
		    ! grep -q "cut-$f" "$F/cut.err" || [ -z "$at" ] ||
		    [ "$at" -gt "$off" ] ||
		    { [ "$got" -gt 0 ] && ! cmp -s -n $((got - 1)) "$F/cut.out" "$F/a.log"; }; then
			bad=$((bad + 1))
			[ $bad -le 3 ] && echo "$f cut at $off: exit $rc, $got bytes out: $(head -c 300 "$F/cut.err")" >>"$F/cuts.log"
		fi
		off=$((off + 1024))
	done
done
check "faults: $cuts cuts of a .gz, .tar.gz and .zip at every 1 KiB: 65, the file and byte named, what came before kept" \
    "[ $bad -eq 0 ] || { cat $F/cuts.log; exit 1; }"

# ------------------------------------------------ corrupted records
# A small hit file (three records), each byte in turn replaced: sessionize (the framing
# reader and the hit decoder) and dump (msgpack-c) exit 0 or 65, and 65
# names the file and the record.
$bin/revisit-parse -q -f combined_vid "$F/a.log" | $DU | head -3 | $DU --pack >"$F/small.mp"
size=$(stat -c %s "$F/small.mp")
bad=0 i=0
while [ $i -lt "$size" ]; do
	cp "$F/small.mp" "$F/bad.mp"
	b=$(od -An -tu1 -j $i -N1 "$F/small.mp" | tr -d ' ')
	printf "\\$(printf %o $(( (b + 0x5a) % 256 )))" |
	    dd of="$F/bad.mp" bs=1 seek=$i conv=notrunc 2>/dev/null
	for cmd in "$SZ -q" "$DU"; do
		$cmd "$F/bad.mp" >/dev/null 2>"$F/bad.err"
		rc=$?
		if crashed $rc "$F/bad.err" || { [ $rc -ne 0 ] && [ $rc -ne 65 ]; } ||
		    { [ $rc -eq 65 ] && ! grep -q "bad.mp.*record" "$F/bad.err"; }; then
			bad=$((bad + 1))
			[ $bad -le 3 ] && echo "byte $i, ${cmd%% *}: exit $rc: $(head -c 300 "$F/bad.err")" >>"$F/bytes.log"
		fi
	done
	i=$((i + 1))
done
check "faults: a $size-byte record file corrupted at every byte: sessionize and dump say 0 or 65 naming the file and record" \
    "[ $bad -eq 0 ] || { cat $F/bytes.log; exit 1; }"

# ------------------------------------------------ disk full
check "faults: stdout on a full disk (/dev/full) is 74 with a message, for parse, sessionize and dump" \
    "$bin/revisit-parse -q -f combined_vid $F/a.log >/dev/full 2>$F/full1.err; [ \$? -eq 74 ] && grep -q 'stdout' $F/full1.err && $SZ -q $F/small.mp >/dev/full 2>$F/full2.err; [ \$? -eq 74 ] && $DU $F/small.mp >/dev/full 2>$F/full3.err; [ \$? -eq 74 ]"
mkdir -p "$F/tmpfs"
if mount -t tmpfs -o size=512k revisit-faults "$F/tmpfs" 2>/dev/null; then
	# A hit file that fits, then one that does not: 74, the old one
	# and no temporary file left.
	$bin/revisit-parse -q -f combined_vid "$F/a.log" | $DU | head -50 | $DU --pack >"$F/tmpfs/hits.mp"
	cp "$F/tmpfs/hits.mp" "$F/hits.before"
	# Room for 64 KiB more.
	head -c $(($(df --output=avail -B1 "$F/tmpfs" | tail -1) - 65536)) /dev/zero >"$F/tmpfs/filler"
	check "faults: an output that fills the disk is 74 naming it; the previous file stays whole, no temporary is left" \
	    "$bin/revisit-parse -q --max-warnings 0 -f combined_vid -o $F/tmpfs/hits.mp $F/a.log 2>$F/full.err; [ \$? -eq 74 ] && grep -q 'hits.mp' $F/full.err && cmp $F/tmpfs/hits.mp $F/hits.before && [ \$(ls -A $F/tmpfs | wc -l) -eq 2 ]"
	rm -f "$F/tmpfs/filler"
	# A state that grows past the disk: 74, the last generation whole;
	# with room again, the same update succeeds.
	rm -f "$F/tmpfs/hits.mp"
	$bin/revisit-parse -q -f combined_vid "$F/a.log" | $SZ -q | $FN -q | $bin/revisit-attribute -q >"$F/night.mp"
	$ST -q --update "$F/tmpfs/st" "$F/small.mp" >/dev/null 2>&1
	$ST --dump "$F/tmpfs/st" >"$F/st.before"
	head -c 600k /dev/zero >"$F/tmpfs/filler" 2>/dev/null
	check "faults: a state update on a full disk is 74 naming the state; its last generation is whole; with room, the update succeeds" \
	    "$ST -q --update $F/tmpfs/st $F/night.mp >/dev/null 2>$F/stfull.err; [ \$? -eq 74 ] && grep -q 'tmpfs/st' $F/stfull.err && $ST -q --check $F/tmpfs/st && $ST --dump $F/tmpfs/st | cmp - $F/st.before && rm $F/tmpfs/filler && $ST -q --update $F/tmpfs/st $F/night.mp >/dev/null && $ST -q --check $F/tmpfs/st"
	# Two servers' hits one after another, through a pipe, with a
	# --tmpdir too small for the copy sessionize keeps: the parts cannot
	# be merged from a copy cut short, so 74 and no sessions, never
	# sessions of the hits that were copied.
	gzip -dc "$N/gen/logs/access-s1-$d1.log.gz" "$N/gen/logs/access-s2-$d1.log.gz" |
	    $bin/revisit-parse -q --max-warnings 0 >"$F/two.mp"
	rm -f "$F/tmpfs/filler"
	head -c $(($(df --output=avail -B1 "$F/tmpfs" | tail -1) - 65536)) /dev/zero >"$F/tmpfs/filler"
	check "faults: sessionize's copy of a piped input on a full --tmpdir is 74 naming it, with no sessions" \
	    "[ \$(stat -c %s $F/two.mp) -gt 200000 ] && { cat $F/two.mp | $SZ -q --tmpdir $F/tmpfs >$F/two.out 2>$F/two.err; [ \$? -eq 74 ]; } && grep -q 'tmpdir' $F/two.err && [ ! -s $F/two.out ]"
	rm -f "$F/tmpfs/filler"
	umount "$F/tmpfs"
else
	skip "faults: an output that fills the disk is 74 naming it" "cannot mount a tmpfs here"
	skip "faults: a state update on a full disk is 74" "cannot mount a tmpfs here"
	skip "faults: sessionize's copy of a piped input on a full --tmpdir is 74" "cannot mount a tmpfs here"
fi

# ------------------------------------------------ unreadable, vanishing
check "faults: an input that is a directory, or a dangling link, is 66 naming it and the cause" \
    "$DC -q $F </dev/null >/dev/null 2>$F/dir.err; r=\$?; [ \$r -eq 66 ] && grep -q 'is a directory' $F/dir.err && grep -q \"$F\" $F/dir.err && ln -sf $F/gone $F/dangling && $DC -q $F/dangling >/dev/null 2>$F/dang.err; [ \$? -eq 66 ] && grep -q dangling $F/dang.err"

# ------------------------------------------------ SIGPIPE
# More than the 1 MiB a stage buffers and a pipe holds, so that the
# reader's end closes while the stage still writes.
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do cat "$F/a.log"; done >"$F/big.log"
gzip -c "$F/big.log" >"$F/big.log.gz"
$bin/revisit-parse -q -f combined_vid "$F/big.log" >"$F/big.mp" 2>/dev/null
pipe_quiet() {	# CMD...: exits by SIGPIPE (141) under | head, saying nothing
	{ "$@" 2>"$F/pipe.err"; echo $? >"$F/pipe.rc"; } | head -c 10 >/dev/null
	[ "$(cat "$F/pipe.rc")" = 141 ] && [ ! -s "$F/pipe.err" ] ||
		{ echo "$*: exit $(cat "$F/pipe.rc")"; cat "$F/pipe.err"; return 1; }
}
check "faults: a reader that stops early (| head) ends decompress, parse and dump by SIGPIPE, quietly" \
    "pipe_quiet $DC -q $F/big.log.gz && pipe_quiet $bin/revisit-parse -q --max-warnings 0 -f combined_vid $F/big.log && pipe_quiet $DU $F/big.mp"

# ------------------------------------------------ SIGKILL, 20 times
# The nightly job of the second day killed at 20 points spread over an
# uninterrupted run's time, each time from the night before: the
# published outputs and state are the night before's, or (killed after
# publishing) the whole night; then a run of the day gives the
# uninterrupted run's outputs ($N/a).
K=$F/kill
conf "$K" >"$K.conf"
mkdir -p "$K"
$NIGHTLY -q -c "$K.conf" --day "$d1" 2>"$F/kill.err"
cp -a "$K" "$K.base"
ksnap() {	# what the job of $K has published
	(cd "$K" && find -L out/latest state/current -type f -print0 | sort -z | xargs -0 md5sum && readlink out/latest state/current) 2>/dev/null
}
whole_night() {	# $K published $d2 as the uninterrupted run did
	[ "$(readlink "$K/out/latest")" = "$d2" ] && [ "$(readlink "$K/state/current")" = "$d2" ] &&
	    diff -r -x log "$N/a/out/$d2/" "$K/out/$d2/" >/dev/null
}
ksnap >"$F/kill.before"
t0=$(date +%s%N)
$NIGHTLY -q -c "$K.conf" --day "$d2" 2>>"$F/kill.err"
wall=$((($(date +%s%N) - t0) / 1000))	# microseconds
RANDOM=7
kills=0 bad=0 late=0
while [ $kills -lt 20 ]; do
	kills=$((kills + 1))
	rm -rf "$K" && cp -a "$K.base" "$K"
	at=$((wall * kills / 21 + RANDOM % (wall / 42 + 1)))
	setsid $NIGHTLY -q -c "$K.conf" --day "$d2" >/dev/null 2>&1 &
	pid=$!
	sleep "$((at / 1000000)).$(printf %06d $((at % 1000000)))"
	/bin/kill -KILL -- "-$pid" 2>/dev/null
	wait $pid 2>/dev/null
	flock "$K/out/.lock" true
	ksnap >"$F/kill.now"
	if cmp -s "$F/kill.now" "$F/kill.before"; then
		:
	elif whole_night; then
		late=$((late + 1))
	else
		bad=$((bad + 1))
		echo "kill $kills at ${at}us: published a half night" >>"$F/kill.log"
		diff "$F/kill.before" "$F/kill.now" | head -5 >>"$F/kill.log"
	fi
done
check "faults: the nightly job SIGKILLed at 20 points ($late after publishing) leaves the night before's outputs and state, or the whole night; the next run is the uninterrupted one's" \
    "[ $bad -eq 0 ] || { cat $F/kill.log; exit 1; }; $NIGHTLY -q -c $K.conf --day $d2 && whole_night"

# ------------------------------------------------ hits of another time
# A day's file with a line dated 2099 and one a week before the day:
# each is a reject named with its file and line; the night's outputs are
# those of the file without them.
H=$F/when
mkdir -p "$H/logs"
for f in "$N"/gen/logs/access-s*-"$d1".log.gz; do cp "$f" "$H/logs/"; done
g=$(ls "$H"/logs/*.log.gz | head -1)
gzip -dc "$g" >"$H/one.log"
line=$(sed -n 5p "$H/one.log")
{ head -100 "$H/one.log"; echo "$line" | sed 's|\[[^]]*\]|[01/Jan/2099:00:00:00 +0000]|'; sed -n '101,200p' "$H/one.log"
  echo "$line" | sed "s|\[[^]]*\]|[$(date -u -d "$d1 - 7 days" +%d/%b/%Y):12:00:00 +0000]|"; tail -n +201 "$H/one.log"; } | gzip -c >"$g"
sed "s|^inputs = .*|inputs = $H/logs/access-s*-{date}.log.gz|" "$N/a.conf" |
    sed "s|^state = .*|state = $H/state|; s|^output = .*|output = $H/out|" >"$H.conf"
check "faults: hits dated 2099 or a week early are rejects named by file and line; the night is the one without them" \
    "$NIGHTLY -q -c $H.conf --day $d1 && grep -q \"${g##*/}:101: hit at 2099-01-01T00:00:00.000Z outside --until\" $H/out/$d1/log/parse.err && grep -q \"${g##*/}:202: hit at .* outside --since\" $H/out/$d1/log/parse.err && diff -r -x log $N/a/out/$d1/audiences $H/out/$d1/audiences >&2"

# The bench prints its figures through tee: a run that fails must still
# fail it, not leave a cut-short results.txt behind an exit status of 0.
if have igzip && have bc && [ -x /usr/bin/time ]; then
	check "bench: a failed run (a broken revisit-merge in the sharded night) makes scripts/bench exit 1 and say so" \
	    "mkdir -p $t/fb && for f in $bin/revisit-*; do ln -sf \$f $t/fb/; done && rm $t/fb/revisit-merge && printf '#!/bin/sh\\nexit 70\\n' >$t/fb/revisit-merge && chmod +x $t/fb/revisit-merge && BENCH_DIR=$t/bench LINES=30000 RUNS=1 sh $top/scripts/bench $t/fb >/dev/null 2>$t/bench.err; [ \$? -eq 1 ] && grep -q 'stage merge failed' $t/bench.err && grep -q 'a run failed' $t/bench.err"
else
	skip "bench: a failed run makes scripts/bench exit 1" "no igzip, bc or GNU time (scripts/install-deps test)"
fi
