# attribute.sh: end-to-end tests of revisit-attribute and revisit-state,
# sourced by stages.sh (its check, $t, $bin and the week of generated
# logs in $W).
AT=$bin/revisit-attribute
ST=$bin/revisit-state
T0=1717200000000	# 2024-06-01T00:00:00Z
DAY=86400000
nsid=0

# sess VID UID DAY+MS CHANNEL SOURCE MEDIUM [ORDER VALUE]: one tagged
# session of ten minutes as JSON, with a purchase at its end if ORDER.
sess() {
	nsid=$((nsid + 1))
	s=$(($T0 + $3))
	u=; [ "$2" = - ] || u="\"uid\":\"$2\","
	b=; [ -z "${7:-}" ] || b="{\"order_id\":\"$7\",\"value\":$8,\"value_text\":\"$8\",\"currency\":\"EUR\",\"ts\":$((s + 600000))}"
	printf '{"type":"session","sid":"%016x","vid":"%s",%s"start":%s,"end":%s,"hits":2,"landing":"/","source":"%s","medium":"%s","campaign":"(not set)","channel":"%s","device":"desktop","pages":[],"stages":[],"stages_ts":[],"skus_viewed":[],"skus_viewed_ts":[],"skus_carted":[],"skus_carted_ts":[],"purchases":[%s]}\n' \
	    "$nsid" "$1" "$u" "$s" "$((s + 600000))" "$5" "$6" "$4" "$b"
}
D() { echo $(($1 * DAY)); }
# credits FILE MODEL: "channel value-share" per touchpoint of the first
# conversion, credit times value rounded to cents.
credits() {
	$DU "$1" | jq -r "select(.type == \"conversion\") | .value as \$v |
	    .credits.$2[] | \"\(.channel) \(.credit * \$v * 100 | round / 100)\"" |
	    tr '\n' ' '
}

sess v1 - "$(D 1)" "Organic Search" google.com organic ORD-1 100 |
    $DU --pack >"$t/h1.mp"
check "attribute: one touch gets all the credit in every model" \
    "$AT -q $t/h1.mp -o $t/h1.out && for m in last_non_direct last_click first_click linear position_based time_decay; do [ \"\$(credits $t/h1.out \$m)\" = 'Organic Search 100 ' ] || exit 1; done"

{ sess v2 - "$(D 1)" "Organic Search" google.com organic
  sess v2 - "$(D 2)" Email newsletter email ORD-2 100; } | $DU --pack >"$t/h2.mp"
check "attribute: two touches, position based 50/50" \
    "$AT -q $t/h2.mp -o $t/h2.out && [ \"\$(credits $t/h2.out position_based)\" = 'Organic Search 50 Email 50 ' ] && [ \"\$(credits $t/h2.out first_click)\" = 'Organic Search 100 ' ]"

{ sess v3 - "$(D 1)" Direct '(direct)' '(none)'
  sess v3 - "$(D 2)" "Organic Search" google.com organic
  sess v3 - "$(D 3)" Direct '(direct)' '(none)' ORD-3 140; } | $DU --pack >"$t/h3.mp"
check "attribute: Direct > Organic Search > Direct worth 140: linear 46.67 each, position based 56/28/56" \
    "$AT -q $t/h3.mp -o $t/h3.out && [ \"\$(credits $t/h3.out linear)\" = 'Direct 46.67 Organic Search 46.67 Direct 46.67 ' ] && [ \"\$(credits $t/h3.out position_based)\" = 'Direct 56 Organic Search 28 Direct 56 ' ] && [ \"\$(credits $t/h3.out last_non_direct)\" = 'Organic Search 140 ' ]"

{ for d in 0 5 12 30; do sess v4 - "$(D $d)" Referral "r$d.example" referral; done
  sess v4 - "$(D 38)" Referral r38.example referral ORD-4 12000; } | $DU --pack >"$t/h4.mp"
check "attribute: time decay, touches on days 0, 5, 12, 30, 38 of 12,000: 175.20 / 287.44 / 574.88 / 3417.04 / 7545.45" \
    "$AT -q --lookback 40d $t/h4.mp -o $t/h4.out && [ \"\$(credits $t/h4.out time_decay)\" = 'Referral 175.2 Referral 287.44 Referral 574.88 Referral 3417.04 Referral 7545.45 ' ]"
check "attribute: the default 30 d lookback leaves the first two out" \
    "$AT -q $t/h4.mp | $DU | jq -e 'select(.type == \"conversion\") | .touchpoints == 3' >/dev/null"

# The conversion is at the end of the last session: day 30 + 10 min.
{ sess v5 - "$((600000 - 1))" Email e1 email
  sess v5 - 600000 Email e2 email
  sess v5 - "$(D 30)" Direct '(direct)' '(none)' ORD-5 10; } | $DU --pack >"$t/h5.mp"
check "attribute: lookback edges: exactly 30 d before is in, 1 ms earlier is out" \
    "$AT -q $t/h5.mp | $DU | jq -e 'select(.type == \"conversion\") | .touchpoints == 2 and (.credits.first_click[0].source == \"e2\")' >/dev/null"

{ sess v6 - "$(D 1)" Direct '(direct)' '(none)'
  sess v6 - "$(D 2)" Direct '(direct)' '(none)' ORD-6 50; } | $DU --pack >"$t/h6.mp"
check "attribute: last non-direct on an all-Direct path credits the last" \
    "$AT -q $t/h6.mp | $DU | jq -e 'select(.type == \"conversion\") | .credits.last_non_direct == [.credits.last_click[0]] and .credits.last_click[0].start == $(($T0 + 2 * DAY))' >/dev/null"

# A phone browses from an ad, logs in the next day; the person buys on a
# laptop where they are logged in: one person, both devices' sessions.
{ sess phone - "$(D 1)" "Paid Social" facebook paid_social
  sess laptop u7 "$(D 2)" Email newsletter email ORD-7 80
  sess phone u7 "$(D 3)" Direct '(direct)' '(none)'; } | $DU --pack >"$t/h7.mp"
check "attribute: a cross-device path joined by uid" \
    "$AT -q $t/h7.mp | $DU | jq -e 'select(.type == \"conversion\") | .person == \"u7\" and .id_type == \"uid\" and .touchpoints == 2 and .credits.first_click[0].channel == \"Paid Social\" and .vid == \"laptop\"' >/dev/null"

# Night 1 buys; night 2 reloads the confirmation page (its own funnel run
# counts the order again): the state knows it.
sess v8 - "$(D 1)" Email e email ORD-8 30 | $DU --pack >"$t/n1.mp"
sess v8 - "$(D 2)" Direct '(direct)' '(none)' ORD-8 30 | $DU --pack >"$t/n2.mp"
check "attribute: a reloaded confirmation page on a later night is not a new conversion" \
    "rm -rf $t/st8 && $AT -q --state $t/st8 $t/n1.mp | $ST -q --update $t/st8 | $DU -c | grep -q '^conversion	1' && $AT --state $t/st8 $t/n2.mp 2>$t/n2.err | $ST -q --update $t/st8 | $DU -c | grep -vq conversion && grep -q '1 repeated orders not counted again (1 from earlier nights)' $t/n2.err && $ST --dump $t/st8 | jq -se '[.[1:][].vids[].purchases[]] | length == 1' >/dev/null"

# Night 1: a phone, logged in. Night 2: only a new laptop, logged in as
# the same person, buys. The state's record of u9 shares no vid with
# night 2, only its key: the phone's session still counts.
sess phone9 u9 "$(D 1)" "Paid Social" facebook paid_social | $DU --pack >"$t/x1.mp"
sess laptop9 u9 "$(D 2)" Email newsletter email ORD-9 40 | $DU --pack >"$t/x2.mp"
check "attribute: a person's earlier nights count when tonight's device is new and only the uid is known" \
    "rm -rf $t/st9 && $AT -q --state $t/st9 $t/x1.mp | $ST -q --update $t/st9 >/dev/null && $AT -q --state $t/st9 $t/x2.mp | $DU | jq -e 'select(.type == \"conversion\") | .person == \"u9\" and .touchpoints == 2 and .credits.first_click[0].channel == \"Paid Social\"' >/dev/null"

cat "$t"/h[1-7].mp >"$t/hall.mp"
check "attribute: every conversion's credits sum to 1 per model" \
    "[ \"\$($AT -q $t/hall.mp | $DU | jq -e 'select(.type == \"conversion\") | .credits | to_entries[] | (.value | map(.credit) | add) - 1 | fabs < 1e-9' | sort -u)\" = true ]"
check "attribute: --models selects; a bad model is 64" \
    "$AT -q --models linear,first_click $t/h3.mp | $DU | jq -e 'select(.type == \"conversion\") | .credits | keys == [\"first_click\", \"linear\"]' >/dev/null && $AT --models nope </dev/null 2>/dev/null; [ \$? -eq 64 ]"
check "attribute: sessions and other records pass through" \
    "printf '{\"type\":\"note\"}\n' | $DU --pack | cat $t/h3.mp - | $AT -q | $DU -c | tr '\n' ' ' | grep -q 'session	3 note	1 conversion	1'"

# ----------------------------------------------------- on generated data
check "attribute: conversions = the generator's purchases (order ids, values, persons)" \
    "$AT -q $W/merged.fun | $DU | jq -r 'select(.type == \"conversion\") | [.order_id, .value_text, .person] | @tsv' | sort >$t/cv.got && awk -F'\t' 'FNR==1{next} FILENAME ~ /devices/ {p[\$1]=\$2; next} {print \$1\"\t\"\$4\"\t\"p[\$2]}' $W/truth/devices.tsv $W/truth/purchases.tsv | sort >$t/cv.want && [ -s $t/cv.want ] && cmp $t/cv.want $t/cv.got"
check "attribute: each conversion's last click is the channel of the session it converted in" \
    "$AT -q $W/merged.fun | $DU | jq -r 'select(.type == \"conversion\") | [.order_id, .credits.last_click[0].channel] | @tsv' | sort >$t/lc.got && awk -F'\t' 'FNR==1{next} FILENAME ~ /sessions/ {c[\$1\"/\"\$2]=\$5; next} {print \$1\"\t\"c[\$2\"/\"\$6]}' $W/truth/sessions.tsv $W/truth/purchases.tsv | sort >$t/lc.want && [ -s $t/lc.want ] && cmp $t/lc.want $t/lc.got"
check "attribute: --report: each model's revenue by channel sums to the total" \
    "$AT -q --report $t/ar.txt --report-json $t/ar.json $W/merged.fun >/dev/null && grep -q '^last_non_direct, by channel' $t/ar.txt && jq -e '.totals[0].revenue as \$r | .models | to_entries | all(.value.by_channel | map(.revenue) | add | . - \$r | fabs < 0.01)' $t/ar.json >/dev/null && jq -e '.models | length == 6' $t/ar.json >/dev/null"
check "attribute: --sums-out FILE is the report as one attribution_sums record; --conversions of it (twice: each sum doubled) writes that report" \
    "$AT -q --sums-out $t/su.mp --report $t/su-want.txt --report-json $t/su-want.json $W/merged.fun >/dev/null && [ \"\$($DU $t/su.mp | jq -r .type)\" = attribution_sums ] && $AT -q --conversions --report $t/su.txt --report-json $t/su.json $t/su.mp && cmp $t/su.txt $t/su-want.txt && cmp $t/su.json $t/su-want.json && cat $t/su.mp $t/su.mp | $AT -q --conversions --report-json $t/su2.json && [ \"\$(jq '.totals[0].conversions' $t/su2.json)\" = \"\$(jq '2 * .totals[0].conversions' $t/su.json)\" ]"
check "attribute: --conversions-out FILE is the conversion records alone, as --conversions -o keeps them from its output" \
    "$AT -q --conversions-out $t/co.mp $W/merged.fun >$t/co-all.mp && $AT -q --conversions -o $t/co-want.mp $t/co-all.mp && [ -s $t/co.mp ] && cmp $t/co.mp $t/co-want.mp"

# ------------------------------------------- nightly batches = one run
# A generated month, one night at a time with the state, and all at once.
M=$t/month
"$bin/revisit-gen-logs" -o "$M" --days 30 --lines 45000 2>/dev/null
nightly() {	# DAY: that night's logs through the whole chain
	cat "$M"/logs/access-s*-"$1".log | $P -q 2>/dev/null | $SZ -q | $FN -q |
	    $AT -q --state "$M/state" | $ST -q --update "$M/state"
}
rm -rf "$M/state"
for day in $(ls "$M/logs" | sed 's/access-s[0-9]*-//; s/\.log$//' | sort -u); do
	nightly "$day" >"$M/night-$day.mp" || echo "night $day failed" >&2
done
cat "$M"/logs/*.log | $P -q 2>/dev/null | $SZ -q | $FN -q >"$M/all.fun"
$AT -q "$M/all.fun" | $ST -q --update "$M/one" >"$M/one.mp"
$DU "$M"/night-*.mp | jq -c 'select(.type == "conversion")' >"$M/cn.jsonl"
$DU "$M/one.mp" | jq -c 'select(.type == "conversion")' >"$M/c1.jsonl"
$ST --dump "$M/state" | tail -n +2 >"$M/state.jsonl"

check "state: 30 nightly updates give the same state as one run over the month" \
    "$ST --dump $M/one | tail -n +2 | cmp - $M/state.jsonl && [ \$(wc -l <$M/state.jsonl) -gt 300 ]"
check "attribute: 30 nights give the same conversions (order ids, values, times) as one run" \
    "jq -r '[.order_id, .value, .ts] | @tsv' $M/cn.jsonl | sort >$t/o1 && jq -r '[.order_id, .value, .ts] | @tsv' $M/c1.jsonl | sort >$t/o2 && [ -s $t/o1 ] && cmp $t/o1 $t/o2"
check "attribute: and the same persons, a night's person mapped through the final state's identity" \
    "jq -r '.person as \$p | .vids[] | [.vid, \$p] | @tsv' $M/state.jsonl | sort >$t/idm && jq -r '[.vid, .order_id] | @tsv' $M/cn.jsonl | sort | join -t '	' - $t/idm | cut -f2,3 | sort >$t/pn && jq -r '[.order_id, .person] | @tsv' $M/c1.jsonl | sort >$t/p1 && [ -s $t/p1 ] && cmp $t/pn $t/p1"
check "attribute: credits differ only where a device was linked to the person on a later night" \
    "$DU $M/all.fun | jq -c 'select(.type == \"session\") | [.sid, .vid, .start, .uid]' >$t/sx && jq -n --slurpfile s $t/sx --slurpfile a $M/c1.jsonl --slurpfile b $M/cn.jsonl '
	(\$s | map({key: .[0], value: .[1]}) | from_entries) as \$vid |
	(\$s | map(select(.[3] != null)) | group_by(.[1]) | map({key: .[0][1], value: (map(.[2]) | min)}) | from_entries) as \$linked |
	(\$b | map({key: .order_id, value: .}) | from_entries) as \$night |
	[\$a[] | . as \$c | \$night[\$c.order_id] as \$n | select((\$c.credits | tojson) != (\$n.credits | tojson)) |
	    (((\$c.ts / 86400000 | floor) + 1) * 86400000) as \$stop |
	    (\$c.credits.linear | map(.sid)) as \$all | (\$n.credits.linear | map(.sid)) as \$some |
	    ((\$some - \$all) == [] and ((\$linked[\$c.vid] // 1e18) >= \$stop or ((\$all - \$some) | all(\$linked[\$vid[.]] // 1e18 >= \$stop))))] |
	all' | grep -qx true"
check "state: an update run twice on the same night changes nothing" \
    "cp -r $M/one $t/twice && $ST -q --update $t/twice $M/one.mp >/dev/null && $ST --dump $t/twice | tail -n +2 | cmp - $M/state.jsonl"

# ------------------------------------------------ the state directory
check "state: --check passes a good state and reports its size" \
    "$ST --check $M/state 2>&1 | grep -q 'ok: generation 30, [0-9]* persons'"
cp -r "$M/one" "$t/trunc"
f=$(ls "$t/trunc" | grep '^persons-' | head -1)
truncate -s -100 "$t/trunc/$f"
check "state: --check names a truncated file, 65" \
    "$ST --check $t/trunc 2>$t/tr.err; [ \$? -eq 65 ] && grep -q \"$f: truncated\" $t/tr.err"
cp -r "$M/one" "$t/flip"
printf 'X' | dd of="$t/flip/$f" bs=1 seek=5000 conv=notrunc 2>/dev/null
check "state: --check names a corrupted file, 65" \
    "$ST --check $t/flip 2>$t/fl.err; [ \$? -eq 65 ] && grep -q \"$f: corrupt\" $t/fl.err"
check "state: a damaged state stops attribute and the update, 65; attribute's --conversions-out and --sums-out are not written" \
    "$AT -q --state $t/flip --conversions-out $t/flip-co.mp --sums-out $t/flip-su.mp $M/all.fun >/dev/null 2>&1; a=\$?; [ ! -e $t/flip-co.mp ] && [ ! -e $t/flip-su.mp ] && [ -z \"\$(ls -a $t | grep 'flip-co\|flip-su')\" ] || exit 1; $ST -q --update $t/flip $M/one.mp >/dev/null 2>&1; b=\$?; [ \$a -eq 65 ] && [ \$b -eq 65 ]"
cp -r "$M/state" "$t/killed"
check "state: an update killed before its manifest leaves the previous state" \
    "REVISIT_TEST_KILL_BEFORE_MANIFEST=1 $ST -q --update $t/killed $M/night-2024-06-01.mp >/dev/null 2>&1; [ \$? -ne 0 ] && $ST -q --check $t/killed && $ST --dump $t/killed | tail -n +2 | cmp - $M/state.jsonl"
check "state: the next update after it succeeds and cleans up" \
    "$ST -q --update $t/killed $M/night-2024-06-30.mp >/dev/null && $ST -q --check $t/killed && ! ls $t/killed | grep -q tmp"
check "state: updates killed at random moments leave a readable state" \
    "cp -r $M/state $t/rk && for i in 1 2 3 4 5 6; do $ST -q --update $t/rk $M/one.mp >/dev/null 2>&1 & p=\$!; sleep 0.0\$i; kill -9 \$p 2>/dev/null; wait \$p 2>/dev/null; $ST -q --check $t/rk || exit 1; done"
check "state: a second update while one runs is refused, 75" \
    "flock $M/state/LOCK sleep 2 & sleep 0.3; $ST -q --update $M/state </dev/null >/dev/null 2>$t/lk.err; r=\$?; wait; [ \$r -eq 75 ] && grep -q 'another update' $t/lk.err"
check "state: --opt-out marks a person by vid or uid" \
    "cp -r $M/one $t/oo && u=\$(jq -r 'select(.id_type == \"uid\") | .person' $M/state.jsonl | head -1) && v=\$(jq -r 'select(.id_type == \"vid\") | .person' $M/state.jsonl | head -1) && printf '# opt-outs\n%s\n\n%s\n' \$u \$v >$t/oo.txt && $ST -q --update $t/oo --opt-out $t/oo.txt </dev/null >/dev/null && $ST --dump $t/oo | jq -r 'select(.type == \"person\") | select(any(.vids[]; .opt_out)) | .person' | sort | tr '\n' ' ' | grep -qx \"\$(printf '%s\n%s\n' \$u \$v | sort | tr '\n' ' ')\""
check "state: --dump is JSON Lines: a header, then persons in key order" \
    "$ST --dump $M/one | head -1 | jq -e '.type == \"state\" and .persons > 0' >/dev/null && jq -r .person $M/state.jsonl | LC_ALL=C sort -c"
# make bench measures the 300 bytes per person of the 10-million-line
# month; on this small one the dictionary weighs more: a guard only.
check "state: person records of the small month stay compact (under 350 bytes each)" \
    "$ST --check $M/one 2>&1 | sed -n 's/.* persons, .*(\\([0-9]*\\) of person records.*/\\1/p' >$t/rb && n=\$(jq -s length $M/state.jsonl) && [ -s $t/rb ] && [ \$(cat $t/rb) -le \$((350 * n)) ]"
