# nightly.sh: end-to-end tests of scripts/nightly and revisit-report,
# sourced by stages.sh (its check, $t, $bin, $top).
NIGHTLY="$top/scripts/nightly --bin $bin"
RP=$bin/revisit-report
N=$t/nightly
mkdir -p "$N"
"$bin/revisit-gen-logs" -o "$N/gen" --days 8 --lines 40000 --gzip 2>/dev/null
days=$(ls "$N/gen/logs" | sed 's/^access-s[0-9]*-//; s/\.log\.gz$//' | sort -u)
first7=$(echo "$days" | head -7)
day8=$(echo "$days" | tail -1)
# Opt out a buyer by uid and another person by a vid.
ouid=$(awk -F'\t' 'FNR == 1 { f++; next } f == 1 && $2 ~ /^u/ { P[$1] = $2 }
    f == 2 && ($2 in P) { print P[$2]; exit }' "$N/gen/truth/devices.tsv" "$N/gen/truth/purchases.tsv")
ovid=$(awk -F'\t' -v u="$ouid" 'NR > 1 && $2 != u && $2 ~ /^u/ { v = $1 } END { print v }' "$N/gen/truth/devices.tsv")
ovp=$(awk -F'\t' -v v="$ovid" '$1 == v { print $2 }' "$N/gen/truth/devices.tsv")
printf '%s\n%s\n' "$ouid" "$ovid" >"$N/optout.txt"
awk -F'\t' 'NR > 1 && $2 ~ /^u/ && !s[$2]++ { printf "%s,%s@example.com,+44 20 7946 %04d\n", $2, $2, NR }' \
    "$N/gen/truth/devices.tsv" >"$N/crm.csv"
conf() {	# DIR [extra line]: a config whose state and output are in DIR
	cat <<CONF
# test job
format = combined_vid
site_hosts = shop.example.com
inputs = $N/gen/logs/access-s*-{date}.log.gz
state = $1/state
output = $1/out
opt_out = $N/optout.txt
crm = $N/crm.csv
min_size = 10
${2:-}
CONF
}
conf "$N/a" >"$N/a.conf"
nightly_ok=0
for d in $first7; do
	$NIGHTLY -q -c "$N/a.conf" --day "$d" 2>>"$N/runs.err" || nightly_ok=1
done
day7=$(echo "$first7" | tail -1)
conf "$N/chk" >"$N/chk.conf"
conf "$N/chk" 'formats = google-dm,bogus' >"$N/chk-formats.conf"
printf 'audience x\n\tinclude bogus thing\n' >"$N/bad.rules"
conf "$N/chk" "audience_rules = $N/bad.rules" >"$N/chk-rules.conf"
conf "$N/chk" 'report_nights = 0' >"$N/chk-nights.conf"
check "nightly --check: a good config is ok, with the day's inputs counted, and creates nothing" \
    "$NIGHTLY --check -c $N/chk.conf --day $day8 >$t/chk.out && grep -q \"ok for $day8: \$(ls $N/gen/logs/*-$day8.log.gz | wc -l) input files\" $t/chk.out && [ ! -e $N/chk ]"
check "nightly --check: a bad export format, audience rule or report period is 64, naming the stage and its message; nothing runs" \
    "$NIGHTLY --check -c $N/chk-formats.conf --day $day8 2>$t/c1; [ \$? -eq 64 ] && grep -q 'export:' $t/c1 && grep -q \"no format 'bogus'\" $t/c1 && $NIGHTLY --check -c $N/chk-rules.conf --day $day8 2>$t/c2; [ \$? -eq 64 ] && grep -q \"bad.rules:2: not a condition\" $t/c2 && $NIGHTLY --check -c $N/chk-nights.conf --day $day8 2>$t/c3; [ \$? -eq 64 ] && grep -q 'report:' $t/c3 && [ ! -e $N/chk ]"
check "nightly --check: a day without inputs is 66" \
    "$NIGHTLY --check -c $N/chk.conf --day 1999-01-01 2>$t/c4; [ \$? -eq 66 ] && grep -q 'no input files for 1999-01-01' $t/c4"
check "nightly: seven nights in a row, each published as DAY and latest" \
    "[ $nightly_ok -eq 0 ] && [ \$(readlink $N/a/out/latest) = $day7 ] && [ \$(readlink $N/a/state/current) = $day7 ] && [ \$(ls -d $N/a/out/20* | wc -l) -eq 7 ]"
L=$N/a/out/latest
check "nightly: a night's outputs: lists, diffs, exports, report, summary, the run log" \
    "[ \$(ls $L/audiences/*.mp | wc -l) -eq 8 ] && [ \$(ls $L/diffs/*.mp | wc -l) -eq 8 ] && ls $L/exports/full | grep -q 'cart_abandoners.google-dm.full.0001.json' && ls $L/exports/diff | grep -q '\\.add\\.0001\\.' && [ -s $L/report.html ] && $DU $L/night.mp | jq -e '.type == \"summary\" and .sessions > 0' >/dev/null && for s in decompress parse sessionize funnel attribute state summary audience diff export-full export-diff report publish; do grep -q \"^\$s *exit   0\" $L/log/run.log || exit 1; done"
check "nightly: diffs are against the night before" \
    "$DF -q $N/a/out/$(echo "$first7" | sed -n 6p)/audiences/cart_abandoners.mp $L/audiences/cart_abandoners.mp | cmp - $L/diffs/cart_abandoners.mp"
# The same seven days in one run: the same state, so the same lists.
for d in $first7; do zcat "$N"/gen/logs/access-s*-"$d".log.gz; done | $P -q 2>/dev/null |
    $SZ -q | $FN -q | $AT -q --state "$N/one" | $ST -q --update "$N/one" --opt-out "$N/optout.txt" >/dev/null
$AU -q --state "$N/one" --min-size 10 --opt-out "$N/optout.txt" -o "$N/one-aud"
check "nightly: night by night, the lists are those of one run over the week" \
    "for f in $N/one-aud/*.mp; do members <\$f >$t/n1 && members <$L/audiences/\${f##*/} >$t/n2 && cmp $t/n1 $t/n2 || exit 1; done"
check "nightly: opted-out persons are in no output (lists, diffs, exports, report)" \
    "[ -n \"$ouid\" ] && [ -n \"$ovp\" ] && for d in $N/a/out/20*/; do cat \$d/audiences/*.mp \$d/diffs/*.mp | $DU | grep -q -e '\"$ouid\"' -e '\"$ovp\"' -e '\"$ovid\"' && exit 1; grep -rl -e '$ouid' -e '$ovid' -e '$ovp' \$d/exports \$d/report.html && exit 1; done; true"
cp -a "$(readlink -f "$L")" "$N/rerun-before"
check "nightly: the same day run again gives the same outputs" \
    "$NIGHTLY -q -c $N/a.conf --day $day7 && diff -r -x log $N/rerun-before $L >&2"
check "nightly: a second run while one holds the lock is 75" \
    "flock $N/a/out/.lock sleep 3 & sleep 0.5; $NIGHTLY -q -c $N/a.conf --day $day7 2>$t/lock.err; r=\$?; wait; [ \$r -eq 75 ] && grep -q 'another run holds' $t/lock.err"
{ conf "$N/a"; echo "funnel_rules = $N/bad-rules.conf"; } >"$N/bad.conf"
printf 'view_item bogus\n' >"$N/bad-rules.conf"
snap() {	# what is published: the nights' files with checksums, the links
	(cd "$N/a" && find -L out/20* state/20* -type f -print0 | sort -z | xargs -0 md5sum &&
	    find out state -maxdepth 1 -type l -printf '%p -> %l\n' | sort)
}
snap >"$N/snap0"
check "nightly: what the kills below must leave alone is published" \
    "grep -q 'out/latest -> $day7' $N/snap0 && grep -q 'audiences/cart_abandoners.mp' $N/snap0"
check "nightly: a failing stage fails the run, names it and its status, and changes nothing" \
    "$NIGHTLY -q -c $N/bad.conf --day $day8 2>$t/fail.err; r=\$?; [ \$r -eq 64 ] && grep -q 'stage funnel failed (exit 64)' $t/fail.err && snap | cmp - $N/snap0 && ls $N/a/out/failed/ | grep -q $day8"
check "nightly: no input for the day is 66" \
    "$NIGHTLY -q -c $N/a.conf --day 2001-01-01 2>/dev/null; [ \$? -eq 66 ]"
check "nightly: a bad config line is 64 and names the line" \
    "printf 'format = combined\nbogus = 1\n' >$t/b.conf && $NIGHTLY -c $t/b.conf --day $day8 2>$t/bc.err; [ \$? -eq 64 ] && grep -q 'b.conf:2: no setting' $t/bc.err && { conf $N/k; echo 'keep = 1'; } >$t/k.conf && $NIGHTLY -c $t/k.conf --day $day8 2>$t/k.err; [ \$? -eq 64 ] && grep -q 'keep: at least 2' $t/k.err"

# Killed in each stage in turn: the previous night stays published and
# whole; the next run gives what an uninterrupted run gives. (A killed
# process stuck in I/O may hold the lock a moment longer: wait for it.)
cp -a "$N/a" "$N/b"
conf "$N/b" >"$N/b.conf"
$NIGHTLY -q -c "$N/b.conf" --day "$day8" 2>/dev/null
for s in decompress parse sessionize funnel attribute state summary audience diff export-full export-diff report publish; do
	check "nightly: SIGKILL during $s leaves the previous outputs and state as they were" \
	    "flock $N/a/out/.lock true; REVISIT_TEST_KILL_STAGE=$s setsid $NIGHTLY -q -c $N/a.conf --day $day8 >/dev/null 2>&1; [ \$? -eq 137 ] && snap | cmp - $N/snap0"
done
check "nightly: after the kills, the next run gives the uninterrupted run's outputs and state" \
    "flock $N/a/out/.lock true; $NIGHTLY -q -c $N/a.conf --day $day8 && diff -r -x log $N/a/out/$day8/ $N/b/out/$day8/ >&2 && $ST --dump $N/a/state/current | cmp - \$($ST --dump $N/b/state/current >$t/bst; echo $t/bst) && [ -z \"\$(ls -a $N/a/out/runs $N/a/state/nights | grep -F .tmp-)\" ]"

# Relative state and output directories (taken from where the job runs),
# written with ./ and a trailing /, in a sharded run whose steps get them
# through the job file: absolute there, and the night published.
check "nightly: relative state and output paths work, and reach the sharded steps absolute" \
    "mkdir -p $t/rel && cd $t/rel && conf . 'shards = 2
jobs = 2' | sed 's|^output = ./out\$|output = out/|' >rel.conf && grep -q '^output = out/\$' rel.conf && $NIGHTLY -q -c rel.conf --day $day8 && [ -s out/$day8/audiences/cart_abandoners.mp ] && [ -d state/current/shard-1 ] && grep -q '^declare -- work=\"/' out/$day8/log/job.env && grep -q '^declare -- run=\"/' out/$day8/log/job.env"

# What a run replaces (the same day again) or lets expire (beyond keep)
# is moved aside as it publishes, and deleted by the next run.
aside() {	# DIR: "days runs-dirs nights-dirs old" of the job in DIR
	echo "$(ls $1/out | grep -c '^20') $(ls $1/out/runs | grep -c '^20') $(ls $1/state/nights | grep -c '^20') $(ls -a $1/out/runs $1/state/nights | grep -c '^\.old-')"
}
check "nightly: what a run replaces or lets expire is moved aside as .old-*, and the next run deletes it" \
    "rm -rf $N/k && cp -a $N/a $N/k && conf $N/k 'keep = 2' >$t/keep.conf && [ \$(ls $N/k/out | grep -c '^20') -gt 2 ] && $NIGHTLY -q -c $t/keep.conf --day $day8 && ls -a $N/k/out/runs | grep -q '^\.old-' && ls -a $N/k/state/nights | grep -q '^\.old-' && [ \"\$(aside $N/k | cut -d' ' -f1-3)\" = '2 2 2' ] && old=\$(ls -a $N/k/out/runs | grep '^\.old-') && $NIGHTLY -q -c $t/keep.conf --day $day8 && for o in \$old; do [ ! -e $N/k/out/runs/\$o ] || exit 1; done && [ \"\$(aside $N/k)\" = '2 2 2 2' ] && readlink $N/k/out/latest | grep -q $day8"

# The report: in a real browser, without console errors or network.
check "report: self-contained: no script, no URL to load" \
    "! grep -q -i -e '<script' -e 'src=' -e 'href=' -e 'url(' -e 'http:' -e 'https:' $L/report.html && grep -q '<svg' $L/report.html"
check "report: every figure has its definition" \
    "for h in 'Conversion rate' 'Average order value' 'Repeat customer rate' 'Purchase frequency' 'Revenue per customer' 'Churn over the period' Funnel 'Conversions and revenue by channel' 'Audience sizes over the last nights' Cohorts; do grep -q \"\$h\" $L/report.html || exit 1; done; [ \$(grep -c 'class=\"def\"' $L/report.html) -ge 10 ]"
check "report: --summarize counts what the generator simulated for the night" \
    "zcat $N/gen/logs/access-s*-$day8.log.gz | $P -q 2>/dev/null | $SZ -q | $FN -q | $AT -q | $RP --summarize -q | $DU | jq -e --argjson n \$(awk -F'\t' -v d=$day8 'NR > 1 { t = strftime(\"%Y-%m-%d\", int(\$2 / 1000), 1); if (t == d) n++ } END { print n }' $N/gen/truth/sessions.tsv) '.sessions == \$n and (.funnel | map(.stage)) == [\"view_item\", \"add_to_cart\", \"begin_checkout\", \"purchase\"]' >/dev/null"
check "report: an empty night and an empty state still give a summary and a page" \
    "$RP -q --summarize </dev/null | $DU | jq -e '.sessions == 0 and .funnel == []' >/dev/null && mkdir -p $t/empty-st && $RP -q --state $t/empty-st -o $t/empty.html && grep -q 'Headline figures' $t/empty.html"
check "report: the cohort table starts at the first month with customers; none: it says so" \
    "sed -n '/<h2>Cohorts/,/<\\/table>/p' $L/report.html | grep -o '<tr><td>[A-Z][a-z][a-z] [0-9]*</td><td>[0-9]*</td>' | head -1 | grep -qv '<td>0</td>' && grep -q 'No purchase in the retained history yet' $t/empty.html"
check "report: two runs give the same bytes" \
    "$RP -q --state $N/a/state/current --night $L/night.mp --history $N/a/out --audiences $L/audiences -o $t/r1.html && $RP -q --state $N/a/state/current --night $L/night.mp --history $N/a/out --audiences $L/audiences -o $t/r2.html && cmp $t/r1.html $t/r2.html"
if have chromium; then
	shot=${REVISIT_SCREENSHOT:-$top/build/report-screenshot.png}
	check "report: opens in headless chromium without console errors; screenshot in ${shot#$top/}" \
	    "timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 --window-size=1200,2600 --screenshot=$shot file://$L/report.html >$t/chr.out 2>$t/chr.err; [ -s $shot ] && ! grep -i 'CONSOLE' $t/chr.err && timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom file://$L/report.html 2>/dev/null | grep -c '<svg' | awk '\$1 < 10 { exit 1 }'"
else
	skip "report: opens in headless chromium" "no chromium (scripts/install-deps test installs it)"
fi
